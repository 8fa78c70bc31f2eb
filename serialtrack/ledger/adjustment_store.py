"""Applying adjustments: scrap, write-off and found units and quantities, inside the store's transaction (issue 16).

Every transaction is type ``adjustment`` with document ``ADJ-<batch id>`` and the note ``<action>: <reason>``.

- scrap / write_off: each unit leaves stock (status ``scrapped``, no place) only if it is still in stock where
  the check saw it (office and lot: ``guard``); its lot's ``qty_used`` += 1. A quantity comes from exactly the
  lots the check picked (first in, first out), each guarded to still hold it. The transaction keeps where the
  unit was and its lot's cost.
- found: one new lot per (item, office, unit cost, date) of the batch, document ``ADJ-<batch id>``, no PO line;
  serialized units are new ``in_stock`` rows at the office and bin (a unit row a reversed receipt left
  ``reversed`` is reused, as receiving does).

Reversal: ``adjustment_undo.undo_adjustments`` (apart, since ``reverse_store`` imports the store, which
imports this module).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import Connection, insert, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.guard import expect_rows, guarded_update_one
from serialtrack.ledger.outbound_store import TX_COLUMNS, item_ids, leave_stock, use_lots
from serialtrack.ledger.plan import AdjustmentLinePlan, LotPick, PostingPlan, StockUnit, UnitPlan
from serialtrack.ledger.posting import Posting, ensure_bins
from serialtrack.ledger.sql import bind_marks, bulk_insert, new_id
from serialtrack.records import SerialStatus

LEAVING = ("scrap", "write_off")


def apply_adjustments(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's adjustments; returns (lots made, units, transactions). Set-based over the whole file (a
    count's proposed adjustments are one row per serial): one guarded UPDATE per (office, lot) the units leave,
    one insert of the found units per new lot, one insert of every transaction."""
    if not plan.adjustments:
        return 0, 0, 0
    items = item_ids(conn, (a.item_code for a in plan.adjustments))
    offices = {name.casefold(): (int(i), rb) for i, name, rb in
               conn.execute(select(t.offices.c.id, t.offices.c.name, t.offices.c.receiving_bin))}
    base: dict[str, object] = {"batch_id": posting.batch_id, "created_at": posting.now,
                               "source_file": posting.meta.file_name, "source_sha256": posting.meta.sha256,
                               "document": f"ADJ-{posting.batch_id}", "type": "adjustment"}
    rows: list[dict[str, object]] = []
    leaving: list[StockUnit] = []
    new_lots: dict[tuple[str, str, Decimal, object], int] = {}
    lots_qty: Counter[int] = Counter()
    found: dict[int, list[tuple[UnitPlan | None, AdjustmentLinePlan, dict[str, object]]]] = {}
    lot_place: dict[int, tuple[int, int, str]] = {}  # new lot -> (office id, item id, receiving bin)
    for line in plan.adjustments:
        item_id = int(items[line.item_code])
        office_id, receiving_bin = offices[line.office.casefold()]
        common = dict(base, item_id=item_id, occurred_on=line.adjustment_date, note=f"{line.action}: {line.reason}")
        sheet, row = (line.rows[0][0], line.rows[0][1]) if line.rows else (None, None)
        if line.action in LEAVING:
            leaving += line.units
            rows += [dict(common, serial_unit_id=u.unit_id, lot_id=u.lot_id, office_id=u.office_id,
                          bin_id=u.bin_id, qty=1, unit_cost=u.unit_cost, source_sheet=u.sheet, source_row=u.row)
                     for u in line.units]
            take_picks(conn, line.picks, f"item {line.item_code} at {line.office}")
            rows += [dict(common, serial_unit_id=None, lot_id=p.lot_id, office_id=p.office_id, bin_id=None,
                          qty=p.qty, unit_cost=p.unit_cost, source_sheet=sheet, source_row=row) for p in line.picks]
            continue
        cost = line.unit_cost if line.unit_cost is not None else Decimal(0)
        key = (line.item_code, line.office.casefold(), cost, line.adjustment_date)
        if key not in new_lots:
            new_lots[key] = new_id(conn.execute(insert(t.lots).values(
                document=f"ADJ-{posting.batch_id}", item_id=item_id, office_id=office_id, po_line_id=None,
                origin_lot_id=None, batch_id=posting.batch_id, received_date=line.adjustment_date, qty_ordered=0,
                qty_received=0, qty_used=0, unit_cost=cost)))
            lot_place[new_lots[key]] = (office_id, item_id, receiving_bin)
        lot_id = new_lots[key]
        lots_qty[lot_id] += line.qty
        common.update(lot_id=lot_id, office_id=office_id, unit_cost=cost, source_sheet=sheet, source_row=row)
        found.setdefault(lot_id, []).extend([(u, line, common) for u in line.found] or [(None, line, common)])
    leave_stock(conn, leaving, SerialStatus.SCRAPPED,
                "serials to scrap or write off are no longer in stock where they were")
    for lot_id, entries in found.items():
        rows += _found(conn, lot_id, lot_place[lot_id], entries)
    for lot_id, qty in lots_qty.items():
        conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(qty_ordered=qty, qty_received=qty))
    use_lots(conn, Counter(u.lot_id for u in leaving))
    bulk_insert(conn, t.transactions, TX_COLUMNS, ([r.get(c) for c in TX_COLUMNS] for r in rows))
    return len(new_lots), sum(a.qty for a in plan.adjustments), len(rows)


def take_picks(conn: Connection, picks: tuple[LotPick, ...], what: str) -> None:
    """Each picked lot gives its quantity only if it still holds it (another posting may have taken it)."""
    lots = t.lots.c
    for pick in picks:
        guarded_update_one(conn, t.lots, pick.lot_id, {"qty_used": lots.qty_used + pick.qty},
                           [lots.qty_received - lots.qty_used >= pick.qty, lots.reversed_batch_id.is_(None)],
                           f"{what}: lot {pick.lot_document} no longer holds {pick.qty}")


def _found(conn: Connection, lot_id: int, place: tuple[int, int, str],
           entries: list[tuple[UnitPlan | None, AdjustmentLinePlan, dict[str, object]]]) -> list[dict[str, object]]:
    """One new lot's found units (new rows, or rows a reversal left ``reversed``) or quantities, and their
    transactions."""
    office_id, item_id, receiving_bin = place
    bins = ensure_bins(conn, office_id, {u.bin if u else (line.bin or receiving_bin) for u, line, _ in entries})
    plain = [dict(common, serial_unit_id=None, bin_id=bins[line.bin or receiving_bin], qty=line.qty)
             for u, line, common in entries if u is None]
    units = [(u, common) for u, _, common in entries if u is not None]
    if not units:
        return plain
    bulk_insert(conn, t.serial_units, ("serial", "bin_id"),
                ((u.serial, bins[u.bin]) for u, _ in units if u.existing_id is None),
                constant={"item_id": item_id, "status": SerialStatus.IN_STOCK, "office_id": office_id,
                          "lot_id": lot_id})
    again = [(office_id, bins[u.bin], lot_id, u.existing_id) for u, _ in units if u.existing_id is not None]
    if again:  # a unit row a reversed receipt (or a reversed found) left: the same row, in the new lot
        changed = conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'in_stock', "
                                                        "office_id = ?, bin_id = ?, lot_id = ? WHERE id = ? "
                                                        "AND status = 'reversed'"), again).rowcount
        expect_rows(changed, len(again), "serials found by another file meanwhile")
    ids = dict(conn.execute(select(t.serial_units.c.serial, t.serial_units.c.id)
                            .where(t.serial_units.c.lot_id == lot_id)).all())
    return plain + [dict(common, serial_unit_id=ids[u.serial], bin_id=bins[u.bin], qty=1, source_sheet=u.sheet,
                         source_row=u.row) for u, common in units]

"""Applying shipments, returns and counts inside the store's transaction, in bulk: unit status changes as
guarded UPDATEs by office and lot, lot usage as one UPDATE per lot, one transaction row per unit (or per lot
consumed for a non-serialized line) with its cost from the lot, and order lines advanced. Every change that
depends on what the check saw goes through ``guard`` (a unit still in stock, an SO line with room left for
the quantity shipped, a shipped unit still out), so a concurrent posting makes this one a ``Conflict``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Connection, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.guard import Conflict, expect_rows, guarded_update, guarded_update_one, lock_rows
from serialtrack.ledger.plan import PostingPlan, ShipLinePlan, StockUnit
from serialtrack.ledger.posting import Places, Posting, ensure_bins, ensure_office
from serialtrack.ledger.sql import bind_marks, bulk_insert
from serialtrack.records import SerialStatus

TX_COLUMNS = ("batch_id", "type", "item_id", "serial_unit_id", "lot_id", "office_id", "bin_id", "qty", "unit_cost",
              "document", "occurred_on", "created_at", "source_file", "source_sha256", "source_sheet", "source_row",
              "note")


def item_ids(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """item code -> id, for the codes a plan names."""
    return dict(conn.execute(select(t.items.c.code, t.items.c.id).where(t.items.c.code.in_(sorted(set(codes))))).all())


def use_lots(conn: Connection, used: Counter[int]) -> None:
    """Each lot's ``qty_used`` grows by its count (shrinks, for a negative one)."""
    if used:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used + ? WHERE id = ?"),
                             [(qty, lot_id) for lot_id, qty in used.items()])


def take_fifo(conn: Connection, item_id: int, office_id: int, qty: int) -> list[tuple[int, int, Decimal]]:
    """(lot id, qty taken, unit cost) from the oldest live lots with stock left."""
    lots = t.lots
    taken: list[tuple[int, int, Decimal]] = []
    live = (lots.c.item_id == item_id, lots.c.office_id == office_id, lots.c.reversed_batch_id.is_(None))
    lock_rows(conn, lots, conn.execute(select(lots.c.id).where(*live)).scalars())  # PostgreSQL: one picker at a time
    for lot_id, left, cost in conn.execute(
            select(lots.c.id, lots.c.qty_received - lots.c.qty_used, lots.c.unit_cost)
            .where(lots.c.item_id == item_id, lots.c.office_id == office_id, lots.c.reversed_batch_id.is_(None),
                   lots.c.qty_received > lots.c.qty_used)
            .order_by(lots.c.received_date, lots.c.id)):
        take = min(int(left), qty)
        taken.append((int(lot_id), take, cost))
        qty -= take
        if qty == 0:
            break
    if qty:
        raise Conflict("not enough stock left to ship: another posting took it since the check")
    return taken


def _ship_line(conn: Connection, places: Places, line: ShipLinePlan, item_id: int, base: dict[str, object],
               now: dt.datetime) -> int:
    office_id = ensure_office(conn, places, line.office, now)
    document = f"SO-{line.so_number}"
    common = dict(base, type="shipment", item_id=item_id, document=document, occurred_on=line.ship_date,
                  note=" ".join(x for x in (line.carrier, line.tracking) if x) or None)
    if line.units:
        leave_stock(conn, line.units, SerialStatus.SHIPPED,
                    f"serials of {line.item_code} for SO {line.so_number} are no longer in stock")
        use_lots(conn, Counter(u.lot_id for u in line.units))
        rows = [dict(common, serial_unit_id=u.unit_id, lot_id=u.lot_id, office_id=u.office_id, bin_id=u.bin_id,
                     qty=1, unit_cost=u.unit_cost, source_sheet=u.sheet, source_row=u.row) for u in line.units]
    else:
        taken = take_fifo(conn, item_id, office_id, line.qty)
        use_lots(conn, Counter({lot_id: qty for lot_id, qty, _ in taken}))
        sheet, row = (line.rows[0][0], line.rows[0][1]) if line.rows else (None, None)
        rows = [dict(common, serial_unit_id=None, lot_id=lot_id, office_id=office_id, bin_id=None, qty=qty,
                     unit_cost=cost, source_sheet=sheet, source_row=row) for lot_id, qty, cost in taken]
    varying = ("serial_unit_id", "lot_id", "office_id", "bin_id", "qty", "unit_cost", "source_sheet", "source_row")
    bulk_insert(conn, t.transactions, varying, ([r[c] for c in varying] for r in rows),
                constant={c: common[c] for c in TX_COLUMNS if c not in varying})
    so_line = conn.execute(select(t.so_lines.c.id).join(t.sales_orders, t.sales_orders.c.id == t.so_lines.c.so_id)
                           .where(t.sales_orders.c.number == line.so_number, t.so_lines.c.item_id == item_id)
                           ).scalar_one()
    guarded_update_one(conn, t.so_lines, so_line, {"qty_shipped": t.so_lines.c.qty_shipped + line.qty},
                       [t.so_lines.c.qty_shipped + line.qty <= line.qty_ordered,
                        t.so_lines.c.qty_ordered == line.qty_ordered],
                       f"SO {line.so_number} line {line.item_code} has no room left for this shipment")
    return len(rows)


def leave_stock(conn: Connection, units: Iterable[StockUnit], status: SerialStatus, what: str) -> None:
    """The units leave stock (``status``, no place) only if each is still in stock where the check saw it (office
    and lot): one guarded UPDATE per place, so a concurrent posting that moved one makes this a ``Conflict``
    (shipping, scrap and write-off, vendor returns)."""
    by_place: dict[tuple[int | None, int], list[int]] = {}
    for u in units:
        by_place.setdefault((u.office_id, u.lot_id), []).append(u.unit_id)
    su = t.serial_units.c
    for (office_id, lot_id), ids in by_place.items():
        guarded_update(conn, t.serial_units, ids, {"status": status, "office_id": None, "bin_id": None},
                       [su.status == SerialStatus.IN_STOCK, su.office_id == office_id, su.lot_id == lot_id], what)


STATUS_AFTER_RETURN = {"restock": SerialStatus.IN_STOCK, "scrap": SerialStatus.SCRAPPED,
                       "return_to_vendor": SerialStatus.RETURNED_TO_VENDOR}


def _returns(conn: Connection, places: Places, plan: PostingPlan, items: dict[str, int], base: dict[str, object],
             now: dt.datetime) -> int:
    rows = []
    restocked: Counter[int] = Counter()
    for r in plan.returns:
        office_id = ensure_office(conn, places, r.office, now)
        office_bin = conn.execute(select(t.offices.c.return_bin).where(t.offices.c.id == office_id)).scalar_one()
        bin_id = ensure_bins(conn, office_id, [office_bin])[office_bin]
        restock = r.disposition == "restock"
        back: dict[str, object] = {"status": STATUS_AFTER_RETURN[r.disposition],
                                   "office_id": office_id if restock else None, "bin_id": bin_id if restock else None}
        if restock:
            restocked[r.lot_id] += 1
        what = f"serial {r.serial} of {r.item_code} is no longer out on SO {r.so_number}"
        guarded_update_one(conn, t.serial_units, r.unit_id, back, [t.serial_units.c.status == SerialStatus.SHIPPED],
                           what)
        tx = t.transactions.c
        closed = conn.execute(update(t.transactions).where(
            tx.serial_unit_id == r.unit_id, tx.type == "shipment", tx.closed_by_batch_id.is_(None),
            tx.document == f"SO-{r.so_number}").values(closed_by_batch_id=base["batch_id"]))
        expect_rows(closed.rowcount, 1, what)
        note = r.disposition + (f": {r.reason}" if r.reason else "")
        rows.append(dict(base, type="return", item_id=items[r.item_code], serial_unit_id=r.unit_id, lot_id=r.lot_id,
                         office_id=office_id, bin_id=bin_id if r.disposition == "restock" else None, qty=1,
                         unit_cost=r.unit_cost, document=f"SO-{r.so_number}", occurred_on=r.return_date,
                         source_sheet=r.sheet, source_row=r.row, note=note))
    use_lots(conn, Counter({lot: -qty for lot, qty in restocked.items()}))
    bulk_insert(conn, t.transactions, TX_COLUMNS, ([r[c] for c in TX_COLUMNS] for r in rows))
    return len(rows)


def _counts(conn: Connection, places: Places, plan: PostingPlan, items: dict[str, int], batch_id: int,
            now: dt.datetime) -> int:
    offices = {c.office: ensure_office(conn, places, c.office, now) for c in plan.counts}
    return bulk_insert(conn, t.counts, ("batch_id", "office_id", "bin", "item_id", "serial", "count_date", "scans",
                                        "source_sheet", "source_row"),
                       ((batch_id, offices[c.office], c.bin, items[c.item_code], c.serial, c.count_date, c.scans,
                         c.sheet, c.row) for c in plan.counts))


def apply_outbound(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int]:
    """Post the plan's shipments, returns and counts; returns (units, transactions)."""
    if not (plan.shipments or plan.returns or plan.counts):
        return 0, 0
    codes = {s.item_code for s in plan.shipments} | {r.item_code for r in plan.returns} | {
        c.item_code for c in plan.counts}
    batch_id, meta, now, places = posting.batch_id, posting.meta, posting.now, posting.places
    items = item_ids(conn, codes)
    base = {"batch_id": batch_id, "created_at": now, "source_file": meta.file_name, "source_sha256": meta.sha256}
    txns = sum(_ship_line(conn, places, line, items[line.item_code], base, now) for line in plan.shipments)
    txns += _returns(conn, places, plan, items, base, now)
    counted = _counts(conn, places, plan, items, batch_id, now)
    units = sum(s.qty for s in plan.shipments) + len(plan.returns) + counted
    return units, txns

"""Applying a receiving plan's lots inside the store's transaction, in bulk: one lot row per PO line, the
serial units in one executemany, their ids read back by lot in one query, and one receipt transaction per
unit (or per row for a non-serialized line) in another executemany. The PO line is advanced through a guard
(still ordered as the check read, with room for this lot within its tolerance), and a serial received by another file meanwhile violates the
unique (item, serial) index: either way a concurrent receipt makes this one a ``guard.Conflict``."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.guard import expect_rows, guarded_update_one
from serialtrack.ledger.plan import LotPlan, PostingPlan
from serialtrack.ledger.posting import Posting, ensure_bins, ensure_office
from serialtrack.ledger.sql import bind_marks, bulk_insert, new_id
from serialtrack.records import SerialStatus


def apply_lots(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[list[int], int, int]:
    """Insert every lot of ``plan``; returns (lot ids, units, transactions)."""
    lot_ids: list[int] = []
    units = txns = 0
    for lot in plan.lots:
        lot_id, unit_count, txn_count = _apply_lot(conn, posting, lot)
        lot_ids.append(lot_id)
        units += unit_count
        txns += txn_count
    return lot_ids, units, txns


def _ids(conn: Connection, lot: LotPlan) -> tuple[int, int]:
    item_id = conn.execute(select(t.items.c.id).where(t.items.c.code == lot.item_code)).scalar_one()
    po_line_id = conn.execute(
        select(t.po_lines.c.id).join(t.purchase_orders, t.purchase_orders.c.id == t.po_lines.c.po_id)
        .where(t.purchase_orders.c.number == lot.po_number, t.po_lines.c.item_id == item_id)).scalar_one()
    return int(item_id), int(po_line_id)


def _apply_lot(conn: Connection, posting: Posting, lot: LotPlan) -> tuple[int, int, int]:
    batch_id, meta, now = posting.batch_id, posting.meta, posting.now
    item_id, po_line_id = _ids(conn, lot)
    office_id = ensure_office(conn, posting.places, lot.office, now)
    bin_ids = ensure_bins(conn, office_id, {lot.bin} | {u.bin for u in lot.units})
    lot_id = new_id(conn.execute(insert(t.lots).values(
        document=lot.document, item_id=item_id, office_id=office_id, po_line_id=po_line_id, batch_id=batch_id,
        received_date=lot.received_date, qty_ordered=lot.qty_ordered, qty_received=lot.qty, qty_used=0,
        unit_cost=lot.unit_cost, mfr_lot=lot.mfr_lot, packing_list=lot.packing_list)))
    po = t.po_lines.c
    room = (po.qty_received + lot.qty <= lot.qty_allowed if lot.qty_allowed is not None
            else po.qty_received == lot.qty_previously_received)
    guarded_update_one(conn, t.po_lines, po_line_id, {"qty_received": po.qty_received + lot.qty},
                       [room, po.qty_ordered == lot.qty_ordered],
                       f"PO {lot.po_number} line {lot.item_code} has no room left for this receipt")
    base: dict[str, object] = {
        "batch_id": batch_id, "type": "receipt", "item_id": item_id, "lot_id": lot_id, "office_id": office_id,
        "unit_cost": lot.unit_cost, "document": lot.document, "occurred_on": lot.received_date, "created_at": now,
        "source_file": meta.file_name, "source_sha256": meta.sha256, "reverses_id": None, "note": None,
    }
    if not lot.units:
        rows = lot.rows or ((None, None, lot.qty),)
        conn.execute(insert(t.transactions), [
            {**base, "serial_unit_id": None, "bin_id": bin_ids[lot.bin], "qty": qty, "source_sheet": sheet,
             "source_row": row} for sheet, row, qty in rows])
        return lot_id, lot.qty, len(rows)  # units received, as plan.units and the receipt count them
    bulk_insert(conn, t.serial_units, ("serial", "bin_id"),
                ((u.serial, bin_ids[u.bin]) for u in lot.units if u.existing_id is None),
                constant={"item_id": item_id, "status": SerialStatus.IN_STOCK, "office_id": office_id, "lot_id": lot_id})
    again = [(office_id, bin_ids[u.bin], lot_id, u.existing_id) for u in lot.units if u.existing_id is not None]
    if again:  # units of a reversed receipt, or back from their vendor, received again: the same row, a new lot
        changed = conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'in_stock', "
                                                        "office_id = ?, bin_id = ?, lot_id = ? WHERE id = ? "
                                                        "AND status IN ('reversed', 'returned_to_vendor')"),
                                       again).rowcount
        expect_rows(changed, len(again), f"serials of {lot.item_code} received again by another file")
    unit_ids = dict(conn.execute(select(t.serial_units.c.serial, t.serial_units.c.id)
                                 .where(t.serial_units.c.lot_id == lot_id)).all())
    bulk_insert(conn, t.transactions, ("serial_unit_id", "bin_id", "qty", "source_sheet", "source_row"),
                ((unit_ids[u.serial], bin_ids[u.bin], 1, u.sheet, u.row) for u in lot.units), constant=base)
    return lot_id, len(lot.units), len(lot.units)

"""Applying vendor returns: units and quantities back to the vendor of their PO, inside the store's transaction
(issue 16).

Each unit leaves stock as ``returned_to_vendor`` (no place) only if it is still in stock where the check saw it
(office and lot: ``guard``); its lot's ``qty_used`` += 1. A quantity comes from exactly the lots the check picked
(the PO line's and the lots transfers moved out of them, first in, first out), each guarded to still hold it.
One ``vendor_return`` transaction per unit (or per lot picked), document ``PO-<number>``, note ``RMA <rma>:
<reason>``, with where the unit was and its lot's cost. The PO line's received quantity drops by the units
returned (guarded: still as the check read it), so a replacement can be received on the same PO.

Reversal: ``vendor_return_undo.undo_vendor_returns`` (apart, since ``reverse_store`` imports the store, which
imports this module).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.adjustment_store import take_picks
from serialtrack.ledger.guard import guarded_update, guarded_update_one
from serialtrack.ledger.outbound_store import TX_COLUMNS
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting
from serialtrack.ledger.sql import bind_marks, bulk_insert
from serialtrack.records import SerialStatus


def vendor_return_note(rma: str | None, reason: str | None) -> str | None:
    """``RMA <rma>: <reason>``, ``RMA <rma>``, the reason alone, or None."""
    if rma:
        return f"RMA {rma}" + (f": {reason}" if reason else "")
    return reason or None


def apply_vendor_returns(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's vendor_returns; returns (lots made, units, transactions). Set-based over the whole
    file: one guarded UPDATE per (office, lot) the units leave, one per PO line, one insert of every
    transaction."""
    if not plan.vendor_returns:
        return 0, 0, 0
    codes = sorted({v.item_code for v in plan.vendor_returns})
    items = dict(conn.execute(select(t.items.c.code, t.items.c.id).where(t.items.c.code.in_(codes))).all())
    base: dict[str, object] = {"batch_id": posting.batch_id, "created_at": posting.now, "type": "vendor_return",
                               "source_file": posting.meta.file_name, "source_sha256": posting.meta.sha256}
    rows: list[dict[str, object]] = []
    used: Counter[int] = Counter()
    returned: Counter[int] = Counter()
    leaving: dict[tuple[int | None, int], list[int]] = {}
    for line in plan.vendor_returns:
        common = dict(base, item_id=int(items[line.item_code]), document=f"PO-{line.po_number}",
                      occurred_on=line.return_date, note=vendor_return_note(line.rma, line.reason))
        for u in line.units:
            leaving.setdefault((u.office_id, u.lot_id), []).append(u.unit_id)
            used[u.lot_id] += 1
        rows += [dict(common, serial_unit_id=u.unit_id, lot_id=u.lot_id, office_id=u.office_id, bin_id=u.bin_id,
                      qty=1, unit_cost=u.unit_cost, source_sheet=u.sheet, source_row=u.row) for u in line.units]
        take_picks(conn, line.picks, f"PO {line.po_number} line {line.item_code}")
        sheet, row = (line.rows[0][0], line.rows[0][1]) if line.rows else (None, None)
        rows += [dict(common, serial_unit_id=None, lot_id=p.lot_id, office_id=p.office_id, bin_id=None, qty=p.qty,
                      unit_cost=p.unit_cost, source_sheet=sheet, source_row=row) for p in line.picks]
        returned[line.po_line_id] += line.qty
    su = t.serial_units.c
    for (was_at, lot_id), ids in leaving.items():
        guarded_update(conn, t.serial_units, ids, {"status": SerialStatus.RETURNED_TO_VENDOR, "office_id": None,
                                                   "bin_id": None},
                       [su.status == SerialStatus.IN_STOCK, su.office_id == was_at, su.lot_id == lot_id],
                       "serials to return to the vendor are no longer in stock where they were")
    if used:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used + ? WHERE id = ?"),
                             [(qty, lot_id) for lot_id, qty in used.items()])
    received = {line.po_line_id: line for line in plan.vendor_returns}
    pol = t.po_lines.c
    for po_line_id, qty in returned.items():
        line = received[po_line_id]
        guarded_update_one(conn, t.po_lines, po_line_id, {"qty_received": pol.qty_received - qty},
                           [pol.qty_received == line.qty_received, pol.qty_received >= qty],
                           f"PO {line.po_number} line {line.item_code} changed since the check")
    bulk_insert(conn, t.transactions, TX_COLUMNS, ([r.get(c) for c in TX_COLUMNS] for r in rows))
    return 0, sum(v.qty for v in plan.vendor_returns), len(rows)

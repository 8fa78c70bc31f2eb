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

from sqlalchemy import Connection

from serialtrack.ledger import schema as t
from serialtrack.ledger.adjustment_store import take_picks
from serialtrack.ledger.guard import guarded_update_one
from serialtrack.ledger.outbound_store import TX_COLUMNS, item_ids, leave_stock, use_lots
from serialtrack.ledger.plan import PostingPlan, StockUnit
from serialtrack.ledger.posting import Posting
from serialtrack.ledger.sql import bulk_insert
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
    items = item_ids(conn, (v.item_code for v in plan.vendor_returns))
    base: dict[str, object] = {"batch_id": posting.batch_id, "created_at": posting.now, "type": "vendor_return",
                               "source_file": posting.meta.file_name, "source_sha256": posting.meta.sha256}
    rows: list[dict[str, object]] = []
    returned: Counter[int] = Counter()
    leaving: list[StockUnit] = []
    for line in plan.vendor_returns:
        common = dict(base, item_id=int(items[line.item_code]), document=f"PO-{line.po_number}",
                      occurred_on=line.return_date, note=vendor_return_note(line.rma, line.reason))
        leaving += line.units
        rows += [dict(common, serial_unit_id=u.unit_id, lot_id=u.lot_id, office_id=u.office_id, bin_id=u.bin_id,
                      qty=1, unit_cost=u.unit_cost, source_sheet=u.sheet, source_row=u.row) for u in line.units]
        take_picks(conn, line.picks, f"PO {line.po_number} line {line.item_code}")
        sheet, row = (line.rows[0][0], line.rows[0][1]) if line.rows else (None, None)
        rows += [dict(common, serial_unit_id=None, lot_id=p.lot_id, office_id=p.office_id, bin_id=None, qty=p.qty,
                      unit_cost=p.unit_cost, source_sheet=sheet, source_row=row) for p in line.picks]
        returned[line.po_line_id] += line.qty
    leave_stock(conn, leaving, SerialStatus.RETURNED_TO_VENDOR,
                "serials to return to the vendor are no longer in stock where they were")
    use_lots(conn, Counter(u.lot_id for u in leaving))
    received = {line.po_line_id: line for line in plan.vendor_returns}
    pol = t.po_lines.c
    for po_line_id, qty in returned.items():
        line = received[po_line_id]
        guarded_update_one(conn, t.po_lines, po_line_id, {"qty_received": pol.qty_received - qty},
                           [pol.qty_received == line.qty_received, pol.qty_received >= qty],
                           f"PO {line.po_number} line {line.item_code} changed since the check")
    bulk_insert(conn, t.transactions, TX_COLUMNS, ([r.get(c) for c in TX_COLUMNS] for r in rows))
    return 0, sum(v.qty for v in plan.vendor_returns), len(rows)

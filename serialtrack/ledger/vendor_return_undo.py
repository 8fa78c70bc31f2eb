"""Reversing a vendor-returns batch (``serialtrack reverse``): the units go back in stock where they were, their
lots' usage drops, and each PO line's received quantity rises again by the units returned. Refused, with the
reason, when that would take a line past its ordered quantity: a replacement has been received on the PO since,
and that receipt must be reversed first. Kept apart from ``vendor_return_store``: ``reverse_store`` imports the
store, which imports the apply step, so the undo importing ``reverse_store`` from there would be an import loop."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.reverse_store import PostedTx, ReverseRefused, back_in_stock, give_back_to_lots


def undo_vendor_returns(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    pol, po, items = t.po_lines, t.purchase_orders, t.items
    returned: Counter[tuple[str, int]] = Counter()
    for tx in txs:
        returned[((tx.document or "")[3:], tx.item_id)] += tx.qty
    for (number, item_id), qty in sorted(returned.items()):
        line = conn.execute(select(pol.c.id, pol.c.qty_ordered, pol.c.qty_received, items.c.code)
                            .join(po, po.c.id == pol.c.po_id).join(items, items.c.id == pol.c.item_id)
                            .where(po.c.number == number, pol.c.item_id == item_id)).one()
        if line.qty_received + qty > line.qty_ordered:
            raise ReverseRefused(f"PO {number} line {line.code} has received {line.qty_received} of "
                                 f"{line.qty_ordered} ordered since these {qty} went back to the vendor, so taking "
                                 "them back would receive more than was ordered; a replacement has been received: "
                                 "reverse that receipt first")
        conn.execute(update(pol).where(pol.c.id == line.id).values(qty_received=pol.c.qty_received + qty))
    back_in_stock(conn, txs, "returned_to_vendor", "a unit this batch returned to the vendor is no longer out "
                  "with the vendor; reverse what changed it first")
    give_back_to_lots(conn, txs)

"""The issue-16 ledger model's invariants for adjustments and vendor returns, checked by this branch's tests
until ``support.invariants`` (extended on main by the lead) covers the new transaction types: each unit's
status and place match its last effective transaction; each lot's remaining quantity equals its in-stock
units (serialized); on-hand per item = receipts - shipments + restocks - scrap/write-off + found - vendor
returns; a PO line's received quantity = its live lots' received quantity - its standing vendor returns."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, select

from serialtrack.ledger import schema as t

STATUS = {"receipt": "in_stock", "shipment": "shipped", "vendor_return": "returned_to_vendor"}
RETURN_EFFECT = {"restock": "in_stock", "scrap": "scrapped", "return_to_vendor": "returned_to_vendor"}
ADJUST_EFFECT = {"scrap": "scrapped", "write_off": "scrapped", "found": "in_stock"}


def check_moves_invariants(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            txs = list(conn.execute(select(t.transactions).order_by(t.transactions.c.id)))
            units = {u.id: u for u in conn.execute(select(t.serial_units))}
            lots = {lot.id: lot for lot in conn.execute(select(t.lots))}
            serialized = {i.id: bool(i.serialized) for i in conn.execute(select(t.items))}
            po_lines = list(conn.execute(select(t.po_lines)))
            pos = {p.id: p.number for p in conn.execute(select(t.purchase_orders))}
    finally:
        engine.dispose()
    undone = {tx.reverses_id for tx in txs if tx.reverses_id is not None}
    txs = [tx for tx in txs if tx.type != "reversal" and tx.id not in undone]
    last: dict[int, object] = {}
    moves: dict[int, Counter[str]] = {}
    returned: Counter[tuple[str, int]] = Counter()
    for tx in txs:
        move = moves.setdefault(tx.item_id, Counter())
        if tx.type == "return":
            disposition = (tx.note or "").split(":")[0]
            status = RETURN_EFFECT[disposition]
            move["in" if disposition == "restock" else "none"] += tx.qty
        elif tx.type == "adjustment":
            action = (tx.note or "").split(":")[0]
            status = ADJUST_EFFECT[action]
            move["in" if action == "found" else "out"] += tx.qty
        else:
            status = STATUS.get(tx.type, "")
            move[{"receipt": "in", "shipment": "out", "vendor_return": "out"}.get(tx.type, "none")] += tx.qty
            if tx.type == "vendor_return":
                returned[(tx.document or "", tx.item_id)] += tx.qty
        if tx.serial_unit_id is not None:
            last[tx.serial_unit_id] = (status, tx)
    for unit_id, unit in units.items():
        status, tx = last.get(unit_id, ("reversed", None))  # type: ignore[misc]
        assert unit.status == status, (unit.serial, unit.status, status)
        if status == "in_stock" and tx is not None and tx.type != "return":
            assert (unit.office_id, unit.bin_id) == (tx.office_id, tx.bin_id), (unit.serial, "place")
        assert (unit.office_id is not None) == (unit.status == "in_stock"), unit.serial
    in_stock_by_lot = Counter(u.lot_id for u in units.values() if u.status == "in_stock")
    on_hand: Counter[int] = Counter()
    for lot in lots.values():
        assert 0 <= lot.qty_used <= lot.qty_received, (lot.document, lot.qty_used, lot.qty_received)
        remaining = 0 if lot.reversed_batch_id else lot.qty_received - lot.qty_used
        if serialized[lot.item_id]:
            assert remaining == in_stock_by_lot[lot.id], (lot.document, remaining, in_stock_by_lot[lot.id])
        on_hand[lot.item_id] += remaining
    for item_id, move in moves.items():
        assert on_hand[item_id] == move["in"] - move["out"], (item_id, on_hand[item_id], dict(move))
    received: Counter[int] = Counter()
    for lot in lots.values():
        if lot.po_line_id is not None and not lot.reversed_batch_id:
            received[lot.po_line_id] += lot.qty_received
    for line in po_lines:
        standing = returned[(f"PO-{pos[line.po_id]}", line.item_id)]
        assert line.qty_received == received[line.id] - standing, ("PO line", line.id, line.qty_received,
                                                                    received[line.id], standing)

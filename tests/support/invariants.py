"""Ledger invariants checked after every scenario (issue 5): each serial unit's status matches its history,
each lot's remaining quantity equals its in-stock serials, and on-hand per item equals receipts minus
shipments plus restocks. History is read with reversals applied: a transaction a reversal points at, and the
reversal itself, no longer count."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import create_engine, select

from serialtrack.ledger import schema as t

EFFECT = {"receipt": "in_stock", "shipment": "shipped"}
RETURN_EFFECT = {"restock": "in_stock", "scrap": "scrapped", "return_to_vendor": "returned_to_vendor"}


def _effective(conn) -> list:  # type: ignore[no-untyped-def]
    txs = list(conn.execute(select(t.transactions).order_by(t.transactions.c.id)))
    undone = {tx.reverses_id for tx in txs if tx.reverses_id is not None}
    return [tx for tx in txs if tx.type != "reversal" and tx.id not in undone]


def check_invariants(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            txs = _effective(conn)
            units = {u.id: u for u in conn.execute(select(t.serial_units))}
            lots = {lot.id: lot for lot in conn.execute(select(t.lots))}
            serialized = {i.id: bool(i.serialized) for i in conn.execute(select(t.items))}
    finally:
        engine.dispose()

    expected: dict[int, str] = {}
    moves: dict[int, Counter[str]] = defaultdict(Counter)
    for tx in txs:
        if tx.type == "return":
            disposition = (tx.note or "").split(":")[0]
            if tx.serial_unit_id is not None:
                expected[tx.serial_unit_id] = RETURN_EFFECT[disposition]
            moves[tx.item_id]["restock" if disposition == "restock" else "out"] += tx.qty
        elif tx.type in EFFECT:
            if tx.serial_unit_id is not None:
                expected[tx.serial_unit_id] = EFFECT[tx.type]
            moves[tx.item_id][tx.type] += tx.qty
    for unit_id, unit in units.items():
        assert unit.status == expected.get(unit_id, "reversed"), (unit.serial, unit.status, expected.get(unit_id))
        assert (unit.office_id is not None) == (unit.status == "in_stock"), unit.serial

    in_stock_by_lot = Counter(u.lot_id for u in units.values() if u.status == "in_stock")
    on_hand: Counter[int] = Counter()
    for lot in lots.values():
        remaining = 0 if lot.reversed_batch_id else lot.qty_received - lot.qty_used
        if serialized[lot.item_id]:
            assert remaining == in_stock_by_lot[lot.id], (lot.document, remaining, in_stock_by_lot[lot.id])
        on_hand[lot.item_id] += remaining
    for item_id, move in moves.items():
        assert on_hand[item_id] == move["receipt"] - move["shipment"] + move["restock"], (item_id, on_hand, move)

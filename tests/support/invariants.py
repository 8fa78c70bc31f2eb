"""Ledger invariants checked after every scenario (issue 5, issue 16): each serial unit's status and place match
its last effective transaction, each lot's remaining quantity equals its in-stock serials, on-hand per item equals
receipts - shipments + restocks + transfers in - transfers out - scrapped and written off + found - vendor returns,
and each PO line's received quantity is its live received lots less its standing vendor returns. History is read
with reversals applied: a transaction a reversal points at, and the reversal itself, no longer count."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from serialtrack.ledger import schema as t

EFFECT = {"receipt": "in_stock", "shipment": "shipped", "transfer_out": "moving", "transfer_in": "in_stock",
          "vendor_return": "returned_to_vendor"}
RETURN_EFFECT = {"restock": "in_stock", "scrap": "scrapped", "return_to_vendor": "returned_to_vendor"}
ADJUSTMENT_EFFECT = {"scrap": "scrapped", "write_off": "scrapped", "found": "in_stock"}
#: How each movement counts in on-hand per item (a return by its disposition, an adjustment by its action).
ON_HAND_SIGN = {"receipt": 1, "shipment": -1, "restock": 1, "transfer_in": 1, "transfer_out": -1, "scrap": -1,
                "write_off": -1, "found": 1, "vendor_return": -1}


def _first_word(note: str | None) -> str:
    return (note or "").split(":")[0]


def _movement(tx) -> str | None:  # type: ignore[no-untyped-def]
    """What ``tx`` does to stock, in ON_HAND_SIGN's words (None: a return that takes nothing back to stock)."""
    if tx.type == "return":
        return "restock" if _first_word(tx.note) == "restock" else None
    if tx.type == "adjustment":
        return _first_word(tx.note)
    return str(tx.type)


def _status_after(tx) -> str:  # type: ignore[no-untyped-def]
    if tx.type == "return":
        return RETURN_EFFECT[_first_word(tx.note)]
    if tx.type == "adjustment":
        return ADJUSTMENT_EFFECT[_first_word(tx.note)]
    return EFFECT[tx.type]


def _effective(conn) -> list:  # type: ignore[no-untyped-def]
    txs = list(conn.execute(select(t.transactions).order_by(t.transactions.c.id)))
    undone = {tx.reverses_id for tx in txs if tx.reverses_id is not None}
    return [tx for tx in txs if tx.type != "reversal" and tx.id not in undone]


def check_invariants(db_url: str, *, po_tolerance_percent: float | None = None) -> None:
    """Every ledger invariant; ``po_tolerance_percent`` also checks that no PO line is received beyond its
    ordered quantity plus that tolerance (None: the test's tolerance is not known, not checked)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            txs = _effective(conn)
            units = {u.id: u for u in conn.execute(select(t.serial_units))}
            lots = {lot.id: lot for lot in conn.execute(select(t.lots))}
            serialized = {i.id: bool(i.serialized) for i in conn.execute(select(t.items))}
            po_lines = list(conn.execute(select(t.po_lines)))
            so_lines = list(conn.execute(select(t.so_lines)))
    finally:
        engine.dispose()
    _check_unit_histories(txs)
    _check_order_lines(lots, po_lines, so_lines, txs, po_tolerance_percent)

    expected: dict[int, str] = {}
    place: dict[int, tuple[int | None, int | None, int | None]] = {}
    on_hand_moves: Counter[int] = Counter()
    for tx in txs:
        if tx.serial_unit_id is not None:
            expected[tx.serial_unit_id] = _status_after(tx)
            place[tx.serial_unit_id] = (tx.office_id, tx.bin_id, tx.lot_id)
        movement = _movement(tx)
        if movement is not None:
            on_hand_moves[tx.item_id] += ON_HAND_SIGN[movement] * tx.qty
    for unit_id, unit in units.items():
        assert unit.status == expected.get(unit_id, "reversed"), (unit.serial, unit.status, expected.get(unit_id))
        assert (unit.office_id is not None) == (unit.status == "in_stock"), unit.serial
        if unit.status == "in_stock":  # where its last effective transaction left it, in that transaction's lot
            assert (unit.office_id, unit.bin_id, unit.lot_id) == place[unit_id], (unit.serial, place[unit_id])

    in_stock_by_lot = Counter(u.lot_id for u in units.values() if u.status == "in_stock")
    on_hand: Counter[int] = Counter()
    for lot in lots.values():
        remaining = 0 if lot.reversed_batch_id else lot.qty_received - lot.qty_used
        if serialized[lot.item_id]:
            assert remaining == in_stock_by_lot[lot.id], (lot.document, remaining, in_stock_by_lot[lot.id])
        on_hand[lot.item_id] += remaining
    for item_id in set(on_hand) | set(on_hand_moves):
        assert on_hand[item_id] == on_hand_moves[item_id], (item_id, on_hand[item_id], on_hand_moves[item_id])


def _check_unit_histories(txs: list) -> None:  # type: ignore[type-arg]
    """No unit shipped twice without coming back in between (no two open shipments), none returned that was
    not out, none received twice while in stock: each unit's effective history is a valid walk."""
    state: dict[int, str] = {}
    for tx in txs:
        unit = tx.serial_unit_id
        if unit is None:
            continue
        before = state.get(unit)
        movement = _movement(tx) if tx.type != "return" else "return"
        if movement == "receipt":  # new, a reversed receipt's, or back from its vendor
            assert before in (None, "reversed", "returned_to_vendor"), f"unit {unit} received while {before} (tx {tx.id})"
        elif movement == "found":
            assert before in (None, "reversed"), f"unit {unit} found again while {before} (tx {tx.id})"
        elif movement == "shipment":
            assert before == "in_stock", f"unit {unit} shipped while {before}: two open shipments (tx {tx.id})"
        elif movement == "return":
            assert before == "shipped", f"unit {unit} returned while {before} (tx {tx.id})"
        elif movement == "transfer_in":
            assert before == "moving", f"unit {unit} moved in without moving out (tx {tx.id})"
        else:  # transfer_out, scrap, write_off, vendor_return: only a unit in stock
            assert before == "in_stock", f"unit {unit} {movement} while {before} (tx {tx.id})"
        state[unit] = _status_after(tx)
    assert "moving" not in state.values(), "a unit moved out and never in"


def _check_order_lines(lots: dict, po_lines: list, so_lines: list, txs: list,  # type: ignore[type-arg]
                       po_tolerance_percent: float | None) -> None:
    """No lot used beyond what it received; each PO line's received quantity is its live lots' sum less its
    standing vendor returns (and within its tolerance when known); no SO line shipped beyond what was ordered; a
    lot a transfer made points at a received lot and carries its cost."""
    for lot in lots.values():
        assert 0 <= lot.qty_used <= lot.qty_received, (lot.document, lot.qty_used, lot.qty_received)
        if lot.origin_lot_id is not None:
            origin = lots[lot.origin_lot_id]
            assert origin.origin_lot_id is None and lot.po_line_id is None, (lot.document, lot.id)
            assert (origin.unit_cost, origin.document) == (lot.unit_cost, lot.document), (lot.document, lot.id)
    received: Counter[int] = Counter()
    for lot in lots.values():
        if lot.po_line_id is not None and not lot.reversed_batch_id:
            received[lot.po_line_id] += lot.qty_received
    line_of = {lot.id: lots[lot.origin_lot_id or lot.id].po_line_id for lot in lots.values()}
    for tx in txs:
        if tx.type == "vendor_return" and line_of.get(tx.lot_id) is not None:
            received[line_of[tx.lot_id]] -= tx.qty
    for line in po_lines:
        assert line.qty_received == received[line.id], ("PO line", line.id, line.qty_received, received[line.id])
        if po_tolerance_percent is not None:
            allowed = line.qty_ordered + int(line.qty_ordered * po_tolerance_percent / 100)
            assert line.qty_received <= allowed, ("PO line over its tolerance", line.id, line.qty_received, allowed)
    for line in so_lines:
        assert line.qty_shipped <= line.qty_ordered, ("SO line over-shipped", line.id, line.qty_shipped)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def check_files(home: Path, dropped: Sequence[str], outcomes: Sequence[Mapping[str, Any]], *,
                archive_before: set[Path], outbox_before: set[Path]) -> None:
    """The file invariants of one run: every dropped file (by content hash, ``dropped``) has exactly one new
    archive entry with its bytes (nothing lost, nothing overwritten), nothing is left in ``inbox/`` or ``work/``,
    and every outcome that is not a duplicate has its own new answer in ``outbox/`` (a duplicate points at the
    answer of the batch it repeats)."""
    archived = sorted(_sha(p) for p in files_in(home / "archive") - archive_before)
    assert archived == sorted(dropped), "archive entries differ from the dropped files"
    assert not files_in(home / "inbox"), files_in(home / "inbox")
    assert not [p for p in files_in(home / "work") if p.parent != home / "work"], "files left in work/"
    assert len(outcomes) == len(dropped), (len(outcomes), len(dropped))
    new_answers = files_in(home / "outbox") - outbox_before
    own = [Path(o["output"]) for o in outcomes if o["status"] != "duplicate"]
    assert all(o["output"] and Path(o["output"]).exists() for o in outcomes), [o for o in outcomes if not o["output"]]
    assert len(set(own)) == len(own) and set(own) == new_answers, (sorted(map(str, own)), sorted(map(str, new_answers)))

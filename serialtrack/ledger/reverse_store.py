"""``reverse BATCH``: undo a posted receiving, shipping, returns or counts file with compensating
transactions, in one database transaction. History is never deleted: each transaction of the batch gets a
``reversal`` twin pointing at it, units and lots are put back, and the batch is marked ``reversed`` (so the
same bytes may post again). A reversal is refused, with the reason, when later activity depends on the batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.outbound_store import TX_COLUMNS
from serialtrack.ledger.sql import bind_marks, bulk_insert, chunks, new_id
from serialtrack.ledger.store import Store
from serialtrack.records import BatchStatus

REVERSIBLE = ("receiving", "shipping", "returns", "counts")


class ReverseRefused(Exception):
    """The batch cannot be reversed; the message says why in a sentence."""


@dataclass(frozen=True)
class ReverseResult:
    batch: int
    reversal_batch: int
    kind: str
    transactions: int
    units: int


def _later_activity(conn: Connection, txs: list[Any], batch_id: int) -> str | None:
    """A sentence naming the first later transaction on one of the batch's units, if any."""
    unit_ids = sorted({tx.serial_unit_id for tx in txs if tx.serial_unit_id is not None})
    last = max(tx.id for tx in txs)
    tx, su, batches = t.transactions, t.serial_units, t.batches
    for part in chunks(unit_ids):
        row = conn.execute(
            select(su.c.serial, tx.c.type, tx.c.document, tx.c.batch_id, batches.c.file_name)
            .join(su, su.c.id == tx.c.serial_unit_id).join(batches, batches.c.id == tx.c.batch_id)
            .where(tx.c.serial_unit_id.in_(part), tx.c.id > last, tx.c.batch_id != batch_id,
                   batches.c.status == BatchStatus.POSTED, tx.c.type != "reversal")
            .order_by(tx.c.id).limit(1)).first()
        if row is not None:
            return (f"serial {row.serial} has a later {row.type} ({row.document}, batch {row.batch_id}, "
                    f"{row.file_name}); reverse that batch first")
    return None


def _check_lots_unused(conn: Connection, batch_id: int) -> None:
    row = conn.execute(select(t.lots.c.document, t.items.c.code, t.lots.c.qty_used)
                       .join(t.items, t.items.c.id == t.lots.c.item_id)
                       .where(t.lots.c.batch_id == batch_id, t.lots.c.qty_used > 0).limit(1)).first()
    if row is not None:
        raise ReverseRefused(f"lot {row.document} of item {row.code} has since shipped {row.qty_used}; "
                             "reverse those shipments first")


def _mirror(txs: list[Any], reversal_id: int, today: dt.date, now: dt.datetime, reason: str | None) -> list[Any]:
    return [[reversal_id, "reversal", tx.item_id, tx.serial_unit_id, tx.lot_id, tx.office_id, tx.bin_id, tx.qty,
             tx.unit_cost, tx.document, today, now, tx.source_file, tx.source_sha256, tx.source_sheet,
             tx.source_row, f"reverses {tx.type} #{tx.id}" + (f": {reason}" if reason else "")] for tx in txs]


def _undo_receiving(conn: Connection, txs: list[Any], batch_id: int, reversal_id: int) -> None:
    _check_lots_unused(conn, batch_id)
    units = [(tx.serial_unit_id,) for tx in txs if tx.serial_unit_id is not None]
    if units:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'reversed', office_id = NULL, "
                                              "bin_id = NULL WHERE id = ?"), units)
    for lot_id, po_line_id, qty in conn.execute(select(t.lots.c.id, t.lots.c.po_line_id, t.lots.c.qty_received)
                                                .where(t.lots.c.batch_id == batch_id)).all():
        conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(reversed_batch_id=reversal_id))
        if po_line_id is not None:
            conn.execute(update(t.po_lines).where(t.po_lines.c.id == po_line_id)
                         .values(qty_received=t.po_lines.c.qty_received - qty))


def _so_line_ids(conn: Connection, txs: list[Any]) -> Counter[int]:
    shipped: Counter[int] = Counter()
    for tx in txs:
        number = (tx.document or "")[3:]
        line_id = conn.execute(select(t.so_lines.c.id).join(t.sales_orders, t.sales_orders.c.id == t.so_lines.c.so_id)
                               .where(t.sales_orders.c.number == number, t.so_lines.c.item_id == tx.item_id)
                               ).scalar_one()
        shipped[int(line_id)] += int(tx.qty)
    return shipped


def _undo_shipping(conn: Connection, txs: list[Any]) -> None:
    units = [(tx.office_id, tx.bin_id, tx.serial_unit_id) for tx in txs if tx.serial_unit_id is not None]
    if units:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'in_stock', office_id = ?, "
                                              "bin_id = ? WHERE id = ?"), units)
    used: Counter[int] = Counter()
    for tx in txs:
        used[tx.lot_id] += tx.qty
    conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used - ? WHERE id = ?"),
                         [(qty, lot_id) for lot_id, qty in used.items()])
    for line_id, qty in _so_line_ids(conn, txs).items():
        conn.execute(update(t.so_lines).where(t.so_lines.c.id == line_id)
                     .values(qty_shipped=t.so_lines.c.qty_shipped - qty))


def _undo_returns(conn: Connection, txs: list[Any]) -> None:
    conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'shipped', office_id = NULL, "
                                          "bin_id = NULL WHERE id = ?"), [(tx.serial_unit_id,) for tx in txs])
    restocked = Counter(tx.lot_id for tx in txs if (tx.note or "").startswith("restock"))
    if restocked:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used + ? WHERE id = ?"),
                             [(qty, lot_id) for lot_id, qty in restocked.items()])


def reverse_batch(store: Store, batch_id: int, *, reason: str | None = None) -> ReverseResult:
    now = store.clock()
    with store.writing() as conn:
        batch = conn.execute(select(t.batches).where(t.batches.c.id == batch_id)).first()
        if batch is None:
            raise ReverseRefused(f"batch {batch_id} does not exist")
        if batch.status != BatchStatus.POSTED:
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) is {batch.status}, not posted; "
                                 "only posted files can be reversed")
        if batch.kind not in REVERSIBLE:
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) is {batch.kind} master data; correct it by "
                                 "dropping a new file instead")
        txs = list(conn.execute(select(t.transactions).where(t.transactions.c.batch_id == batch_id)
                                .order_by(t.transactions.c.id)))
        if txs and (later := _later_activity(conn, txs, batch_id)):
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) cannot be reversed: {later}")
        digest = hashlib.sha256(f"reversal:{batch_id}:{now.isoformat()}".encode()).hexdigest()
        reversal_id = new_id(conn.execute(insert(t.batches).values(
            file_name=f"reversal of batch {batch_id} ({batch.file_name})", sha256=digest, kind="reversal",
            status=BatchStatus.POSTED, rows=0, units=len(txs), transactions=len(txs), started_at=now, finished_at=now,
            host=store.host)))
        if batch.kind == "receiving":
            _undo_receiving(conn, txs, batch_id, reversal_id)
        elif batch.kind == "shipping":
            _undo_shipping(conn, txs)
        elif batch.kind == "returns":
            _undo_returns(conn, txs)
        today = now.astimezone().date()
        bulk_insert(conn, t.transactions, TX_COLUMNS + ("reverses_id",),
                    (row + [tx.id] for row, tx in zip(_mirror(txs, reversal_id, today, now, reason), txs,
                                                      strict=True)))
        conn.execute(update(t.batches).where(t.batches.c.id == batch_id)
                     .values(status=BatchStatus.REVERSED, reversed_at=now, reversed_by=reversal_id))
        units = conn.execute(select(func.count()).select_from(t.transactions)
                             .where(t.transactions.c.batch_id == batch_id,
                                    t.transactions.c.serial_unit_id.is_not(None))).scalar_one()
    return ReverseResult(batch_id, reversal_id, batch.kind, len(txs), int(units))

"""``reverse BATCH``: undo a posted receiving, shipping, returns or counts file with compensating
transactions, in one database transaction. History is never deleted: each transaction of the batch gets a
``reversal`` twin pointing at it, units and lots are put back, and the batch is marked ``reversed`` (so the
same bytes may post again). A reversal is refused, with the reason, when later activity depends on the batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.outbound_store import TX_COLUMNS
from serialtrack.ledger.sql import bind_marks, bulk_insert, chunks, new_id
from serialtrack.ledger.store import Store
from serialtrack.records import BatchStatus

#: How one kind's posted batch is undone, inside the reversal's transaction: (conn, the batch's transactions,
#: batch id, reversal batch id). Each kind names its own (``serialtrack.kinds``); the common part (mirrored
#: transactions, the batch marked reversed) is done here.
Undo = Callable[[Connection, list["PostedTx"], int, int], None]


@dataclass(frozen=True, slots=True)
class PostedTx:
    """One transaction of the batch being reversed, as read from the ledger."""

    id: int
    type: str
    item_id: int
    serial_unit_id: int | None
    lot_id: int | None
    office_id: int | None
    bin_id: int | None
    qty: int
    unit_cost: Decimal | None
    document: str | None
    source_file: str | None
    source_sha256: str | None
    source_sheet: str | None
    source_row: int | None
    note: str | None


class ReverseRefused(Exception):
    """The batch cannot be reversed; the message says why in a sentence."""


@dataclass(frozen=True)
class ReverseResult:
    batch: int
    reversal_batch: int
    kind: str
    transactions: int
    units: int
    run_by: str | None = None


def _later_activity(conn: Connection, txs: list[PostedTx], batch_id: int) -> str | None:
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


@dataclass(frozen=True, slots=True)
class UsedLot:
    """A lot a batch made that has been used since."""

    document: str
    code: str  # its item
    office: str
    qty_used: int


def used_lot(conn: Connection, batch_id: int) -> UsedLot | None:
    """The first lot the batch made that has been used since: a batch whose lots were used cannot be reversed
    (a receipt, a transfer, a found adjustment); each says so in its own words."""
    lots, items, offices = t.lots, t.items, t.offices
    row = conn.execute(select(lots.c.document, items.c.code, offices.c.name, lots.c.qty_used)
                       .join(items, items.c.id == lots.c.item_id).join(offices, offices.c.id == lots.c.office_id)
                       .where(lots.c.batch_id == batch_id, lots.c.qty_used > 0).order_by(lots.c.id).limit(1)).first()
    return UsedLot(row[0], row[1], row[2], int(row[3])) if row is not None else None


def give_back_to_lots(conn: Connection, txs: Iterable[PostedTx]) -> None:
    """Each lot takes back what the transactions took from it (``qty_used`` shrinks by their quantities)."""
    used: Counter[int] = Counter()
    for tx in txs:
        if tx.lot_id is not None:
            used[tx.lot_id] += tx.qty
    if used:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used - ? WHERE id = ?"),
                             [(qty, lot_id) for lot_id, qty in sorted(used.items())])


def back_in_stock(conn: Connection, txs: Iterable[PostedTx], was: str | None = None,
                  refusal: str = "") -> None:
    """The transactions' units in stock again at the office and bin each transaction names; with ``was``, only
    units still in that status, refused (``refusal``) when one is not."""
    rows = [(tx.office_id, tx.bin_id, tx.serial_unit_id) for tx in txs if tx.serial_unit_id is not None]
    if not rows:
        return
    sql = "UPDATE serial_units SET status = 'in_stock', office_id = ?, bin_id = ? WHERE id = ?"
    changed = conn.exec_driver_sql(bind_marks(conn, sql + (f" AND status = '{was}'" if was else "")), rows).rowcount
    if was and changed != len(rows):
        raise ReverseRefused(refusal)


def _check_lots_unused(conn: Connection, batch_id: int) -> None:
    row = used_lot(conn, batch_id)
    if row is not None:
        raise ReverseRefused(f"lot {row.document} of item {row.code} has since shipped {row.qty_used}; "
                             "reverse those shipments first")


def _mirror(txs: list[PostedTx], reversal_id: int, today: dt.date, now: dt.datetime,
            reason: str | None) -> list[list[object]]:
    return [[reversal_id, "reversal", tx.item_id, tx.serial_unit_id, tx.lot_id, tx.office_id, tx.bin_id, tx.qty,
             tx.unit_cost, tx.document, today, now, tx.source_file, tx.source_sha256, tx.source_sheet,
             tx.source_row, f"reverses {tx.type} #{tx.id}" + (f": {reason}" if reason else "")] for tx in txs]


def _back_from_vendor(conn: Connection, unit_ids: list[int], before: int) -> dict[int, int]:
    """unit id -> the lot it left by a standing vendor return, for the units whose last standing transaction
    before transaction ``before`` is that vendor return (a unit received again after going back)."""
    tx, batches = t.transactions, t.batches
    found: dict[int, int] = {}
    for part in chunks(unit_ids):
        last = (select(tx.c.serial_unit_id, func.max(tx.c.id).label("last_id")).join(batches, batches.c.id == tx.c.batch_id)
                .where(tx.c.serial_unit_id.in_(part), tx.c.id < before, tx.c.type != "reversal",
                       batches.c.status == BatchStatus.POSTED)
                .group_by(tx.c.serial_unit_id).subquery("last"))
        prior = t.transactions.alias("prior")
        for unit_id, lot_id in conn.execute(select(prior.c.serial_unit_id, prior.c.lot_id)
                                            .join(last, last.c.last_id == prior.c.id)
                                            .where(prior.c.type == "vendor_return")):
            found[int(unit_id)] = int(lot_id)
    return found


def undo_receiving(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    """Units go back to ``reversed`` (receivable again), or, for a unit this receipt took back from its vendor,
    to ``returned_to_vendor`` in the lot it had left."""
    _check_lots_unused(conn, batch_id)
    unit_ids = [tx.serial_unit_id for tx in txs if tx.serial_unit_id is not None]
    returned = _back_from_vendor(conn, unit_ids, min(tx.id for tx in txs)) if unit_ids else {}
    units = [(unit_id,) for unit_id in unit_ids if unit_id not in returned]
    if units:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'reversed', office_id = NULL, "
                                              "bin_id = NULL WHERE id = ?"), units)
    if returned:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'returned_to_vendor', office_id = "
                                              "NULL, bin_id = NULL, lot_id = ? WHERE id = ?"),
                             [(lot_id, unit_id) for unit_id, lot_id in returned.items()])
    for lot_id, po_line_id, qty in conn.execute(select(t.lots.c.id, t.lots.c.po_line_id, t.lots.c.qty_received)
                                                .where(t.lots.c.batch_id == batch_id)).all():
        conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(reversed_batch_id=reversal_id))
        if po_line_id is not None:
            conn.execute(update(t.po_lines).where(t.po_lines.c.id == po_line_id)
                         .values(qty_received=t.po_lines.c.qty_received - qty))


def _so_line_ids(conn: Connection, txs: list[PostedTx]) -> Counter[int]:
    shipped: Counter[int] = Counter()
    for tx in txs:
        number = (tx.document or "")[3:]
        line_id = conn.execute(select(t.so_lines.c.id).join(t.sales_orders, t.sales_orders.c.id == t.so_lines.c.so_id)
                               .where(t.sales_orders.c.number == number, t.so_lines.c.item_id == tx.item_id)
                               ).scalar_one()
        shipped[int(line_id)] += int(tx.qty)
    return shipped


def undo_shipping(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    back_in_stock(conn, txs)
    give_back_to_lots(conn, txs)
    for line_id, qty in _so_line_ids(conn, txs).items():
        conn.execute(update(t.so_lines).where(t.so_lines.c.id == line_id)
                     .values(qty_shipped=t.so_lines.c.qty_shipped - qty))
    conn.execute(update(t.transactions).where(t.transactions.c.batch_id == batch_id,
                                              t.transactions.c.type == "shipment")
                 .values(closed_by_batch_id=reversal_id))


def undo_returns(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'shipped', office_id = NULL, "
                                          "bin_id = NULL WHERE id = ?"), [(tx.serial_unit_id,) for tx in txs])
    conn.execute(update(t.transactions).where(t.transactions.c.closed_by_batch_id == batch_id,
                                              t.transactions.c.type == "shipment")
                 .values(closed_by_batch_id=None))  # the shipments these returns closed are open again
    restocked = Counter(tx.lot_id for tx in txs if (tx.note or "").startswith("restock"))
    if restocked:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE lots SET qty_used = qty_used + ? WHERE id = ?"),
                             [(qty, lot_id) for lot_id, qty in restocked.items()])


def undo_counts(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    """A count changes no stock: marking its batch reversed is all there is to undo."""


def reverse_batch(store: Store, batch_id: int, reversal_for: Callable[[str | None], Undo | None], *,
                  reason: str | None = None, run_by: str | None = None) -> ReverseResult:
    """Undo posted ``batch_id``; ``reversal_for`` gives the batch kind's ``Undo`` (None: not reversible).
    ``run_by``, the operator who asked for it, is recorded on the reversal batch."""
    now = store.clock()
    with store.writing() as conn:
        batch = conn.execute(select(t.batches).where(t.batches.c.id == batch_id)).first()
        if batch is None:
            raise ReverseRefused(f"batch {batch_id} does not exist")
        if batch.status != BatchStatus.POSTED:
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) is {batch.status}, not posted; "
                                 "only posted files can be reversed")
        undo = reversal_for(batch.kind)
        if undo is None:
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) is {batch.kind} master data; correct it by "
                                 "dropping a new file instead")
        c = t.transactions.c
        txs = [PostedTx(**row._mapping) for row in conn.execute(
            select(c.id, c.type, c.item_id, c.serial_unit_id, c.lot_id, c.office_id, c.bin_id, c.qty, c.unit_cost,
                   c.document, c.source_file, c.source_sha256, c.source_sheet, c.source_row, c.note)
            .where(c.batch_id == batch_id).order_by(c.id))]
        if txs and (later := _later_activity(conn, txs, batch_id)):
            raise ReverseRefused(f"batch {batch_id} ({batch.file_name}) cannot be reversed: {later}")
        digest = hashlib.sha256(f"reversal:{batch_id}:{now.isoformat()}".encode()).hexdigest()
        reversal_id = new_id(conn.execute(insert(t.batches).values(
            file_name=f"reversal of batch {batch_id} ({batch.file_name})", sha256=digest, kind="reversal",
            status=BatchStatus.POSTED, rows=0, units=batch.units, transactions=len(txs), started_at=now, finished_at=now,
            host=store.host, run_by=run_by)))
        undo(conn, txs, batch_id, reversal_id)
        today = now.astimezone().date()
        bulk_insert(conn, t.transactions, TX_COLUMNS + ("reverses_id",),
                    (row + [tx.id] for row, tx in zip(_mirror(txs, reversal_id, today, now, reason), txs,
                                                      strict=True)))
        conn.execute(update(t.batches).where(t.batches.c.id == batch_id)
                     .values(status=BatchStatus.REVERSED, reversed_at=now, reversed_by=reversal_id))
        # distinct: a transfer writes two transactions per unit (out and in)
        units = conn.execute(select(func.count(t.transactions.c.serial_unit_id.distinct()))
                             .where(t.transactions.c.batch_id == batch_id,
                                    t.transactions.c.serial_unit_id.is_not(None))).scalar_one()
    return ReverseResult(batch_id, reversal_id, batch.kind, len(txs), int(units), run_by)

"""The reconciliation's questions to the ledger: set-based queries, one per sheet, returned as row iterators.

Every function takes an open ``Connection`` so that one caller can run them all inside one read transaction
(one snapshot: the sheets then agree with each other). Large results (serials on hand, the day's activity,
COGS lines) are streamed with ``yield_per``: a server-side cursor on PostgreSQL, the cursor stepped lazily
on SQLite; nothing holds a whole sheet in memory. Rows come back as SQLAlchemy ``Row`` objects whose
attributes are named in each query; money columns are ``Decimal``.

Rules used throughout (the ledger's data contract):

* a lot whose ``reversed_batch_id`` is set is void: it holds nothing and is left out of every value;
* remaining = ``qty_received - qty_used``; accrued value = received x unit cost; current value = remaining x
  unit cost;
* open order lines are those with less received (shipped) than ordered;
* COGS of a period = shipments' ``qty x unit_cost`` less restocked returns and reversed shipments (and plus
  reversed restocks), by ``occurred_on`` within the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, case, func, literal, or_, select

from serialtrack.ledger import schema as t
from serialtrack.records import SerialStatus

#: Rows fetched per round trip when streaming a large sheet.
YIELD_PER = 5_000

Row = Any  # sqlalchemy.Row with the labels of each query


@dataclass(frozen=True, slots=True)
class Period:
    """The report's date and its COGS period (inclusive bounds)."""

    day: dt.date
    start: dt.date

    @classmethod
    def month_to_date(cls, day: dt.date, start: dt.date | None = None) -> Period:
        return cls(day, start or day.replace(day=1))


def stream(conn: Connection, query: Select[Any]) -> Iterator[Row]:
    """Rows of ``query``, fetched ``YIELD_PER`` at a time (server-side cursor where the driver has one)."""
    result = conn.execute(query.execution_options(yield_per=YIELD_PER))
    try:
        yield from result
    finally:
        result.close()


def lot_is_live() -> Any:
    return t.lots.c.reversed_batch_id.is_(None)


def disposition_is(note: Any, disposition: str) -> Any:
    """A return's note is its disposition, optionally followed by ``: reason`` (``restock: DOA``)."""
    return or_(note == disposition, note.like(f"{disposition}:%"))


def open_po_lines(conn: Connection) -> Iterator[Row]:
    po, pl, items, offices = t.purchase_orders, t.po_lines, t.items, t.offices
    query = (select(po.c.number, po.c.vendor.label("party"), offices.c.name.label("office"),
                    items.c.code.label("item"), items.c.description, po.c.order_date,
                    pl.c.qty_ordered.label("ordered"), pl.c.qty_received.label("done"),
                    pl.c.unit_cost.label("price"))
             .join(pl, pl.c.po_id == po.c.id).join(items, items.c.id == pl.c.item_id)
             .join(offices, offices.c.id == po.c.office_id)
             .where(pl.c.qty_received < pl.c.qty_ordered)
             .order_by(po.c.number, items.c.code))
    return stream(conn, query)


def open_so_lines(conn: Connection) -> Iterator[Row]:
    so, sl, items, offices = t.sales_orders, t.so_lines, t.items, t.offices
    query = (select(so.c.number, so.c.customer.label("party"), offices.c.name.label("office"),
                    items.c.code.label("item"), items.c.description, so.c.order_date,
                    sl.c.qty_ordered.label("ordered"), sl.c.qty_shipped.label("done"),
                    sl.c.unit_price.label("price"))
             .join(sl, sl.c.so_id == so.c.id).join(items, items.c.id == sl.c.item_id)
             .join(offices, offices.c.id == so.c.office_id)
             .where(sl.c.qty_shipped < sl.c.qty_ordered)
             .order_by(so.c.number, items.c.code))
    return stream(conn, query)


def live_lots(conn: Connection) -> Iterator[Row]:
    """Every lot that is not void, with its item, office and the file it was received from."""
    lots, items, offices, batches = t.lots, t.items, t.offices, t.batches
    query = (select(lots.c.id, lots.c.document, items.c.code.label("item"), items.c.description,
                    items.c.serialized, offices.c.name.label("office"), lots.c.received_date,
                    lots.c.mfr_lot, lots.c.packing_list, lots.c.qty_ordered, lots.c.qty_received,
                    lots.c.qty_used, lots.c.unit_cost, batches.c.file_name.label("source_file"))
             .join(items, items.c.id == lots.c.item_id).join(offices, offices.c.id == lots.c.office_id)
             .join(batches, batches.c.id == lots.c.batch_id)
             .where(lot_is_live())
             .order_by(items.c.code, offices.c.name, lots.c.received_date, lots.c.id))
    return stream(conn, query)


def serials_on_hand(conn: Connection) -> Iterator[Row]:
    """Serial units in stock, by office, bin, item and serial, with their lot and its cost and date."""
    su, items, offices, bins, lots = t.serial_units, t.items, t.offices, t.bins, t.lots
    query = (select(su.c.serial, items.c.code.label("item"), offices.c.name.label("office"),
                    bins.c.name.label("bin"), lots.c.document.label("lot"), lots.c.id.label("lot_id"),
                    lots.c.received_date, lots.c.unit_cost)
             .select_from(su).join(items, items.c.id == su.c.item_id)
             .join(lots, lots.c.id == su.c.lot_id)
             .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
             .where(su.c.status == SerialStatus.IN_STOCK)
             .order_by(offices.c.name.nulls_first(), bins.c.name.nulls_first(), items.c.code, su.c.serial))
    return stream(conn, query)


def valuation(conn: Connection) -> Iterator[Row]:
    """On hand and value per item and office, from the live lots (serialized or not)."""
    lots, items, offices = t.lots, t.items, t.offices
    remaining = lots.c.qty_received - lots.c.qty_used
    query = (select(items.c.code.label("item"), items.c.description, items.c.serialized,
                    offices.c.name.label("office"),
                    func.count(lots.c.id).label("lots"),
                    func.sum(remaining).label("on_hand"),
                    func.sum(remaining * lots.c.unit_cost).label("value"))
             .select_from(lots).join(items, items.c.id == lots.c.item_id)
             .join(offices, offices.c.id == lots.c.office_id)
             .where(lot_is_live(), remaining > 0)
             .group_by(items.c.code, items.c.description, items.c.serialized, offices.c.name)
             .order_by(items.c.code, offices.c.name))
    return stream(conn, query)


def _transaction_columns() -> list[Any]:
    tx, items, su, offices, bins, lots = t.transactions, t.items, t.serial_units, t.offices, t.bins, t.lots
    return [tx.c.id, tx.c.type, tx.c.occurred_on, tx.c.created_at, items.c.code.label("item"),
            su.c.serial, tx.c.qty, tx.c.unit_cost, tx.c.document, offices.c.name.label("office"),
            bins.c.name.label("bin"), lots.c.document.label("lot"), tx.c.lot_id, tx.c.note, tx.c.batch_id,
            tx.c.source_file, tx.c.source_sheet, tx.c.source_row, tx.c.reverses_id]


def _with_transaction_joins(query: Select[Any]) -> Select[Any]:
    tx, items, su, offices, bins, lots = t.transactions, t.items, t.serial_units, t.offices, t.bins, t.lots
    return (query.select_from(tx).join(items, items.c.id == tx.c.item_id)
            .outerjoin(su, su.c.id == tx.c.serial_unit_id).outerjoin(offices, offices.c.id == tx.c.office_id)
            .outerjoin(bins, bins.c.id == tx.c.bin_id).outerjoin(lots, lots.c.id == tx.c.lot_id))


def activity(conn: Connection, day: dt.date, posted_from: dt.datetime, posted_to: dt.datetime) -> Iterator[Row]:
    """Transactions dated ``day`` or posted in [``posted_from``, ``posted_to``) (the local day, in UTC), with
    who dropped the file of each one's batch (``dropped_by_user``, ``dropped_by_group``, ``run_by``)."""
    tx, batches = t.transactions, t.batches
    who = (batches.c.dropped_by_user, batches.c.dropped_by_group, batches.c.run_by)
    query = _with_transaction_joins(select(*_transaction_columns(), *who)).join(
        batches, batches.c.id == tx.c.batch_id).where(or_(
        tx.c.occurred_on == day, and_(tx.c.created_at >= posted_from, tx.c.created_at < posted_to)))
    return stream(conn, query.order_by(tx.c.id))


def cogs_lines(conn: Connection, period: Period) -> Iterator[Row]:
    """Transactions that move cost of goods sold in the period, each with ``sign`` (+1 adds to COGS).

    Shipments add; restocked returns take back; a reversal takes the opposite sign of what it reverses.
    """
    tx = t.transactions
    original = tx.alias("original")
    restock = and_(tx.c.type == "return", disposition_is(tx.c.note, "restock"))
    sign = case(
        (tx.c.type == "shipment", literal(1)),
        (restock, literal(-1)),
        (and_(tx.c.type == "reversal", original.c.type == "shipment"), literal(-1)),
        (and_(tx.c.type == "reversal", original.c.type == "return", disposition_is(original.c.note, "restock")),
         literal(1)),
        else_=literal(0),
    ).label("sign")
    query = (_with_transaction_joins(select(*_transaction_columns(), sign))
             .outerjoin(original, original.c.id == tx.c.reverses_id)
             .where(tx.c.occurred_on >= period.start, tx.c.occurred_on <= period.day,
                    or_(tx.c.type == "shipment", restock,
                        and_(tx.c.type == "reversal",
                             or_(original.c.type == "shipment",
                                 and_(original.c.type == "return",
                                      disposition_is(original.c.note, "restock"))))))
             .order_by(tx.c.occurred_on, tx.c.id))
    return stream(conn, query)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction over which every query of a report sees the same ledger.

    PostgreSQL: REPEATABLE READ, read only (one snapshot for the whole transaction), and cursors planned for
    reading every row (``cursor_tuple_fraction = 1``: the default plans server-side cursors for their first
    rows, which can pick nested loops over a whole ledger). SQLite: one deferred transaction, whose WAL
    snapshot is taken at its first read and kept to its end.
    """
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            if postgres:
                conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
            yield conn

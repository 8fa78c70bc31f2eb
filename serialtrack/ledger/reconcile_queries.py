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

Balances take ``as_of``: None reads the balance columns (the ledger as it stands now); a date replays the
history to the end of that day (``reconcile_history``). The caller passes a date only when something is
dated after the report's day, since otherwise both give the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, case, func, literal, or_, select

from serialtrack.ledger import reconcile_history as history
from serialtrack.ledger import schema as t
from serialtrack.ledger.reconcile_history import disposition_is

__all__ = ["Period", "activity", "cogs_lines", "cogs_query", "disposition_is", "live_lots", "lot_is_live",
           "lot_numbers", "lot_quantities", "open_po_lines", "open_so_lines", "serials_on_hand", "snapshot", "stream",
           "valuation"]

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


def open_po_lines(conn: Connection, as_of: dt.date | None = None) -> Iterator[Row]:
    po, pl, items, offices = t.purchase_orders, t.po_lines, t.items, t.offices
    done: Any = pl.c.qty_received
    query = (select(po.c.number, po.c.vendor.label("party"), offices.c.name.label("office"),
                    items.c.code.label("item"), items.c.description, po.c.order_date,
                    pl.c.qty_ordered.label("ordered"), pl.c.unit_cost.label("price"))
             .join(pl, pl.c.po_id == po.c.id).join(items, items.c.id == pl.c.item_id)
             .join(offices, offices.c.id == po.c.office_id))
    if as_of is not None:
        received = history.po_received(as_of)
        done = func.coalesce(received.c.received, 0)
        query = (query.outerjoin(received, received.c.po_line_id == pl.c.id)
                 .where(or_(po.c.order_date.is_(None), po.c.order_date <= as_of)))
    query = query.add_columns(done.label("done")).where(done < pl.c.qty_ordered)
    return stream(conn, query.order_by(po.c.number, items.c.code))


def open_so_lines(conn: Connection, as_of: dt.date | None = None) -> Iterator[Row]:
    so, sl, items, offices = t.sales_orders, t.so_lines, t.items, t.offices
    done: Any = sl.c.qty_shipped
    query = (select(so.c.number, so.c.customer.label("party"), offices.c.name.label("office"),
                    items.c.code.label("item"), items.c.description, so.c.order_date,
                    sl.c.qty_ordered.label("ordered"), sl.c.unit_price.label("price"))
             .join(sl, sl.c.so_id == so.c.id).join(items, items.c.id == sl.c.item_id)
             .join(offices, offices.c.id == so.c.office_id))
    if as_of is not None:
        shipped = history.so_shipped(as_of)
        done = func.coalesce(shipped.c.shipped, 0)
        query = (query.outerjoin(shipped, and_(shipped.c.document == literal("SO-") + so.c.number,
                                               shipped.c.item_id == sl.c.item_id))
                 .where(or_(so.c.order_date.is_(None), so.c.order_date <= as_of)))
    query = query.add_columns(done.label("done")).where(done < sl.c.qty_ordered)
    return stream(conn, query.order_by(so.c.number, items.c.code))


def lot_quantities(as_of: dt.date | None) -> tuple[Any, Any, Any, Any]:
    """(FROM lots [joined to their flows], received, used, lot exists and is live) now or as of a day."""
    lots = t.lots
    if as_of is None:
        return lots, lots.c.qty_received, lots.c.qty_used, lot_is_live()
    flows = history.lot_flows(as_of)
    return lots.join(flows, flows.c.lot_id == lots.c.id), flows.c.received, flows.c.used, flows.c.received > 0


def lot_numbers() -> Any:
    """Subquery ``lot_id, seq``: each lot's place (1, 2, ...) among the lots of its document, in id order, so
    ``PO-60006-1``, ``PO-60006-2`` name three receipts of one PO apart (void lots keep their numbers)."""
    lots = t.lots
    seq = func.row_number().over(partition_by=lots.c.document, order_by=lots.c.id)
    return select(lots.c.id.label("lot_id"), seq.label("seq")).subquery("lot_numbers")


def live_lots(conn: Connection, as_of: dt.date | None = None) -> Iterator[Row]:
    """Every lot that is not void, with its item, office, PO and vendor and the file it was received from."""
    lots, items, offices, batches, pl, po = t.lots, t.items, t.offices, t.batches, t.po_lines, t.purchase_orders
    source, received, used, live = lot_quantities(as_of)
    numbers = lot_numbers()
    query = (select(lots.c.id, lots.c.document, items.c.code.label("item"), items.c.description,
                    items.c.serialized, offices.c.name.label("office"), lots.c.received_date,
                    lots.c.mfr_lot, lots.c.packing_list, lots.c.qty_ordered, received.label("qty_received"),
                    used.label("qty_used"), lots.c.unit_cost, batches.c.file_name.label("source_file"),
                    lots.c.batch_id, po.c.number.label("po"), po.c.vendor, numbers.c.seq)
             .select_from(source).join(numbers, numbers.c.lot_id == lots.c.id)
             .join(items, items.c.id == lots.c.item_id).join(offices, offices.c.id == lots.c.office_id)
             .join(batches, batches.c.id == lots.c.batch_id)
             .outerjoin(pl, pl.c.id == lots.c.po_line_id).outerjoin(po, po.c.id == pl.c.po_id)
             .where(live)
             .order_by(items.c.code, offices.c.name, lots.c.received_date, lots.c.id))
    return stream(conn, query)


def serials_on_hand(conn: Connection, as_of: dt.date | None = None) -> Iterator[Row]:
    """Serial units in stock, by office, bin, item and serial, with their lot and its cost and date."""
    su, items, offices, bins, lots = t.serial_units, t.items, t.offices, t.bins, t.lots
    numbers = lot_numbers()
    columns = (su.c.serial, items.c.code.label("item"), offices.c.name.label("office"),
               bins.c.name.label("bin"), lots.c.document.label("lot"), lots.c.id.label("lot_id"),
               lots.c.received_date, lots.c.unit_cost, numbers.c.seq)
    if as_of is None:
        query = (select(*columns).select_from(su).join(items, items.c.id == su.c.item_id)
                 .join(lots, lots.c.id == su.c.lot_id)
                 .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
                 .join(numbers, numbers.c.lot_id == su.c.lot_id)
                 .where(su.c.status == "in_stock"))
    else:
        last, last_tx = history.last_standing(as_of), t.transactions.alias("last_tx")
        query = (select(*columns).select_from(su).join(last, last.c.serial_unit_id == su.c.id)
                 .join(last_tx, last_tx.c.id == last.c.last_id)
                 .join(items, items.c.id == su.c.item_id).join(lots, lots.c.id == su.c.lot_id)
                 .join(numbers, numbers.c.lot_id == su.c.lot_id)
                 .outerjoin(offices, offices.c.id == last_tx.c.office_id)
                 .outerjoin(bins, bins.c.id == last_tx.c.bin_id)
                 .where(history.leaves_in_stock(last_tx)))
    return stream(conn, query.order_by(offices.c.name.nulls_first(), bins.c.name.nulls_first(), items.c.code,
                                       su.c.serial))


def valuation(conn: Connection, as_of: dt.date | None = None) -> Iterator[Row]:
    """On hand and value per item and office, from the live lots (serialized or not)."""
    lots, items, offices = t.lots, t.items, t.offices
    source, received, used, live = lot_quantities(as_of)
    remaining = received - used
    query = (select(items.c.code.label("item"), items.c.description, items.c.serialized,
                    offices.c.name.label("office"),
                    func.count(lots.c.id).label("lots"),
                    func.sum(remaining).label("on_hand"),
                    func.sum(remaining * lots.c.unit_cost).label("value"))
             .select_from(source).join(items, items.c.id == lots.c.item_id)
             .join(offices, offices.c.id == lots.c.office_id)
             .where(live, remaining > 0)
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
    return stream(conn, cogs_query(period))


def cogs_query(period: Period) -> Select[Any]:
    """The query of :func:`cogs_lines` (the roll-forward totals it by item)."""
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
    return query


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

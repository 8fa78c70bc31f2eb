"""The roll-forward: inventory value at the start of the period, its movements, and the value at its end.

By item: opening value (the end of the day before ``period.start``, from the history) + receipts dated in the
period - COGS of the period (exactly the COGS sheet's lines: shipments less restocked returns, reversed
shipments and restocks with their signs) - adjustments (scrapped and written off less found, dated in the
period, less the same of adjustments reversed in the period) - vendor returns (likewise) + reversals (reversed
receipts dated in the period, negative) = closing, which is the valuation at the end of ``period.day``.
Transfers move value between offices, never between items: they are in no column. Inventory values are remaining quantity x the lot's unit cost,
as on the Valuation sheet; the writer puts the closing as a formula and ties its total to the Valuation's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, and_, case, func, select

from serialtrack.ledger import reconcile_history as history
from serialtrack.ledger import schema as t
from serialtrack.ledger.reconcile_history import disposition_is
from serialtrack.ledger.reconcile_queries import Period, cogs_query

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class RollForwardLine:
    item: str
    description: str | None
    opening: Decimal
    receipts: Decimal
    cogs: Decimal
    adjustments: Decimal
    vendor_returns: Decimal
    reversals: Decimal
    closing: Decimal  # as valued from the ledger at the end of the period (the Valuation sheet's figure)


def _value_by_item(conn: Connection, as_of: dt.date) -> dict[str, Decimal]:
    lots, items = t.lots, t.items
    flows = history.lot_flows(as_of)
    query = (select(items.c.code, func.sum((flows.c.received - flows.c.used) * lots.c.unit_cost))
             .select_from(lots).join(flows, flows.c.lot_id == lots.c.id).join(items, items.c.id == lots.c.item_id)
             .group_by(items.c.code))
    return {code: Decimal(value or 0) for code, value in conn.execute(query)}


def _receipts(conn: Connection, period: Period, reversed_: bool) -> dict[str, Decimal]:
    """Receipts dated in the period (``reversed_``: reversals of receipts dated in the period), at lot cost."""
    tx, lots, items = t.transactions, t.lots, t.items
    original = t.transactions.alias("original")
    query = (select(items.c.code, func.sum(tx.c.qty * lots.c.unit_cost))
             .select_from(tx).join(lots, lots.c.id == tx.c.lot_id).join(items, items.c.id == tx.c.item_id)
             .where(tx.c.occurred_on >= period.start, tx.c.occurred_on <= period.day))
    if reversed_:
        query = query.join(original, original.c.id == tx.c.reverses_id).where(
            and_(tx.c.type == "reversal", original.c.type == "receipt"))
    else:
        query = query.where(tx.c.type == "receipt")
    return {code: Decimal(value or 0) for code, value in conn.execute(query.group_by(items.c.code))}


def _outflows(conn: Connection, period: Period, kind: str) -> dict[str, Decimal]:
    """Value that ``kind`` transactions (adjustment, vendor_return) dated in the period took out of stock, less
    what the reversals of such transactions dated in the period put back; a found adjustment counts negative."""
    tx, lots, items = t.transactions, t.lots, t.items
    original = t.transactions.alias("original")
    found = and_(original.c.type == "adjustment", disposition_is(original.c.note, "found"))
    sign = case((found, -1), else_=1) * case((tx.c.type == "reversal", -1), else_=1)
    query = (select(items.c.code, func.sum(sign * tx.c.qty * lots.c.unit_cost))
             .select_from(tx).join(lots, lots.c.id == tx.c.lot_id).join(items, items.c.id == tx.c.item_id)
             .join(original, original.c.id == func.coalesce(tx.c.reverses_id, tx.c.id))
             .where(tx.c.occurred_on >= period.start, tx.c.occurred_on <= period.day, original.c.type == kind)
             .group_by(items.c.code))
    return {code: Decimal(value or 0) for code, value in conn.execute(query)}


def _cogs(conn: Connection, period: Period) -> dict[str, Decimal]:
    lines = cogs_query(period).order_by(None).subquery("cogs")
    query = (select(lines.c.item, func.sum(lines.c.qty * lines.c.unit_cost * lines.c.sign))
             .group_by(lines.c.item))
    return {code: Decimal(value or 0) for code, value in conn.execute(query)}


def _descriptions(conn: Connection) -> dict[str, str | None]:
    return {code: text for code, text in conn.execute(select(t.items.c.code, t.items.c.description))}


def roll_forward(conn: Connection, period: Period) -> Iterator[RollForwardLine]:
    """One line per item with a value or a movement in the period, by item code."""
    opening = _value_by_item(conn, period.start - dt.timedelta(days=1))
    closing = _value_by_item(conn, period.day)
    receipts, reversals = _receipts(conn, period, False), _receipts(conn, period, True)
    cogs = _cogs(conn, period)
    adjustments, vendor_returns = _outflows(conn, period, "adjustment"), _outflows(conn, period, "vendor_return")
    names = _descriptions(conn)
    figures: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * 7)
    for position, source in enumerate((opening, receipts, cogs, adjustments, vendor_returns, reversals, closing)):
        for item, value in source.items():
            figures[item][position] = value
    for item in sorted(figures):
        o, r, c, a, w, v, e = figures[item]
        if any((o, r, c, a, w, v, e)):
            yield RollForwardLine(item, names.get(item), o, r, c, a, w, -v, e)



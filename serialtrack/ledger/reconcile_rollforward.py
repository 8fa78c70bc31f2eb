"""The roll-forward: inventory value at the start of the period, its movements, and the value at its end.

By item: opening value (the end of the day before ``period.start``, from the history) + receipts dated in the
period - COGS of the period (exactly the COGS sheet's lines: shipments less restocked returns, reversed
shipments and restocks with their signs) - adjustments - vendor returns + reversals (reversed receipts dated
in the period, negative) = closing, which is the valuation at the end of ``period.day``. Adjustments and
vendor returns are 0 until those kinds exist. Inventory values are remaining quantity x the lot's unit cost,
as on the Valuation sheet; the writer puts the closing as a formula and ties its total to the Valuation's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, and_, func, select

from serialtrack.ledger import reconcile_history as history
from serialtrack.ledger import schema as t
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
    names = _descriptions(conn)
    figures: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * 5)
    for position, source in enumerate((opening, receipts, cogs, reversals, closing)):
        for item, value in source.items():
            figures[item][position] = value
    for item in sorted(figures):
        o, r, c, v, e = figures[item]
        if any((o, r, c, v, e)):
            yield RollForwardLine(item, names.get(item), o, r, c, ZERO, ZERO, -v, e)



"""Warranty dates: an item's ``warranty_months`` run from the day a unit ships to its customer, its
``vendor_warranty_months`` from the day the unit was received.

The rule for adding months (stated for clerks in docs/clerks.md): the same day of the month, N months later;
where that month is shorter, its last day. So 31 January + 1 month is 28 February (29 in a leap year), 29
February + 12 months is 28 February, and 30 April + 1 month is 30 May. A warranty covers its last day: a unit
is in warranty on ``until`` and out of it the day after.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, literal, select

from serialtrack.ledger import schema as t
from serialtrack.records import SerialStatus


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_until(start: dt.date | None, months: int | None) -> dt.date | None:
    """The last day of a warranty of ``months`` from ``start``; None without either."""
    if start is None or months is None:
        return None
    return add_months(start, months)


def warranty_state(until: dt.date | None, today: dt.date) -> str | None:
    """``in`` on or before ``until``, ``out`` after it, None when there is no warranty."""
    if until is None:
        return None
    return "in" if today <= until else "out"


@dataclass(frozen=True)
class Lapsing:
    """A unit whose warranty ends within the horizon: a shipped unit's customer warranty, or an in-stock
    unit's vendor warranty (the one to test or return before it lapses)."""

    which: str  # customer | vendor
    party: str | None  # the customer, or the vendor
    order: str | None  # the SO it shipped on, or the PO it came on
    item: str
    serial: str
    office: str | None
    bin: str | None
    started: dt.date
    until: dt.date
    unit_cost: Decimal


def lapsing(conn: Connection, day: dt.date, horizon_days: int) -> Iterator[Lapsing]:
    """Units whose warranty ends between ``day`` and ``day + horizon_days`` (both included): shipped units'
    customer warranties (from the ship date of their open shipment), by customer and SO, then in-stock units'
    vendor warranties (from their lot's received date), by vendor and PO. Only items with a warranty are read;
    moves dated after ``day`` are not seen."""
    last = day + dt.timedelta(days=horizon_days)
    su, items, tx, so, lots = t.serial_units, t.items, t.transactions, t.sales_orders, t.lots
    pol, po, offices, bins = t.po_lines, t.purchase_orders, t.offices, t.bins
    shipped = (select(so.c.customer, so.c.number, items.c.code, su.c.serial, offices.c.name.label("office"),
                      tx.c.occurred_on, items.c.warranty_months, tx.c.unit_cost)
               .select_from(tx).join(su, su.c.id == tx.c.serial_unit_id).join(items, items.c.id == su.c.item_id)
               .outerjoin(so, literal("SO-") + so.c.number == tx.c.document)
               .outerjoin(offices, offices.c.id == tx.c.office_id)
               .where(tx.c.type == "shipment", tx.c.closed_by_batch_id.is_(None), tx.c.reverses_id.is_(None),
                      su.c.status == SerialStatus.SHIPPED, items.c.warranty_months.is_not(None),
                      tx.c.occurred_on <= day))
    found = []
    for r in conn.execute(shipped):
        until = add_months(r.occurred_on, r.warranty_months)
        if day <= until <= last:
            found.append(Lapsing("customer", r.customer, r.number, r.code, r.serial, r.office, None, r.occurred_on,
                                 until, Decimal(r.unit_cost or 0)))
    found.sort(key=lambda w: (w.party or "", w.order or "", w.item, w.serial))
    yield from found
    stocked = (select(po.c.vendor, po.c.number, items.c.code, su.c.serial, offices.c.name.label("office"),
                      bins.c.name.label("bin"), lots.c.received_date, items.c.vendor_warranty_months, lots.c.unit_cost)
               .select_from(su).join(items, items.c.id == su.c.item_id).join(lots, lots.c.id == su.c.lot_id)
               .outerjoin(pol, pol.c.id == lots.c.po_line_id).outerjoin(po, po.c.id == pol.c.po_id)
               .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
               .where(su.c.status == SerialStatus.IN_STOCK, items.c.vendor_warranty_months.is_not(None),
                      lots.c.received_date <= day))
    found = []
    for s in conn.execute(stocked):
        until = add_months(s.received_date, s.vendor_warranty_months)
        if day <= until <= last:
            found.append(Lapsing("vendor", s.vendor, s.number, s.code, s.serial, s.office, s.bin, s.received_date,
                                 until, Decimal(s.unit_cost)))
    found.sort(key=lambda w: (w.party or "", w.order or "", w.item, w.serial))
    yield from found

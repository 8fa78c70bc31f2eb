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

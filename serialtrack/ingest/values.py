"""Cell values -> typed values, each conversion returning the value or an Issue naming the cell.

Clerks type numbers as text, dates in several orders and booleans as ``Y``/``yes``/``x``; these converters
accept what is unambiguous and reject the rest with a sentence that says what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from serialtrack.records import CellValue, Issue, Source


@dataclass(frozen=True, slots=True)
class Cell:
    """A value with the cell it came from."""

    value: CellValue
    source: Source

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


class Invalid(Exception):
    """Raised by the converters below; turned into an Issue by ``convert``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def as_text(value: CellValue) -> str | None:
    """A cell as text, whole-number floats without ``.0`` (Excel stores 60006 as 60006.0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = " ".join(str(value).split())
    return text or None


def as_code(value: CellValue) -> str | None:
    """A code (item, PO, SO, office): text, trimmed, whole numbers without ``.0``."""
    return as_text(value)


_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")
_CURRENCY = re.compile(r"^[\s$€£¥]+|[\s$€£¥]+$")


def as_decimal(value: CellValue) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise Invalid("not-a-number", f"{value} is not a number")
    if isinstance(value, int | float):
        number = Decimal(str(value))
        if not number.is_finite():  # 1e400 in a workbook is read as infinity
            raise Invalid("not-a-number", f"{value} is not a number Excel can hold")
        return number
    if not isinstance(value, str):
        raise Invalid("not-a-number", f"{value} is not a number")
    text = _CURRENCY.sub("", value.strip()).replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise Invalid("not-a-number", f"{value!r} is not a number") from None
    if not result.is_finite():
        raise Invalid("not-a-number", f"{value!r} is not a number")
    return result


def as_money(value: CellValue) -> Decimal | None:
    result = as_decimal(value)
    if result is not None and result < 0:
        raise Invalid("negative-amount", f"{as_text(value)} is negative; amounts must be zero or more")
    return result


def as_qty(value: CellValue) -> int | None:
    result = as_decimal(value)
    if result is None:
        return None
    if result != result.to_integral_value():
        raise Invalid("qty-not-whole", f"quantity {as_text(value)} is not a whole number")
    if result < 0:
        raise Invalid("qty-negative", f"quantity {as_text(value)} is negative")
    return int(result)


_TRUE = {"y", "yes", "true", "1", "x", "t", "on", "serialized"}
_FALSE = {"n", "no", "false", "0", "f", "off", "-"}


def as_bool(value: CellValue) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid("not-yes-no", f"{value!r} is not yes or no (write Y or N)")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%d.%m.%y", "%d %b %Y",
                 "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%Y%m%d")


#: Dates outside these years are typing slips (``0001-01-01``, ``2206`` for ``2026``), never real business dates.
PLAUSIBLE_YEARS = (1900, 2200)


def _plausible(day: dt.date) -> dt.date:
    first, last = PLAUSIBLE_YEARS
    if not first <= day.year <= last:
        raise Invalid("date-implausible", f"{day.isoformat()} is not a plausible date (only years {first} to "
                                          f"{last} are taken); check the year")
    return day


def as_date(value: CellValue) -> dt.date | None:
    """Real date cells, ISO text, US ``m/d/Y``, dotted ``d.m.Y`` and month names; ambiguous text is refused."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _plausible(value.date())
    if isinstance(value, dt.date):
        return _plausible(value)
    text = str(value).strip()
    if not text:
        return None
    if "T" in text or (len(text) > 10 and text[10] == " "):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return _plausible(dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    raise Invalid("not-a-date", f"{text!r} is not a date we can read unambiguously; write it as YYYY-MM-DD")


def convert(cell: Cell | None, converter, issues: list[Issue], label: str):  # type: ignore[no-untyped-def]
    """``converter(cell.value)``, or None with an Issue added that names the cell and the field."""
    if cell is None:
        return None
    try:
        return converter(cell.value)
    except Invalid as exc:
        issues.append(Issue(exc.code, f"{label}: {exc}", cell.source))
        return None

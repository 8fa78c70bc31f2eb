"""Every cell against what its column in the ledger can hold (``ledger.limits``, read from the schema): text
longer than the column (each serial of a serials cell counted on its own) and numbers larger than the column
are rejected by cell, before any rule or the database sees them. The one place these limits are checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from serialtrack.ingest.reader import Frame, Row
from serialtrack.ingest.values import Invalid, as_decimal, as_text
from serialtrack.ledger.limits import FIELD_LIMITS, FieldLimit
from serialtrack.records import CellValue, Issue, Source

#: What splits a serials cell into serials, and the two halves of a span (``A...B``, ``A…B``).
_SERIAL_PARTS = re.compile(r"[,;\t\r\n]|\.\.\.|…")


def _label(field: str) -> str:
    return field.replace("_", " ")


def _too_long(field: str, text: str | None, limit: int) -> str | None:
    if not text:
        return None
    if field == "serials":
        longest = max((part.strip() for part in _SERIAL_PARTS.split(text)), key=len)
        if len(longest) > limit:
            return f"serial {longest[:20]}... is {len(longest):,} characters long; a serial may have at most {limit}"
        return None
    if len(text) > limit:
        return f"{_label(field)} is {len(text):,} characters long; it may have at most {limit}"
    return None


def check_cell_limits(rows: Sequence[Row], limits: Mapping[str, FieldLimit] = FIELD_LIMITS) -> list[Issue]:
    """One issue per cell whose value its column cannot hold. A cell that is not a number where one is
    expected is left to the field's own converter, which names what is wrong with it.

    Column by column over each table's rows (rows of one table share a ``Frame``): a value that plainly fits
    (text no longer than the limit, a small whole number) is passed over without making its cell; anything
    else goes through the full check. A title-block cell is checked once, when some row falls back to it."""
    found: list[tuple[int, int, int, Issue]] = []  # (table, row, field) as the cells were once visited
    by_frame: dict[int, tuple[Frame, list[Row]]] = {}
    for row in rows:
        entry = by_frame.get(id(row.frame))
        if entry is None:
            entry = by_frame[id(row.frame)] = (row.frame, [])
        entry[1].append(row)
    for table, (frame, frame_rows) in enumerate(by_frame.values()):
        order = {name: n for n, name in enumerate([*frame.title, *(c for c in frame.columns if c not in frame.title)])}
        fallback: dict[str, int] = {}  # title field -> the first row that falls back to its title cell
        for name, column in frame.columns.items():
            limit = limits.get(name)
            if limit is None:
                continue
            plain = _fits(limit)
            index = column - 1
            for position, row in enumerate(frame_rows):
                values = row.values
                value = values[index] if column <= len(values) else None
                if value is None:
                    fallback.setdefault(name, position)
                elif not plain(value):
                    problem = _problem(name, value, limit)
                    if problem is not None:
                        where = Source(frame.file, frame.sheet, row.number, column)
                        found.append((table, position, order[name], Issue(problem[0], problem[1], where)))
        for name, cell in frame.title.items():
            limit = limits.get(name)
            first = fallback.get(name) if name in frame.columns else 0
            if limit is None or cell.blank or first is None or not frame_rows:
                continue
            problem = _problem(name, cell.value, limit)
            if problem is not None:
                found.append((table, first, order[name], Issue(problem[0], problem[1], cell.source)))
    found.sort(key=lambda f: f[:3])
    return [issue for *_, issue in found]


def _fits(limit: FieldLimit) -> Callable[[CellValue], bool]:
    """A quick test that a value fits ``limit`` (False: look closer, not necessarily a problem)."""
    if limit.max_number is not None:
        bound = int(limit.max_number)
        half = float(bound) / 2

        def number_fits(value: CellValue) -> bool:
            kind = value.__class__
            if kind is int:
                return -bound <= value <= bound  # type: ignore[operator]
            if kind is float:
                return -half < value < half  # type: ignore[operator]
            if kind is str:
                return len(value) < 10 and value.isascii() and value.isdigit()  # type: ignore[arg-type, union-attr]
            return False

        return number_fits
    length = limit.max_length
    if length is None:
        return lambda value: True

    def text_fits(value: CellValue) -> bool:
        # as_text only shortens text (whitespace runs become one space), and a serial is part of its cell
        return value.__class__ is str and len(value) <= length  # type: ignore[arg-type]

    return text_fits


def _problem(field: str, value: CellValue, limit: FieldLimit) -> tuple[str, str] | None:
    """(code, message) when ``value`` does not fit ``limit``; None when it does or is blank (a blank value is no
    number and no text)."""
    if limit.max_number is not None:
        try:
            number = as_decimal(value)
        except Invalid:
            return None
        if number is not None and abs(number) > limit.max_number:
            return ("number-too-large", f"{_label(field)} {as_text(value)} is too large; the "
                                        f"ledger holds at most {limit.max_number:,}")
        return None
    if limit.max_length is not None:
        message = _too_long(field, as_text(value), limit.max_length)
        return ("value-too-long", message) if message else None
    return None

"""Every cell against what its column in the ledger can hold (``ledger.limits``, read from the schema): text
longer than the column (each serial of a serials cell counted on its own) and numbers larger than the column
are rejected by cell, before any rule or the database sees them. The one place these limits are checked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from serialtrack.ingest.reader import Row
from serialtrack.ingest.values import Invalid, as_decimal, as_text
from serialtrack.ledger.limits import FIELD_LIMITS, FieldLimit
from serialtrack.records import Issue

#: What splits a serials cell into serials, and the two halves of a span (``A...B``, ``A…B``).
_SERIAL_PARTS = re.compile(r"[,;\t\r\n]|\.\.\.|…")


def _label(field: str) -> str:
    return field.replace("_", " ")


def _too_long(field: str, text: str, limit: int) -> str | None:
    if field == "serials":
        longest = max((part.strip() for part in _SERIAL_PARTS.split(text)), key=len, default="")
        if len(longest) > limit:
            return f"serial {longest[:20]}... is {len(longest):,} characters long; a serial may have at most {limit}"
        return None
    if len(text) > limit:
        return f"{_label(field)} is {len(text):,} characters long; it may have at most {limit}"
    return None


def check_cell_limits(rows: Sequence[Row], limits: Mapping[str, FieldLimit] = FIELD_LIMITS) -> list[Issue]:
    """One issue per cell whose value its column cannot hold. A cell that is not a number where one is
    expected is left to the field's own converter, which names what is wrong with it."""
    issues: list[Issue] = []
    seen: set[tuple[str | None, int | None, int | None]] = set()  # a title-block cell is shared by every row
    for row in rows:
        for field, cell in row.cells.items():
            limit = limits.get(field)
            if limit is None or cell.blank:
                continue
            where = (cell.source.sheet, cell.source.row, cell.source.column)
            if where in seen:
                continue
            problem: tuple[str, str] | None = None
            if limit.max_number is not None:
                try:
                    number = as_decimal(cell.value)
                except Invalid:
                    continue
                if number is not None and abs(number) > limit.max_number:
                    problem = ("number-too-large", f"{_label(field)} {as_text(cell.value)} is too large; the "
                                                   f"ledger holds at most {limit.max_number:,}")
            elif limit.max_length is not None:
                message = _too_long(field, as_text(cell.value) or "", limit.max_length)
                problem = ("value-too-long", message) if message else None
            if problem is not None:
                seen.add(where)
                issues.append(Issue(problem[0], problem[1], cell.source))
    return issues

"""Checks shared by tests that write workbooks: reopen the file with openpyxl, as a reader of it would.

* :func:`assert_no_unexpected_formulas` fails on any formula cell outside the sheets allowed to hold one
  (text from a file must never become a formula; a totals row's ``=SUBTOTAL(109,Table[Col])`` is the writers'
  own and allowed anywhere), and on text that starts like a formula (``=``, ``+``,
  ``-``, ``@``) without Excel's quote prefix (such text is kept exactly, in a quote-prefixed text cell).
* :func:`dump_cells` gives a normalised, JSON-able dump of every sheet's cell values for golden tests:
  ``{sheet: {"A1": value}}`` in workbook order, blank cells left out; str/int/float/bool stay as they are
  (so a serial kept as text shows as ``"00042"``, a number as ``42``), while dates, times, durations and
  formulas become one-key objects (``{"datetime": "2024-05-01T00:00:00"}``, ``{"formula": "=SUM(...)"}``)
  so they cannot be mistaken for text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl


def _cells(path: Path | str, *, quoted: list[bool] | None = None) -> Iterable[tuple[str, str, Any, str]]:
    """(sheet, coordinate, value, data_type) for every non-blank cell, streaming (read-only mode); with
    ``quoted``, its one element is set to each cell's quote prefix before the cell is yielded."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            ws.reset_dimensions()  # do not trust the stored dimension; read every row there is
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None or not hasattr(cell, "coordinate"):
                        continue
                    if quoted is not None:
                        quoted[0] = bool(cell.style_array.quotePrefix)
                    yield ws.title, cell.coordinate, cell.value, cell.data_type
    finally:
        book.close()


def assert_no_unexpected_formulas(path: Path | str, allowed_sheets: Iterable[str] = ()) -> None:
    """Fail, naming every offending cell, if a formula sits outside ``allowed_sheets``."""
    allowed = set(allowed_sheets)
    quoted = [False]
    offenders, unquoted = [], []
    for sheet, coordinate, value, data_type in _cells(path, quoted=quoted):
        ours = data_type == "f" and isinstance(value, str) and _OUR_TOTALS.match(value)
        if sheet not in allowed and not ours and (data_type == "f" or not isinstance(value, _PLAIN)):
            offenders.append(f"{sheet}!{coordinate}: {value!r}")
        elif data_type == "s" and isinstance(value, str) and value.lstrip(" ").startswith(_TRIGGERS) and not quoted[0]:
            unquoted.append(f"{sheet}!{coordinate}: {value!r}")
    assert not offenders, f"unexpected formula cells in {Path(path).name}: {offenders}"
    assert not unquoted, f"formula-like text without a quote prefix in {Path(path).name}: {unquoted}"


_TRIGGERS = ("=", "+", "-", "@")
#: The formula our writers put under any table: a totals row's SUBTOTAL over one column.
_OUR_TOTALS = re.compile(r"^=SUBTOTAL\(109,[A-Za-z_][\w.]*\[[A-Za-z0-9 ]+\]\)$")


_PLAIN = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


def _normalise(value: Any, data_type: str) -> Any:
    if data_type == "f":
        return {"formula": str(getattr(value, "text", value))}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, str | int | float | bool):
        return value
    return {"other": repr(value)}


def dump_cells(path: Path | str, *, cached: bool = False) -> dict[str, dict[str, Any]]:
    """Every sheet's non-blank cell values, normalised to JSON-able data (see the module docstring).

    ``cached=True`` adds to each formula the value saved with it (what Excel shows before recalculating):
    ``{"formula": "=SUM(Lots[Value])", "cached": 12.5}``.
    """
    book = openpyxl.load_workbook(path, read_only=True)
    dump: dict[str, dict[str, Any]] = {name: {} for name in book.sheetnames}
    book.close()
    for sheet, coordinate, value, data_type in _cells(path):
        dump[sheet][coordinate] = _normalise(value, data_type)
    if cached:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet, cells in dump.items():
                formulas = {c for c, v in cells.items() if isinstance(v, dict) and "formula" in v}
                if not formulas:
                    continue
                ws = values[sheet]
                for row in ws.iter_rows():
                    for cell in row:
                        coordinate = getattr(cell, "coordinate", None)
                        if coordinate in formulas:
                            cells[coordinate]["cached"] = _normalise(cell.value, cell.data_type)
        finally:
            values.close()
    return dump


def assert_output_safe(path: Path | str) -> None:
    """:func:`assert_no_unexpected_formulas` for any answer in the outbox: a receipt's (posted or dry-run)
    Summary holds the writer's own totals (``=SUM(Lines[Value])``); nothing else may hold a formula."""
    name = Path(path).name
    receipt = ".posted" in name or ".dry-run" in name
    assert_no_unexpected_formulas(path, allowed_sheets=("Summary",) if receipt else ())
    if receipt:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            ws = book["Summary"]
            formulas = [c.value for row in ws.iter_rows() for c in row
                        if getattr(c, "data_type", None) == "f"]
        finally:
            book.close()
        assert all(re.fullmatch(r"=SUM\(Lines\[(Value|Cost)\]\)", str(f)) for f in formulas), formulas

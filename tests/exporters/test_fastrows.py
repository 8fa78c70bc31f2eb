"""The direct row writer gives the same workbook as xlsxwriter's cell-by-cell path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from workbook_checks import assert_no_unexpected_formulas

import serialtrack.exporters.xlsx as xlsx
from serialtrack.exporters.xlsx import ColumnSpec, WorkbookBuilder

COLUMNS = [ColumnSpec("Serial", "text"), ColumnSpec("Qty", "int"), ColumnSpec("Cost", "money"),
           ColumnSpec("Note", "general"), ColumnSpec("Ratio", "decimal")]
ROWS = [
    ["00042", 1, Decimal("12.5"), "plain", 0.25],
    ["=HYPERLINK(\"x\")", 2, 3, "+1", None],
    ["  padded  ", None, 1e20, "<r><t>rich?</t></r> & more", 1.0],
    ["SN\u00e9\u4e2d", 0, -4.75, 17, 2],
    ["tab\there", 5, 1, "_x0041_ escaped", 3],          # control character and _xHHHH_: the slow path
    ["@user", 6, 2, dt.date(2026, 11, 25), 4],           # a date: the slow path
    [12345, 7, 0, True, 5],                               # a number in a text column; a boolean
]


def _write(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(xlsx, "FAST_KINDS", xlsx.FAST_KINDS if fast else frozenset())
    with WorkbookBuilder(path) as book:
        book.add_table("Serials", COLUMNS, iter(ROWS), title_rows=["A title"])
    return path


def _cells(path: Path) -> list[tuple]:
    wb = load_workbook(path)
    ws = wb["Serials"]
    return [(c.coordinate, c.value, c.data_type, c.number_format) for row in ws.iter_rows() for c in row
            if c.value is not None] + [("dims", ws.dimensions, ws.freeze_panes, tuple(ws.tables.items())[0][1])]


def test_fastrows__same_workbook_as_cell_by_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _write(tmp_path / "fast.xlsx", True, monkeypatch)
    slow = _write(tmp_path / "slow.xlsx", False, monkeypatch)
    assert _cells(fast) == _cells(slow)
    assert_no_unexpected_formulas(fast)
    ws = load_workbook(fast)["Serials"]
    assert ws["A4"].value == "00042" and ws["A4"].data_type == "s"
    assert ws["A5"].value.startswith("=") and ws["A5"].data_type == "s" and ws["A5"].quotePrefix
    assert ws["D6"].value == "<r><t>rich?</t></r> & more", "markup from a file is text, never XML"
    assert ws["A6"].value == "  padded  "


def test_fastrows__used_for_plain_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"cells": 0}
    original = WorkbookBuilder.write_value

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["cells"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(WorkbookBuilder, "write_value", counting)
    with WorkbookBuilder(tmp_path / "x.xlsx") as book:
        book.add_table("S", COLUMNS, iter(ROWS[:4] * 100))
    assert calls["cells"] == 0


DATED = [ColumnSpec("Serial", "text"), ColumnSpec("Received", "date"), ColumnSpec("Posted", "datetime"),
         ColumnSpec("Cost", "money")]
DATED_ROWS = [
    ["00042", dt.date(2026, 11, 25), dt.datetime(2026, 11, 25, 23, 30), Decimal("120.5")],
    ["00043", dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 2, 10, 0, 0, 500_000), 1],
    ["00044", None, dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), None],
    ["00045", dt.date(1900, 1, 1), dt.date(2026, 1, 1), 0],                   # before the 1900 leap bug
]


def test_fastrows__dates_in_date_columns_same_as_cell_by_cell(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    paths = {}
    for fast in (True, False):
        monkeypatch.setattr(xlsx, "FAST_KINDS", xlsx.FAST_KINDS if fast else frozenset())
        with WorkbookBuilder(tmp_path / f"{fast}.xlsx") as book:
            book.add_table("Serials", DATED, iter(DATED_ROWS), title_rows=["A title"])
        paths[fast] = tmp_path / f"{fast}.xlsx"
    monkeypatch.undo()
    assert _cells(paths[True]) == _cells(paths[False])
    ws = load_workbook(paths[True])["Serials"]
    assert ws["B4"].value == dt.datetime(2026, 11, 25) and ws["B4"].number_format == "yyyy-mm-dd"
    assert ws["C4"].value == dt.datetime(2026, 11, 25, 23, 30) and ws["C4"].number_format == "yyyy-mm-dd hh:mm"
    calls = {"cells": 0}
    original = WorkbookBuilder.write_value

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["cells"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(WorkbookBuilder, "write_value", counting)
    with WorkbookBuilder(tmp_path / "x.xlsx") as book:
        book.add_table("S", DATED, iter(DATED_ROWS))
    assert calls["cells"] == 0

"""The xlsx reader takes calamine's rows one at a time and shares a value with the cell above it when equal (issue
18: a 1M-row sheet held every row twice at the read's peak, and a string per repeated cell). What it reads must
be exactly what calamine's whole-sheet ``to_python(skip_empty_area=False)`` gives, ``""`` read as None, wherever
the used area starts (``iter_rows`` starts at the first used column, not at A)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from serialtrack.ingest.workbook import read_grids, sheet_rows

VALUES = st.one_of(
    st.sampled_from(["CAM-1", "CAM-1", "A-03", "", " ", "1", "True"]),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([1.0, 0.5, True, False, dt.datetime(2026, 11, 29), dt.datetime(2026, 11, 29, 8, 30)]),
)


def _whole_sheet(path: Path) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        sheet = book.get_sheet_by_name(book.sheet_names[0])
        return [[None if v == "" else v for v in row] for row in sheet.to_python(skip_empty_area=False)]
    finally:
        book.close()


def _typed(rows: list[list[object]]) -> list[list[tuple[type, object]]]:
    return [[(type(v), v) for v in row] for row in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.dictionaries(st.tuples(st.integers(1, 9), st.integers(1, 6)), VALUES, max_size=25))
def test_sheet_rows__what_the_whole_sheet_read_gives_value_and_type(tmp_path: Path, cells: dict) -> None:
    path = tmp_path / "sheet.xlsx"
    book = openpyxl.Workbook()
    for (row, column), value in cells.items():
        book.active.cell(row, column, value)
    book.save(path)

    calamine = CalamineWorkbook.from_path(str(path))
    try:
        got = sheet_rows(calamine.get_sheet_by_name(calamine.sheet_names[0]))
    finally:
        calamine.close()

    # the same values of the same types (1.0 beside True, a date beside a datetime stay themselves)
    assert _typed(got) == _typed(_whole_sheet(path))


def test_read_xlsx__repeated_values_shared_down_the_column_unequal_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "pl.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Packing list"])  # the used area starts at A1 but the table at column B below
    sheet.append([])
    sheet.append([None, "Item", "Qty", "Serial", "Bin"])
    for n in range(500):
        sheet.append([None, "CAM-1", 1 if n % 2 else True, f"SN{n:05d}", "A-03"])
    book.save(path)

    rows = read_grids(path).sheets[0].rows

    assert rows[0] == ["Packing list", None, None, None, None]
    assert rows[3] == [None, "CAM-1", True, "SN00000", "A-03"]
    assert [type(r[2]) for r in rows[3:7]] == [bool, type(rows[4][2]), bool, type(rows[4][2])]
    assert rows[4][2] == 1 and type(rows[4][2]) is not bool  # equal to True, but not shared with it
    assert len({id(r[1]) for r in rows[3:]}) == 1 and len({id(r[4]) for r in rows[3:]}) == 1
    assert len({r[3] for r in rows[3:]}) == 500

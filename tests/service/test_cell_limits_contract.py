"""``rules/cell_limits`` as a function, without the pipeline around it (which sorts and de-duplicates every
issue, and so would hide a mistake here):

- the quick test ``_fits`` that lets a plainly fitting value skip the full check is *sound* (what it passes, the
  full check passes too) and *useful* (the values a clerk's sheet is made of, up to each column's exact edge,
  take the quick way; that is what keeps a 100,000-row sheet from making a cell for every value);
- ``check_cell_limits`` over rows of several tables gives each refused cell once, in sheet, row and column
  order, a title-block cell once at the first row that falls back to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from support.books import workbook

from serialtrack.ingest.reader import Row, read_file
from serialtrack.kinds.registry import FIELD_SPECS
from serialtrack.ledger.limits import FIELD_LIMITS, FieldLimit
from serialtrack.records import Issue
from serialtrack.rules.cell_limits import _fits, _problem, check_cell_limits

QTY = FIELD_LIMITS["qty"]  # an INTEGER column: 2,147,483,647
COST = FIELD_LIMITS["unit_cost"]  # NUMERIC(16, 2): 99,999,999,999,999
LOT = FIELD_LIMITS["mfr_lot"]  # VARCHAR(100)
UOM = FIELD_LIMITS["uom"]  # VARCHAR(20)
INT_MAX = 2**31 - 1


@pytest.mark.parametrize(("limit", "value"), [
    (QTY, 0), (QTY, 7), (QTY, INT_MAX), (QTY, -INT_MAX), (QTY, 12.0), (QTY, -3.5),
    (QTY, float(INT_MAX // 2)), (QTY, -float(INT_MAX // 2)),
    (QTY, "1"), (QTY, "999999999"),  # nine digits typed as text
    (COST, 99_999_999_999_999), (COST, 1234.56),
    (LOT, ""), (LOT, "L" * 100), (LOT, "lot 7"), (UOM, "U" * 20),
])
def test_fast_path__a_plain_value_up_to_the_column_edge_takes_the_quick_way(limit: FieldLimit,
                                                                               value: object) -> None:
    assert _fits(limit)(value) is True  # type: ignore[arg-type]
    assert _problem("f", value, limit) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("limit", "value", "refused"), [
    (QTY, INT_MAX + 1, True), (QTY, -INT_MAX - 1, True),
    (QTY, float(INT_MAX), False), (QTY, float(INT_MAX) * 2, True),  # floats near the edge get the full check
    (QTY, float(INT_MAX // 2 + 1), False), (QTY, -float(INT_MAX // 2 + 1), False),
    (QTY, "1234567890", False), (QTY, "99999999999", True),  # ten digits or more as text: the full check
    (QTY, " 12", False), (QTY, "١٢", False),  # padded, or not ASCII digits: the converter's to judge
    (QTY, True, False), (QTY, dt.datetime(2026, 1, 2), False), (QTY, Decimal("3"), False),
    (COST, 100_000_000_000_000, True),
    (LOT, "L" * 101, True), (LOT, 12345, False), (UOM, "U" * 21, True),
])
def test_fast_path__anything_else_gets_the_full_check(limit: FieldLimit, value: object, refused: bool) -> None:
    assert _fits(limit)(value) is False  # type: ignore[arg-type]
    assert (_problem("f", value, limit) is not None) is refused  # type: ignore[arg-type]


def test_fast_path__a_limit_of_neither_kind_passes_everything_quickly() -> None:
    unbounded = FieldLimit("t.free_text")
    assert all(_fits(unbounded)(v) for v in ("x" * 10_000, 10**30, None))
    assert _problem("note", "x" * 10_000, unbounded) is None


values = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False),
                   st.text(max_size=130), st.from_regex(r"\A-?[0-9]{1,12}\Z"), st.none(), st.booleans())


@given(value=values, limit=st.sampled_from([QTY, COST, LOT, UOM]))
def test_fast_path__what_it_passes_the_full_check_passes(value: object, limit: FieldLimit) -> None:
    if _fits(limit)(value):  # type: ignore[arg-type]
        assert _problem("f", value, limit) is None  # type: ignore[arg-type]


def _two_sheets(path: Path) -> Path:
    """Two packing lists in one workbook; rows 5 and 6 of each leave the packing list blank."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "North"
    second = wb.create_sheet("South")
    for ws, long_lot in ((first, "M" * 101), (second, "N" * 101)):
        ws.append([f"Received Date: {dt.date(2026, 11, 20)}"])
        ws.append([])
        ws.append(["PO", "Item", "Qty", "Serials", "Mfr Lot", "Packing List"])
        ws.append([100, "CAM-1", 1, "S" * 101, long_lot, "PL-1"])  # row 4: serial, lot
        ws.append([100, "CAM-1", 1, "OK-1", "LOT-1", None])  # row 5: fits; falls back to --set
        ws.append([100, "CAM-1", 2**31, "S" * 102, None, None])  # row 6: qty, serial; falls back again
    wb.save(path)
    return path


def _read(tmp_path: Path) -> list[Row]:
    """The rows, with ``--set packing_list=PPP...`` (101 characters) for rows that leave the column blank."""
    ingested = read_file(_two_sheets(tmp_path / "two.xlsx"), kinds=FIELD_SPECS, kind="receiving",
                         overrides={"packing_list": "P" * 101})
    assert [(row.frame.sheet, row.number) for row in ingested.rows] == [
        ("North", 4), ("North", 5), ("North", 6), ("South", 4), ("South", 5), ("South", 6)]
    return ingested.rows


def _where(issues: list[Issue]) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.source.sheet if i.source else None, i.source.cell if i.source else None) for i in issues]


def test_check_cell_limits__each_refused_cell_once_in_sheet_row_and_column_order(tmp_path: Path) -> None:
    per_sheet = [
        ("value-too-long", "D4"), ("value-too-long", "E4"),  # serial, then manufacturer lot
        ("value-too-long", None),  # the --set packing list, once, where row 5 first falls back to it
        ("number-too-large", "C6"), ("value-too-long", "D6"),
    ]
    assert _where(check_cell_limits(_read(tmp_path))) == [
        *[(code, "North", cell) for code, cell in per_sheet], *[(code, "South", cell) for code, cell in per_sheet]]


def test_check_cell_limits__issues_follow_the_rows_as_given(tmp_path: Path) -> None:
    """Tables in the order their rows are first met, and within a table the rows' own order: a caller that
    hands the rows over backwards gets the issues backwards, each cell still once."""
    rows = _read(tmp_path)
    backwards = [*rows[3:][::-1], *rows[:3][::-1]]  # South 6, 5, 4, then North 6, 5, 4
    per_sheet = [
        ("value-too-long", None),  # row 6 is now the first to fall back; a title field comes first in its row
        ("number-too-large", "C6"), ("value-too-long", "D6"),
        ("value-too-long", "D4"), ("value-too-long", "E4"),
    ]
    assert _where(check_cell_limits(backwards)) == [
        *[(code, "South", cell) for code, cell in per_sheet], *[(code, "North", cell) for code, cell in per_sheet]]


def test_check_cell_limits__a_title_block_value_comes_before_the_rows(tmp_path: Path) -> None:
    """A title cell sits above the table: its issue comes first, before the first row's."""
    path = workbook(tmp_path / "title.xlsx", ["PO", "Item", "Qty", "Serials"], [[100, "CAM-1", 1, "S" * 101]],
                    title=[[f"Packing List #: {'P' * 101}"], []])
    rows = read_file(path, kinds=FIELD_SPECS, kind="receiving").rows
    assert _where(check_cell_limits(rows)) == [("value-too-long", "Sheet1", "A1"), ("value-too-long", "Sheet1", "D4")]

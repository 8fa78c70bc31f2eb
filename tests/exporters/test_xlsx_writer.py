"""WorkbookBuilder and report workbooks, checked by reopening the written files with openpyxl."""

from __future__ import annotations

import datetime as dt
import json
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.utils import column_index_from_string

from serialtrack.exporters import xlsx
from serialtrack.exporters.publish import unique_output_path
from serialtrack.exporters.report import ReportSheet, summary_sheet, write_report
from serialtrack.exporters.xlsx import (
    ColumnSpec,
    Formula,
    Link,
    WorkbookBuilder,
    internal_link,
    neutralise,
    sanitise_sheet_name,
    table_name_for,
)

try:
    from workbook_checks import assert_no_unexpected_formulas, dump_cells
except ImportError:  # tests/ is not on sys.path unless a conftest or pytest's pythonpath puts it there
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from workbook_checks import assert_no_unexpected_formulas, dump_cells

# xlsxwriter reports refused cells, names and tables as warnings: any warning is a failure here.
pytestmark = pytest.mark.filterwarnings("error")

SERIALS = [ColumnSpec("Serial", "text"), ColumnSpec("Qty", "int"), ColumnSpec("Cost", "money")]


def _write(path: Path, name: str, columns: list[ColumnSpec], rows: Any, **kwargs: Any) -> xlsx.SheetResult:
    with WorkbookBuilder(path) as book:
        return book.add_table(name, columns, rows, **kwargs)


def _width(ws: Any, letter: str) -> float:
    """Column width as stored, resolving openpyxl's grouping of equal adjacent columns."""
    index = column_index_from_string(letter)
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return float(dim.width)
    raise AssertionError(f"no width stored for column {letter}")


def _table_header_matches_cells(ws: Any) -> None:
    """Excel repairs a file whose table column names differ from its header cells: check they agree."""
    for table in ws.tables.values():
        first = table.ref.split(":")[0]
        row = ws[first].row
        names = [column.name for column in table.tableColumns]
        cells = [ws.cell(row, ws[first].column + i).value for i in range(len(names))]
        assert names == cells


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r1", "'\r1"),
        ("\nx", "'\nx"),
        ("  =1", "'  =1"),
        ("00042", "00042"),
        ("1E5", "1E5"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise__formula_triggers_get_a_quote(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_add_table__serials_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = [("00042", 1, 1.5), ("134593568", 2, 2.0), ("1E5", 3, 3.25), (42, 4, 4.0), (7.0, 5, 5.0)]
    _write(path, "Serials", SERIALS, rows)
    ws = openpyxl.load_workbook(path)["Serials"]
    serials = [ws.cell(r, 1) for r in range(2, 7)]
    assert [c.value for c in serials] == ["00042", "134593568", "1E5", "42", "7"]
    assert {c.data_type for c in serials} == {"s"}
    assert {c.number_format for c in serials} == {"@"}


def test_add_table__numbers_and_dates_keep_types_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [
        ColumnSpec("Qty", "int"),
        ColumnSpec("Cost", "money"),
        ColumnSpec("Rate", "decimal"),
        ColumnSpec("Share", "percent"),
        ColumnSpec("Received", "date"),
        ColumnSpec("At", "datetime"),
        ColumnSpec("Flag", "general"),
    ]
    rows = [(3, Decimal("1234.50"), 0.125, 0.25, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 13, 45), True)]
    _write(path, "Values", columns, rows)
    ws = openpyxl.load_workbook(path)["Values"]
    cells = [ws.cell(2, c) for c in range(1, 8)]
    assert [c.value for c in cells] == [
        3,
        1234.5,
        0.125,
        0.25,
        dt.datetime(2024, 5, 1),
        dt.datetime(2024, 5, 1, 13, 45),
        True,
    ]
    assert [c.number_format for c in cells[:6]] == [
        "0",
        "#,##0.00",
        "#,##0.00##",
        "0.0%",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm",
    ]


def test_add_table__none_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    _write(path, "Serials", SERIALS, [("A1", None, None)])
    ws = openpyxl.load_workbook(path)["Serials"]
    assert ws["B2"].value is None and ws["C2"].value is None


def test_add_table__excel_table_with_frozen_header_and_filter(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    result = _write(path, "Serials", SERIALS, iter([("S1", 1, 1.0), ("S2", 2, 2.0), ("S3", 3, 3.0)]))
    assert result == xlsx.SheetResult(("Serials",), ("Serials",), 3)
    ws = openpyxl.load_workbook(path)["Serials"]
    assert ws.freeze_panes == "A2"
    assert list(ws.tables) == ["Serials"]
    table = ws.tables["Serials"]
    assert table.ref == "A1:C4"
    assert table.autoFilter is not None and table.autoFilter.ref == "A1:C4"
    assert [c.value for c in ws[1]] == ["Serial", "Qty", "Cost"]
    _table_header_matches_cells(ws)


def test_add_table__title_rows_sit_above_the_table(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    _write(path, "Serials", SERIALS, [("S1", 1, 1.0)], title_rows=["Posted PL-0425.xlsx", "=not a formula"])
    ws = openpyxl.load_workbook(path)["Serials"]
    assert ws["A1"].value == "Posted PL-0425.xlsx"
    assert ws["A2"].value == "=not a formula" and ws["A2"].quotePrefix
    assert ws["A3"].value is None
    assert ws.tables["Serials"].ref == "A4:C5"
    assert ws.freeze_panes == "A5"
    _table_header_matches_cells(ws)
    assert_no_unexpected_formulas(path)


def test_add_table__widths_fit_content_capped_and_explicit(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [
        ColumnSpec("Serial"),
        ColumnSpec("Note"),
        ColumnSpec("Qty", "int"),
        ColumnSpec("Fixed", width=33),
    ]
    _write(path, "Widths", columns, [("SN-0000000000000001", "x" * 200, 5, "y")])
    ws = openpyxl.load_workbook(path)["Widths"]
    assert 20 <= _width(ws, "A") <= 22
    assert 45 <= _width(ws, "B") <= 46  # capped: long text wraps
    assert ws["B2"].alignment.wrap_text
    assert _width(ws, "C") >= len("Qty") + 2
    assert 33 <= _width(ws, "D") < 34


def test_add_table__empty_rows_still_make_a_valid_table(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    result = _write(path, "Serials", SERIALS, [])
    assert result.rows == 0 and result.names == ("Serials",)
    ws = openpyxl.load_workbook(path)["Serials"]
    assert ws.tables["Serials"].ref == "A1:C2"  # Excel wants one data row: header plus one blank row
    assert [c.value for c in ws[1]] == ["Serial", "Qty", "Cost"]
    assert ws.max_row == 1
    _table_header_matches_cells(ws)


def test_add_table__splits_past_the_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 5)
    path = tmp_path / "out.xlsx"
    rows = ((f"S{i:02d}", i, float(i)) for i in range(10))
    result = _write(path, "Serials", SERIALS, rows)
    assert result.split and result.rows == 10
    assert result.names == ("Serials", "Serials (2)", "Serials (3)", "Serials (4)")
    assert len(set(result.table_names)) == 4
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(result.names)
    seen: list[Any] = []
    for name in result.names:
        ws = book[name]
        assert ws.max_row <= 5
        (table,) = ws.tables.values()
        _table_header_matches_cells(ws)
        header_row = ws[table.ref.split(":")[0]].row
        assert ws.freeze_panes == f"A{header_row + 1}"
        seen += [ws.cell(r, 1).value for r in range(header_row + 1, ws.max_row + 1)]
    assert seen == [f"S{i:02d}" for i in range(10)]
    assert book["Serials (2)"]["A1"].value.startswith("Continued from sheet Serials")


def test_add_table__exactly_the_limit_does_not_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 5)
    result = _write(tmp_path / "out.xlsx", "Serials", SERIALS, [(f"S{i}", i, 0.0) for i in range(4)])
    assert not result.split and result.rows == 4


def test_add_table__bad_headers_and_rows_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate"), WorkbookBuilder(tmp_path / "a.xlsx") as book:
        book.add_table("S", [ColumnSpec("Serial"), ColumnSpec("serial")], [])
    with pytest.raises(ValueError, match="row 1"), WorkbookBuilder(tmp_path / "b.xlsx") as book:
        book.add_table("S", SERIALS, [("only one",)])
    assert list(tmp_path.iterdir()) == []


def test_sheet_names__sanitised_truncated_and_deduped(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    wanted = ["Lots [2024]: a/b\\c*?", "x" * 40, "X" * 40, "'quoted'", "History", "Lots", "LOTS"]
    with WorkbookBuilder(path) as book:
        results = [book.add_table(name, SERIALS, []) for name in wanted]
    names = [r.names[0] for r in results]
    assert names[0] == "Lots _2024__ a_b_c__"
    assert names[1] == "x" * 31 and names[2] == "X" * 27 + " (2)"
    assert names[3] == "quoted" and names[4] == "History_"
    assert names[5] == "Lots" and names[6] == "LOTS (2)"
    book_read = openpyxl.load_workbook(path)
    assert book_read.sheetnames == names
    tables = [t for r in results for t in r.table_names]
    assert len({t.lower() for t in tables}) == len(tables)
    assert all(" " not in t for t in tables)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Serials", "Serials"),
        ("2024 report", "T_2024_report"),
        ("A1", "T_A1"),
        ("R1C1", "T_R1C1"),
        ("R", "T_R"),
    ],
)
def test_table_name_for__valid_excel_names(name: str, expected: str) -> None:
    assert table_name_for(name) == expected


def test_sanitise_sheet_name__unique_among_taken() -> None:
    assert sanitise_sheet_name("Errors", ["errors"]) == "Errors (2)"
    assert sanitise_sheet_name("", []) == "Sheet"


def test_formula__only_where_asked_with_cached_value(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with WorkbookBuilder(path) as book:
        book.add_table("Lots", [ColumnSpec("Lot"), ColumnSpec("Value", "money")], [("L1", 10.0), ("L2", 2.5)])
        book.add_table(
            "Summary",
            [ColumnSpec("Field"), ColumnSpec("Value", "money")],
            [("Total", Formula("=SUM(Lots[Value])", 12.5))],
        )
    ws = openpyxl.load_workbook(path)["Summary"]
    assert ws["B2"].data_type == "f" and ws["B2"].value == "=SUM(Lots[Value])"
    assert openpyxl.load_workbook(path, data_only=True)["Summary"]["B2"].value == 12.5
    assert_no_unexpected_formulas(path, allowed_sheets=("Summary",))
    with pytest.raises(AssertionError, match=r"Summary!B2"):
        assert_no_unexpected_formulas(path)


def test_formula_like_text__stored_as_strings_not_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    evil = ['=HYPERLINK("http://evil","click")', "+1", "-2+3", "@SUM(A1)", "=1+1"]
    columns = [ColumnSpec("Serial"), ColumnSpec("Note", "general")]
    _write(path, "Serials", columns, [(text, text) for text in evil])
    assert_no_unexpected_formulas(path)
    ws = openpyxl.load_workbook(path)["Serials"]
    for row, text in enumerate(evil, start=2):
        for column in (1, 2):
            cell = ws.cell(row, column)
            assert cell.data_type == "s" and cell.value == text and cell.quotePrefix


def test_links__internal_with_quoted_sheet_and_url(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [ColumnSpec("Where"), ColumnSpec("Link", "link")]
    rows: list[tuple[str, Link | str | None]] = [
        ("cell", Link(internal_link("It's here", "D17"), "It's here!D17")),
        ("web", "https://example.com/x"),
        ("none", None),
    ]
    with WorkbookBuilder(path) as book:
        book.add_table("Links", columns, rows)
        book.add_table("It's here", [ColumnSpec("A")], [])
    ws = openpyxl.load_workbook(path)["Links"]
    assert ws["B2"].hyperlink.location == "'It''s here'!D17" and ws["B2"].value == "It's here!D17"
    assert ws["B3"].hyperlink.target == "https://example.com/x"
    assert ws["B4"].hyperlink is None and ws["B4"].value is None


def test_links__past_excel_limit_become_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_LINKS_PER_SHEET", 2)
    path = tmp_path / "out.xlsx"
    rows = [(Link(internal_link("Links", f"A{i}"), f"to A{i}"),) for i in range(1, 4)]
    _write(path, "Links", [ColumnSpec("Link", "link")], rows)
    ws = openpyxl.load_workbook(path)["Links"]
    assert [ws.cell(r, 1).hyperlink is not None for r in (2, 3, 4)] == [True, True, False]
    assert ws["A4"].value == "to A3"


def test_constant_memory__streamed_table_leaves_no_shared_strings(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    _write(path, "Serials", SERIALS, [("00042", 1, 1.0)])
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/tables/table1.xml" in names and "xl/sharedStrings.xml" not in names
    assert sheet.count("<row ") == 2  # header and one data row, each written once


def test_atomic_write__no_temp_file_left(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    _write(path, "Serials", SERIALS, [("S1", 1, 1.0)])
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_atomic_write__failure_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old answer")

    def rows() -> Any:
        yield ("S1", 1, 1.0)
        raise RuntimeError("query failed")

    with pytest.raises(RuntimeError, match="query failed"):
        _write(path, "Serials", SERIALS, rows())
    assert path.read_bytes() == b"old answer"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_unique_output_path__numbers_taken_names(tmp_path: Path) -> None:
    first = unique_output_path(tmp_path, "PL-0425", ".posted.xlsx")
    assert first == tmp_path / "PL-0425.posted.xlsx"
    first.write_bytes(b"1")
    second = unique_output_path(tmp_path, "PL-0425", ".posted.xlsx")
    assert second == tmp_path / "PL-0425.posted-2.xlsx"
    second.write_bytes(b"2")
    assert unique_output_path(tmp_path, "PL-0425", ".posted.xlsx").name == "PL-0425.posted-3.xlsx"
    assert unique_output_path(tmp_path, "PL-0425", ".rejected.xlsx").name == "PL-0425.rejected.xlsx"
    (tmp_path / "r.xlsx").write_bytes(b"")
    assert unique_output_path(tmp_path, "r", ".xlsx").name == "r-2.xlsx"
    with pytest.raises(ValueError):
        unique_output_path(tmp_path, "../x", ".xlsx")


def test_write_report__summary_keeps_types_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "PL-0425.posted.xlsx"
    summary = summary_sheet(
        [
            ("File", "PL-0425.xlsx"),
            ("Serials", 3),
            ("Value", 12.5),
            ("Posted", dt.date(2024, 5, 1)),
            ("Total", Formula("=SUM(Serials[Cost])", 6.0)),
            ("Vendor", "=cmd"),
        ]
    )
    serials = ReportSheet(
        "Serials", SERIALS, iter([("00042", 1, 1.0), ("1E5", 2, 5.0)]), note="Serials posted"
    )
    results = write_report(path, [summary, serials])
    assert [r.names for r in results] == [("Summary",), ("Serials",)]
    book = openpyxl.load_workbook(path)
    ws = book["Summary"]
    assert [ws.cell(r, 2).value for r in range(2, 6)] == ["PL-0425.xlsx", 3, 12.5, dt.datetime(2024, 5, 1)]
    assert ws["B5"].number_format == "yyyy-mm-dd"
    assert ws["B6"].data_type == "f" and ws["B7"].value == "=cmd" and ws["B7"].quotePrefix
    assert book["Serials"]["A1"].value == "Serials posted"
    assert book["Serials"].tables["Serials"].ref == "A3:C5"
    assert_no_unexpected_formulas(path, allowed_sheets=("Summary",))
    assert [p.name for p in tmp_path.iterdir()] == ["PL-0425.posted.xlsx"]


def test_dump_cells__normalised_and_json_able(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [
        ColumnSpec("Serial"),
        ColumnSpec("Qty", "int"),
        ColumnSpec("When", "date"),
        ColumnSpec("F", "general"),
    ]
    with WorkbookBuilder(path) as book:
        book.add_table("Serials", columns, [("00042", 42, dt.date(2024, 5, 1), Formula("=1+1", 2))])
        book.add_table("Empty", [ColumnSpec("A")], [])
    dump = dump_cells(path)
    assert dump == {
        "Serials": {
            "A1": "Serial",
            "B1": "Qty",
            "C1": "When",
            "D1": "F",
            "A2": "00042",
            "B2": 42,
            "C2": {"datetime": "2024-05-01T00:00:00"},
            "D2": {"formula": "=1+1"},
        },
        "Empty": {"A1": "A"},
    }
    json.dumps(dump)


def test_constant_memory__same_workbook_as_in_memory_mode(tmp_path: Path) -> None:
    rows = [("00042", 1, 1.5), ("=1", None, 2.0), ("S3", 3, None)]
    paths = [tmp_path / "streamed.xlsx", tmp_path / "in_memory.xlsx"]
    for path, constant_memory in zip(paths, (True, False), strict=True):
        with WorkbookBuilder(path, constant_memory=constant_memory) as book:
            book.add_table("Serials", SERIALS, rows, title_rows=["Title"])
            book.add_table("Empty", SERIALS, [])
    assert dump_cells(paths[0]) == dump_cells(paths[1])
    with zipfile.ZipFile(paths[0]) as streamed, zipfile.ZipFile(paths[1]) as in_memory:
        for part in ("xl/tables/table1.xml", "xl/tables/table2.xml"):
            assert streamed.read(part) == in_memory.read(part)


def test_table_part__identical_to_xlsxwriters_own_add_table(tmp_path: Path) -> None:
    """The builder declares tables by working around two xlsxwriter limits (see ``_attach_table``); the
    table part must still be byte for byte what xlsxwriter writes through its supported, in-memory path."""
    rows = [("00042", 1, 1.5), ("S2", 2, 2.0), ("S3", 3, 3.0)]
    ours = tmp_path / "ours.xlsx"
    _write(ours, "Serials", SERIALS, rows, title_rows=["Title"])
    reference = tmp_path / "reference.xlsx"
    book = xlsxwriter.Workbook(str(reference))
    ws = book.add_worksheet("Serials")
    options = {
        "name": "Serials",
        "style": xlsx.TABLE_STYLE,
        "columns": [{"header": c.header} for c in SERIALS],
    }
    assert ws.add_table(2, 0, 2 + len(rows), len(SERIALS) - 1, {**options, "data": rows}) == 0
    book.close()
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(reference) as b:
        assert a.read("xl/tables/table1.xml") == b.read("xl/tables/table1.xml")


def test_write_report__needs_a_sheet(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        write_report(tmp_path / "r.xlsx", [])
    assert list(tmp_path.iterdir()) == []


def test_add_table__totals_row_subtotals_each_column_in_the_table_name_form(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    columns = [ColumnSpec("Lot"), ColumnSpec("Qty", "int"), ColumnSpec("Value", "money")]
    with WorkbookBuilder(path) as book:
        book.add_table("Lots", columns, [("L1", 2, 10.25), ("L2", 3, Decimal("2.50"))], totals=("Qty", "Value"))
    ws = openpyxl.load_workbook(path)["Lots"]
    assert ws.tables["Lots"].ref == "A1:C3"  # the totals row sits under the table, not in it
    assert [c.value for c in ws[4]] == ["Total", "=SUBTOTAL(109,Lots[Qty])", "=SUBTOTAL(109,Lots[Value])"]
    assert ws["C4"].number_format == "#,##0.00" and ws["A4"].font.b
    cached = openpyxl.load_workbook(path, data_only=True)["Lots"]
    assert (cached["B4"].value, cached["C4"].value) == (5, 12.75)
    with pytest.raises(ValueError, match="no column"), WorkbookBuilder(tmp_path / "x.xlsx") as book:
        book.add_table("Lots", columns, [], totals=("Nope",))


def test_add_table__long_text_wraps_in_a_row_tall_enough_on_both_write_paths(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    long = "word " * 30  # 150 characters: four lines at the 45-character cap
    with WorkbookBuilder(path) as book:
        book.add_table("Fast", [ColumnSpec("Note"), ColumnSpec("Qty", "int")], [(long, 1), ("short", 2)])
        book.add_table("Slow", [ColumnSpec("Note"), ColumnSpec("When", "date")], [(long, dt.date(2026, 1, 1))])
    wb = openpyxl.load_workbook(path)
    for name in ("Fast", "Slow"):
        ws = wb[name]
        assert ws.row_dimensions[2].height == 60, name
        assert ws["A2"].alignment.wrap_text and ws["A2"].alignment.vertical == "top", name
    assert wb["Fast"].row_dimensions[3].height is None


def test_print_setup__landscape_one_page_wide_header_repeated_footer(tmp_path: Path) -> None:
    path = tmp_path / "R&D.xlsx"
    with WorkbookBuilder(path, report_date=dt.date(2026, 11, 5)) as book:
        book.add_table("Serials", SERIALS, [("00042", 1, 1.0)], title_rows=["A title"])
    ws = openpyxl.load_workbook(path)["Serials"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"
    assert ws.oddFooter.left.text == "R&&D.xlsx"  # & doubled: it is a control character in a footer
    assert ws.oddFooter.center.text == "&A, report date 2026-11-05"
    assert ws.oddFooter.right.text == "Page &P of &N"


def test_column_spec__a_misspelt_kind_is_refused_not_written_as_general() -> None:
    from serialtrack.exporters.xlsx import ColumnSpec, Formula

    assert ColumnSpec("Serial").kind == "text"
    for kind in ("TEXT", "txt", None):
        with pytest.raises(ValueError, match="unknown kind"):
            ColumnSpec("Serial", kind)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown kind"):
        Formula("=SUM(Lines[Value])", 1, "Money")  # type: ignore[arg-type]
    assert Formula("=SUM(Lines[Value])", 1).kind is None

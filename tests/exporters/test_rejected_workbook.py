"""The rejected-file workbook, checked by reopening it with openpyxl (and LibreOffice when installed)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from serialtrack.exporters.rejected import ERROR_FILL, GridSheet, write_rejected
from serialtrack.records import Issue, Severity, Source

try:
    from workbook_checks import assert_no_unexpected_formulas, dump_cells
except ImportError:  # tests/ is not on sys.path unless a conftest or pytest's pythonpath puts it there
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from workbook_checks import assert_no_unexpected_formulas, dump_cells

pytestmark = pytest.mark.filterwarnings("error")

FILE = "PL-0425.xlsx"
SHEET = "Packing List"
EVIL = '=HYPERLINK("http://evil","click")'
RED = "FF" + ERROR_FILL.lstrip("#").upper()


def _packing_list() -> GridSheet:
    return GridSheet(
        SHEET,
        [
            ["Packing list PL-0425", None, None, None],
            [],
            ["Line", "Item", "Qty", "Serial"],
            [1, "ITEM-1", 2, "00042"],
            [2, "ITEM-2", 1, EVIL],
            [3, "ITEM-3", dt.datetime(2024, 5, 1), "1E5"],
            [4, "+1", -2.5, "134593568"],
        ],
        header_row=3,
    )


def _at(row: int | None = None, column: int | None = None, sheet: str | None = SHEET) -> Source:
    return Source(FILE, sheet, row, column)


ISSUES = [
    Issue("serial-in-stock", "serial 00042 is already in stock (lot PO-60006)", _at(4, 4)),
    Issue("serial-count-mismatch", "2 serials for qty 1", _at(5)),
    Issue("qty-not-number", "quantity must be a number", _at(6, 3)),
    Issue("serial-duplicate", "serial 00042 appears twice in this file", _at(4, 4)),
    Issue("no-kind-matched", "no importer recognised the file", Source(FILE)),
    Issue("sheet-ignored", "sheet Ghost was not read", _at(3, 2, sheet="Ghost")),
    Issue("serial-missing", "serial missing", _at(9, 4), Severity.WARNING),
]


@pytest.fixture
def rejected(tmp_path: Path) -> Path:
    path = tmp_path / "PL-0425.rejected.xlsx"
    notes = GridSheet("It's notes", [["free text"], [EVIL]], header_row=None)
    write_rejected(
        path, file_name=FILE, issues=ISSUES, sheets=[_packing_list(), notes], notes=["Fix and drop again."]
    )
    return path


def _error_rows(ws: Any) -> list[dict[str, Any]]:
    table = ws.tables["Errors"]
    first, last = table.ref.split(":")
    header = ws[first].row
    names = [c.name for c in table.tableColumns]
    return [
        {name: ws.cell(r, i + 1) for i, name in enumerate(names)} for r in range(header + 1, ws[last].row + 1)
    ]


def test_rejected__sheets_in_order_errors_first(rejected: Path) -> None:
    assert openpyxl.load_workbook(rejected).sheetnames == ["Errors", SHEET, "It's notes"]
    assert [p.name for p in rejected.parent.iterdir()] == [rejected.name]


def test_rejected__errors_sheet_header_counts_and_table(rejected: Path) -> None:
    ws = openpyxl.load_workbook(rejected)["Errors"]
    assert ws["A1"].value == f"File: {FILE}"
    assert ws["A2"].value == "Errors: 6, warnings: 1"
    assert ws["A3"].value == "Fix and drop again."
    assert ws["A4"].value == "By code (count, first at):"
    assert [ws.cell(r, 1).value for r in range(5, 11)] == [  # ties in the order the table lists them
        "no-kind-matched: 1, first at the file",
        "serial-in-stock: 1, first at Packing List!D4",
        "serial-duplicate: 1, first at Packing List!D4",
        "serial-count-mismatch: 1, first at Packing List row 5",
        "qty-not-number: 1, first at Packing List!C6",
        "serial-missing: 1, first at Packing List!D9",
    ]
    assert ws["A11"].value == "sheet-ignored: 1, first at Ghost!B3"
    table = ws.tables["Errors"]
    assert table.ref == f"A13:E{13 + len(ISSUES)}"
    assert [c.value for c in ws[13]] == ["Cell", "Message", "Code", "Row", "Sheet"]
    assert [c.name for c in table.tableColumns] == ["Cell", "Message", "Code", "Row", "Sheet"]
    assert ws.freeze_panes == "A14"
    assert ws["A13"].font.b and ws["A13"].fill.fgColor.rgb == "FFD9E1F2" and ws["A13"].border.bottom.style


def test_rejected__errors_listed_file_level_first_then_by_cell(rejected: Path) -> None:
    rows = _error_rows(openpyxl.load_workbook(rejected)["Errors"])
    listed = [(r["Sheet"].value, r["Cell"].value, r["Row"].value, r["Code"].value) for r in rows]
    assert listed == [
        (None, None, None, "no-kind-matched"),
        (SHEET, "D4", 4, "serial-in-stock"),
        (SHEET, "D4", 4, "serial-duplicate"),
        (SHEET, "E5", 5, "serial-count-mismatch"),  # the row's Errors cell,
        (SHEET, "C6", 6, "qty-not-number"),
        (SHEET, "D9", 9, "serial-missing"),
        ("Ghost", "B3", 3, "sheet-ignored"),
    ]
    assert rows[1]["Message"].alignment.wrap_text
    assert rows[1]["Row"].data_type == "n"


def test_rejected__links_point_at_the_copied_cell(rejected: Path) -> None:
    rows = _error_rows(openpyxl.load_workbook(rejected)["Errors"])
    links = [r["Cell"].hyperlink.location if r["Cell"].hyperlink else None for r in rows]
    assert links == [
        None,  # file-level: nothing to point at
        "'Packing List'!D4",
        "'Packing List'!D4",
        "'Packing List'!E5",  # row issue: the row's Errors cell
        "'Packing List'!C6",
        "'Packing List'!D9",
        None,  # sheet not copied
    ]
    assert rows[1]["Cell"].value == "D4"


def test_rejected__copy_keeps_values_types_and_addresses(rejected: Path) -> None:
    ws = openpyxl.load_workbook(rejected)[SHEET]
    assert ws["A1"].value == "Packing list PL-0425"
    assert [c.value for c in ws[3]] == ["Line", "Item", "Qty", "Serial", "Errors"]
    assert ws["A4"].value == 1 and ws["A4"].data_type == "n"
    assert ws["D4"].value == "00042" and ws["D4"].data_type == "s"
    assert ws["D6"].value == "1E5" and ws["D7"].value == "134593568" and ws["D7"].data_type == "s"
    assert ws["C6"].value == dt.datetime(2024, 5, 1) and ws["C6"].number_format == "yyyy-mm-dd"
    assert ws["C7"].value == -2.5
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:E9"


def test_rejected__formula_like_text_kept_exactly_as_quote_prefixed_text(rejected: Path) -> None:
    assert_no_unexpected_formulas(rejected)
    book = openpyxl.load_workbook(rejected)
    assert book[SHEET]["D5"].value == EVIL and book[SHEET]["D5"].data_type == "s"
    assert book[SHEET]["D5"].quotePrefix
    assert book[SHEET]["B7"].value == "+1" and book[SHEET]["B7"].quotePrefix
    assert book["It's notes"]["A2"].value == EVIL and book["It's notes"]["A2"].quotePrefix


def test_rejected__offending_cells_filled_and_commented(rejected: Path) -> None:
    ws = openpyxl.load_workbook(rejected)[SHEET]
    assert ws["D4"].fill.fgColor.rgb == RED
    assert ws["D4"].comment.text == (
        "serial 00042 is already in stock (lot PO-60006)\nserial 00042 appears twice in this file"
    )
    assert ws["D4"].comment.author == "serialtrack"
    assert ws["C6"].fill.fgColor.rgb == RED and ws["C6"].comment.text == "quantity must be a number"
    assert ws["D9"].value is None and ws["D9"].fill.fgColor.rgb == RED  # blank cell past the data
    assert ws["B4"].fill.fgColor.rgb != RED and ws["B4"].comment is None
    assert ws["E5"].fill.fgColor.rgb == RED  # row-level issue: the Errors cell is filled
    assert ws["E4"].fill.fgColor.rgb != RED


def test_rejected__errors_column_lists_each_rows_messages(rejected: Path) -> None:
    ws = openpyxl.load_workbook(rejected)[SHEET]
    assert ws["E4"].value == (
        "D4: serial 00042 is already in stock (lot PO-60006)\nD4: serial 00042 appears twice in this file"
    )
    assert ws["E5"].value == "2 serials for qty 1"
    assert ws["E6"].value == "C6: quantity must be a number"
    assert ws["E7"].value is None
    assert ws["E9"].value == "D9: serial missing"


def test_rejected__numbers_sit_at_the_top_of_a_tall_row_like_the_text_beside_them(rejected: Path) -> None:
    """Row 4 is two lines tall (two messages in its Errors cell): its numbers, unmarked (A4, C4) or marked
    (C6 on its own row), and those of a row with nothing to mark (A7, C7, written whole), are top-aligned, as
    its text is, and keep the General number format."""
    ws = openpyxl.load_workbook(rejected)[SHEET]
    assert ws.row_dimensions[4].height and ws.row_dimensions[4].height > 15
    for ref in ("A4", "C4", "B4", "D4", "E4", "A6", "A7", "C7", "B7"):
        assert ws[ref].alignment.vertical == "top", ref
    assert ws["A4"].number_format == "General" and ws["C7"].number_format == "General"
    assert ws["C6"].number_format == "yyyy-mm-dd" and ws["C6"].alignment.vertical == "top"


def test_rejected__sheet_without_issues_or_header_still_copied(rejected: Path) -> None:
    ws = openpyxl.load_workbook(rejected)["It's notes"]
    assert ws["A1"].value == "free text" and ws["B1"].value == "Errors"
    assert ws.freeze_panes == "A2"


def test_rejected__existing_errors_column_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "again.rejected.xlsx"
    grid = GridSheet(
        SHEET,
        [["Serial", "Qty", "Errors"], ["00042", 1, "old message"], ["00043", 2, "old too"]],
        header_row=1,
        error_column=3,
    )
    issue = Issue("qty-too-high", "quantity 2 exceeds the order", _at(3, 2))
    write_rejected(path, file_name=FILE, issues=[issue], sheets=[grid])
    ws = openpyxl.load_workbook(path)[SHEET]
    assert [c.value for c in ws[1]] == ["Serial", "Qty", "Errors"]
    assert ws["C2"].value is None
    assert ws["C3"].value == "B3: quantity 2 exceeds the order"
    assert ws.max_column == 3


def test_rejected__header_row_issue_goes_to_the_errors_header_comment(tmp_path: Path) -> None:
    path = tmp_path / "h.rejected.xlsx"
    grid = GridSheet(SHEET, [["Serial", "Qty"], ["1", 1]], header_row=1)
    issue = Issue("column-missing", "column Cost is missing", _at(1))
    write_rejected(path, file_name=FILE, issues=[issue], sheets=[grid])
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws["C1"].value == "Errors"
    assert ws["C1"].fill.fgColor.rgb == RED and ws["C1"].comment.text == "column Cost is missing"


def test_rejected__awkward_sheet_names_quoted_and_sanitised(tmp_path: Path) -> None:
    path = tmp_path / "n.rejected.xlsx"
    sheets = [
        GridSheet("It's", [["a", "b"]], header_row=1),
        GridSheet("Errors", [["a"]], header_row=1),
        GridSheet("PL/0425 [v2]", [["a"]], header_row=1),
    ]
    issues = [
        Issue("x", "bad b", _at(1, 2, sheet="It's")),
        Issue("y", "bad a", _at(1, 1, sheet="Errors")),
        Issue("z", "bad a", _at(1, 1, sheet="PL/0425 [v2]")),
    ]
    write_rejected(path, file_name=FILE, issues=issues, sheets=sheets)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Errors", "It's", "Errors (2)", "PL_0425 _v2_"]
    rows = _error_rows(book["Errors"])
    assert [r["Sheet"].value for r in rows] == ["It's", "Errors (2)", "PL_0425 _v2_"]
    assert [r["Cell"].hyperlink.location for r in rows] == [
        "'It''s'!B1",
        "'Errors (2)'!A1",
        "'PL_0425 _v2_'!A1",
    ]


def test_rejected__no_issues_on_sheets_and_no_sheets(tmp_path: Path) -> None:
    path = tmp_path / "f.rejected.xlsx"
    write_rejected(
        path, file_name="x.csv", issues=[Issue("unreadable", "not a spreadsheet", Source("x.csv"))], sheets=[]
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Errors"]
    assert dump_cells(path)["Errors"] == {
        "A1": "File: x.csv",
        "A2": "Errors: 1",
        "A3": "By code (count, first at):",
        "A4": "unreadable: 1, first at the file",
        "A6": "Cell",
        "B6": "Message",
        "C6": "Code",
        "D6": "Row",
        "E6": "Sheet",
        "B7": "not a spreadsheet",
        "C7": "unreadable",
    }


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed"
)
def test_rejected__opens_in_libreoffice(rejected: Path, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    out = tmp_path / "csv"
    subprocess.run(
        [office, "--headless", "--convert-to", "csv", "--outdir", str(out), str(rejected)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (out / "PL-0425.rejected.csv").read_text(encoding="utf-8", errors="replace")
    assert "File: PL-0425.xlsx" in text and "serial-in-stock" in text


def test_rejected__long_sheet_streams_row_by_row_with_every_mark_in_place(tmp_path: Path) -> None:
    """The copy is written one row at a time: marks at the top, the middle, the last row, past a row's values
    and past the sheet's last row all land, with their comments, fills, Errors cells and heights."""
    rows: list[list[Any]] = [["Item", "Qty", "Serial"]]
    rows += [["CAM-1", 1, f"SN{n:06d}"] for n in range(1, 20_001)]
    rows[15_000] = ["CAM-1"]  # a short row: its Serial cell is empty
    grid = GridSheet(SHEET, rows, header_row=1)
    long_message = "the serial is missing; " * 8
    issues = [
        Issue("serial-duplicate", "serial SN000001 appears again", _at(2, 3)),
        Issue("serial-missing", long_message, _at(15_001, 3)),
        Issue("row-odd", "this row holds a second line", _at(10_000)),
        Issue("serial-duplicate", "serial SN020000 appears again", _at(20_001, 3)),
        Issue("serial-missing", "a serial is missing below the data", _at(20_005, 2)),
    ]
    path = tmp_path / "long.rejected.xlsx"
    write_rejected(path, file_name=FILE, issues=issues, sheets=[grid])

    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.max_row == 20_005 and ws["D1"].value == "Errors"
    assert ws["C2"].value == "SN000001" and ws["C2"].fill.fgColor.rgb == RED
    assert ws["C2"].comment.text == "serial SN000001 appears again"
    assert ws["C15001"].value is None and ws["C15001"].fill.fgColor.rgb == RED
    assert ws["C15001"].comment.text == long_message
    assert ws["D15001"].value == f"C15001: {long_message}"
    assert ws.row_dimensions[15_001].height and ws.row_dimensions[15_001].height > 15
    assert ws["D10000"].value == "this row holds a second line" and ws["D10000"].fill.fgColor.rgb == RED
    assert ws["C20001"].comment.text == "serial SN020000 appears again"
    assert ws["B20005"].fill.fgColor.rgb == RED and ws["D20005"].value == "B20005: a serial is missing below the data"
    assert ws["A19999"].value == "CAM-1" and ws["B19999"].value == 1 and ws["C19999"].value == "SN019998"
    assert ws["C3"].comment is None and ws["C3"].fill.fgColor.rgb != RED
    assert ws.auto_filter.ref == "A1:D20005" and ws.freeze_panes == "A2"


class _CellByCell:
    """A row stream that refuses every row, so the copy is written cell by cell (the reference)."""

    def write(self, *_args: Any) -> bool:
        return False


def _copy_cells(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)[SHEET]
    cells = [(c.coordinate, c.value, c.data_type, c.number_format, c.quotePrefix, c.fill.fgColor.rgb)
             for row in ws.iter_rows() for c in row if c.value is not None or c.has_style]
    widths = {key: round(dim.width or 0, 2) for key, dim in ws.column_dimensions.items()}
    return [*cells, ("dims", ws.dimensions, ws.freeze_panes, ws.auto_filter.ref, tuple(sorted(widths.items())))]


def test_rejected__plain_rows_written_whole_give_the_same_copy_as_cell_by_cell(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[list[Any]] = [
        ["Title of the list"], [],
        ["Item", "Qty", "Serial", "Note"],
        ["CAM-1", 1, "00042", "plain"],
        ["CAM-1", 2.5, EVIL, "  padded  "],
        ["CAM-1", 3, "SN\u00e9\u4e2d", "a & b <c>"],
        ["CAM-1", None, "_x0041_ literal", "x" * 40_000],  # Excel's text limit: cut by xlsxwriter, both ways
        ["CAM-1", True, dt.date(2026, 11, 25), 1e20],
        [None, None, None, None],
        ["CAM-2", 4, "SN5"],
        ["CAM-2", 5, "SN6", "marked row"],
    ]
    grid = GridSheet(SHEET, rows, header_row=3)
    issues = [Issue("qty-not-number", "quantity must be a number", _at(11, 2))]
    fast = write_rejected(tmp_path / "fast.rejected.xlsx", file_name=FILE, issues=issues, sheets=[grid])
    monkeypatch.setattr("serialtrack.exporters.xlsx.WorkbookBuilder.row_stream", lambda *_: _CellByCell())
    slow = write_rejected(tmp_path / "slow.rejected.xlsx", file_name=FILE, issues=issues, sheets=[grid])

    assert _copy_cells(fast) == _copy_cells(slow)
    ws = openpyxl.load_workbook(fast)[SHEET]
    assert ws["C5"].value == EVIL and ws["C5"].data_type == "s" and ws["C5"].quotePrefix
    assert ws["B5"].value == 2.5 and ws["D7"].value == "x" * 32_767
    assert_no_unexpected_formulas(fast)


def test_rejected__comments_stop_at_the_cap_every_mark_still_filled_and_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet wrong on every row gets comments on its first marked cells only (a million comment shapes make
    a workbook Excel cannot open in reasonable time); every mark is still filled and listed, and the titles say
    so. Errors-table links stop at the cap too and name the cell as text."""
    monkeypatch.setattr("serialtrack.exporters.rejected.MAX_LINKS_PER_SHEET", 12)
    rows: list[list[Any]] = [["Item", "Qty", "Serial"], *(["CAM-1", "x", f"SN{n}"] for n in range(1, 31))]
    issues = [Issue("qty-not-number", f"quantity x on row {r} is not a number", _at(r, 2)) for r in range(2, 32)]
    path = write_rejected(tmp_path / "many.rejected.xlsx", file_name=FILE, issues=issues,
                          sheets=[GridSheet(SHEET, rows, header_row=1)], most_comments=10)

    book = openpyxl.load_workbook(path)
    ws = book[SHEET]
    commented = [r for r in range(2, 32) if ws.cell(r, 2).comment is not None]
    assert commented == list(range(2, 12))
    assert all(ws.cell(r, 2).fill.fgColor.rgb == RED for r in range(2, 32))
    assert ws["D31"].value == "B31: quantity x on row 31 is not a number"
    titles = [c.value for c in book["Errors"]["A"] if c.value]
    assert f"Sheet {SHEET}: 30 cells are marked; the first 10 have a comment, and every one is filled and " \
           "listed in its row's Errors cell" in titles
    table = _error_rows(book["Errors"])
    assert len(table) == 30
    assert [row["Cell"].hyperlink is not None for row in table] == [True] * 12 + [False] * 18
    assert table[12]["Cell"].value == "B14" and table[29]["Cell"].value == "B31"


def test_rejected__few_marks_no_cap_note(rejected: Path) -> None:
    titles = [c.value for c in openpyxl.load_workbook(rejected)["Errors"]["A"] if c.value]
    assert not any("have a comment" in str(t) for t in titles)

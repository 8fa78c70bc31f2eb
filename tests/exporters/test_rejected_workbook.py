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

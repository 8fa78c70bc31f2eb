"""Excel habits of the reconciliation workbook, read back with openpyxl as Excel would see the file: one named
table per sheet with filters, a frozen header, fitted widths, dates as dates, money with two decimals,
serials as text, text from files neutralised, and formulas only in the Summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from reconcile_drops import DAY, FILES, RUN_AT, drop_history
from support.books import workbook
from workbook_checks import assert_no_unexpected_formulas

from serialtrack.exporters.reconciliation_sheets import (
    ACTIVITY_COLUMNS,
    COGS_COLUMNS,
    EXCEPTION_COLUMNS,
    LOT_COLUMNS,
    SERIAL_COLUMNS,
    VALUATION_COLUMNS,
)
from serialtrack.kinds.registry import reversal_for
from serialtrack.ledger.reverse_store import reverse_batch
from serialtrack.service.context import Context
from serialtrack.service.pipeline import process_file
from serialtrack.service.reconcile import reconcile

SHEETS = {"Summary": "Summary", "Open POs": "OpenPOs", "Open SOs": "OpenSOs", "Lots": "Lots",
          "Serials on hand": "SerialsOnHand", "Exceptions": "Exceptions", "Activity": "Activity",
          "Valuation": "Valuation", "COGS": "COGS", "Roll-forward": "RollForward", "Warranties": "Warranties"}


@pytest.fixture
def book(dropped: Context) -> Any:
    path = reconcile(dropped, DAY).workbook
    wb = openpyxl.load_workbook(path)
    wb.path = path  # type: ignore[attr-defined]
    yield wb
    wb.close()


#: The golden scenario, plus what fills the columns it leaves empty: a packing-list number (Lots) and, on the
#: report date, a shipment reversed with a reason (Activity's Note and Reverses, COGS's Reverses).
EXTRA_FILES = [
    ("PL-0441.xlsx", "receiving", dt.date(2026, 11, 21), ["PO", "Item", "Qty", "Serials", "Packing List"],
     [["60007", "CAM-100", 1, "SN0102", "PL-0441"]]),
]
WRONG_SHIPMENT = ["SO #", "Item", "Qty", "Serials", "Ship Date"], [["5002", "CAM-100", 1, "00046", DAY]]


@pytest.fixture
def full_book(home: Path, tmp_path: Path) -> Any:
    ctx = drop_history(home, tmp_path / "files", FILES + EXTRA_FILES)
    try:
        ctx.clock.now = dt.datetime.combine(DAY, dt.time(11, 0), tzinfo=dt.UTC)  # type: ignore[attr-defined]
        header, rows = WRONG_SHIPMENT
        shipped = process_file(ctx, workbook(tmp_path / "SHIP-5002B.xlsx", header, rows), kind="shipping")
        assert shipped.status == "posted" and shipped.batch, shipped.errors
        reverse_batch(ctx.store, shipped.batch, reversal_for, reason="wrong unit picked", run_by="operator")
        ctx.clock.now = RUN_AT  # type: ignore[attr-defined]
        path = reconcile(ctx, DAY).workbook
    finally:
        ctx.close()
    wb = openpyxl.load_workbook(path)
    yield wb
    wb.close()


def _header_row(ws: Any) -> int:
    [table] = ws.tables.values()
    return int(ws[table.ref.split(":")[0]].row)


def _last_row(ws: Any) -> int:
    [table] = ws.tables.values()
    return int(ws[table.ref.split(":")[1]].row)


def _column(ws: Any, header: str) -> list[Any]:
    """The cells of the table's column ``header`` (its data rows, not the totals row under the table)."""
    row = _header_row(ws)
    headers = [c.value for c in ws[row]]
    index = headers.index(header) + 1
    return [ws.cell(r, index) for r in range(row + 1, _last_row(ws) + 1)
            if ws.cell(r, index).value is not None]


def test_reconcile_habits__one_named_table_per_sheet_with_filter_and_frozen_header(book: Any) -> None:
    assert book.sheetnames == list(SHEETS)
    for sheet, table_name in SHEETS.items():
        ws = book[sheet]
        assert list(ws.tables) == [table_name], sheet
        table = ws.tables[table_name]
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref, sheet
        header = _header_row(ws)
        assert ws.freeze_panes == f"A{header + 1}", sheet
        names = [c.name for c in table.tableColumns]
        assert names == [ws.cell(header, i + 1).value for i in range(len(names))], sheet
        for index in range(1, len(names) + 1):
            letter = openpyxl.utils.get_column_letter(index)
            width = ws.column_dimensions[letter].width
            # the Summary's Figure labels are set wide on purpose, so each stays on one printed line
            cap = 85 if (sheet, letter) == ("Summary", "A") else 61
            assert width and 5 <= width <= cap, (sheet, letter, width)


def test_reconcile_habits__widths_fit_the_longest_value(book: Any) -> None:
    ws = book["Exceptions"]
    sentences = _column(ws, "What To Do")
    assert 45 <= ws.column_dimensions["J"].width < 46  # long sentences: capped (xlsxwriter adds padding)
    assert all(c.alignment.wrap_text for c in sentences)  # ... and wrapped
    serials = _column(ws, "Serial")
    assert ws.column_dimensions["E"].width >= max(len(c.value) for c in serials)
    assert sentences


@pytest.mark.parametrize(("sheet", "columns"), [
    ("Lots", LOT_COLUMNS), ("Serials on hand", SERIAL_COLUMNS), ("Activity", ACTIVITY_COLUMNS),
    ("Valuation", VALUATION_COLUMNS), ("COGS", COGS_COLUMNS), ("Exceptions", EXCEPTION_COLUMNS)])
def test_reconcile_habits__formats_follow_the_column_kind(full_book: Any, sheet: str, columns: Any) -> None:
    """Every column holds at least one value (the scenario plus a packing-list number and a reversed
    shipment), so no column's format goes unchecked."""
    ws = full_book[sheet]
    assert [spec.header for spec in columns if not _column(ws, spec.header)] == [], sheet
    formats = {"money": "#,##0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "text": "@"}
    for spec in columns:
        for cell in _column(ws, spec.header):
            assert cell.number_format == formats[spec.kind], (sheet, spec.header, cell.coordinate)
            if spec.kind in ("date", "datetime"):
                assert isinstance(cell.value, dt.datetime), (sheet, spec.header, cell.value)
            elif spec.kind in ("money", "int"):
                assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
            else:
                assert cell.data_type == "s", (sheet, spec.header, cell.coordinate)


def test_reconcile_habits__serials_are_text_whatever_they_look_like(book: Any) -> None:
    serials = {c.value: c for c in _column(book["Serials on hand"], "Serial")}
    assert {"00043", "00046", "1E5", "134593568", "SN0100"} <= set(serials)
    for cell in serials.values():
        assert cell.data_type == "s" and cell.number_format == "@"


def test_reconcile_habits__text_from_files_exact_and_formulas_only_where_written(book: Any) -> None:
    assert_no_unexpected_formulas(book.path, allowed_sheets=list(SHEETS))  # text that looks like a formula
    customers = [c for c in _column(book["Open SOs"], "Customer")]
    assert [c.value for c in customers] == ["@Fabrikam"] and customers[0].quotePrefix
    files = {c.value for c in _column(book["Lots"], "Source File")}
    assert "=PL-0431.xlsx" in files
    descriptions = {c.value for c in _column(book["Valuation"], "Description")}
    assert "+1 kit, 9 parts" in descriptions
    for sheet in SHEETS:
        if sheet in ("Summary", "Roll-forward"):
            continue
        ws = book[sheet]
        formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert all(c.row == _last_row(ws) + 1 and c.value.startswith("=SUBTOTAL(109,") for c in formulas), sheet


def test_reconcile_habits__summary_figures_are_formulas_over_the_tables(book: Any) -> None:
    ws = book["Summary"]
    quantities, money = _column(ws, "Quantity"), _column(ws, "Amount")
    assert len(quantities) == 27 and len(money) == 18
    for cell in quantities + money:
        assert cell.data_type == "f" and cell.value.startswith("="), cell.coordinate
    assert all(c.number_format == "#,##0.00" for c in money)
    assert all(c.number_format == "0" for c in quantities)
    tables = {name for name in SHEETS.values() if name != "Summary"}
    referenced = {name for c in quantities + money for name in tables if f"{name}[" in c.value}
    assert referenced == tables


def test_reconcile_habits__titles_say_what_each_sheet_holds(book: Any, dropped: Context) -> None:
    assert book["Summary"]["A1"].value == "Reconciliation for 2026-11-25"
    assert book["COGS"]["A1"].value.startswith("Cost of goods sold from 2026-11-01 to 2026-11-25")
    assert book.active.title == "Summary"


def test_reconcile_habits__file_is_a_valid_zip_with_no_temp_left(dropped: Context) -> None:
    out = reconcile(dropped, DAY)
    leftovers = [p.name for p in Path(out.workbook).parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_reconcile_habits__every_sheet_prints_landscape_one_page_wide_with_header_and_footer(book: Any) -> None:
    for sheet in SHEETS:
        ws = book[sheet]
        header = _header_row(ws)
        assert ws.page_setup.orientation == "landscape", sheet
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), sheet
        assert ws.page_setup.fitToHeight == 0, sheet
        assert ws.print_title_rows == f"${header}:${header}", sheet
        footer = ws.oddFooter
        assert footer.left.text == "reconciliation-2026-11-25.xlsx", sheet
        assert footer.center.text == "&A, report date 2026-11-25" and footer.right.text == "Page &P of &N", sheet
        cell = ws.cell(header, 1)
        assert cell.font.b and cell.fill.fgColor.rgb == "FFD9E1F2" and cell.border.bottom.style, sheet


def test_reconcile_habits__no_number_stored_as_text_triangles_over_text_columns(book: Any) -> None:
    import zipfile

    with zipfile.ZipFile(book.path) as z:
        serials = z.read(f"xl/worksheets/sheet{list(SHEETS).index('Serials on hand') + 1}.xml").decode()
    # Serial, Item, Office, Bin, Lot (text) then Lot ID (a number), Received Date...
    assert '<ignoredError sqref="A4:E' in serials and 'numberStoredAsText="1"' in serials


def test_reconcile_habits__summary_checks_turn_red_when_not_zero(book: Any) -> None:
    ws = book["Summary"]
    checks = [c.row for c in _column(ws, "Figure") if c.value.startswith("Check:")]
    assert len(checks) == 4
    ranges = {str(r.sqref): [rule for rule in r.rules] for r in ws.conditional_formatting}
    for row in checks:
        [rule] = ranges[f"B{row}:C{row}"]
        assert rule.operator == "notEqual" and rule.formula == ["0"]
        assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    sources = _column(ws, "Source")
    assert sources and all(c.hyperlink is not None and c.hyperlink.location for c in sources)

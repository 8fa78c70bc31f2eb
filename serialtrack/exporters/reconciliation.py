"""The nightly reconciliation workbook: ``reconciliation-<date>.xlsx`` (and, on request, the same as CSV).

Sheets, in order: Summary, Open POs, Open SOs, Lots, Serials on hand, Exceptions, Activity, Valuation, COGS,
Roll-forward, Warranties (see ``reconciliation_sheets`` for their columns). Balances are as of the end of the report's
day. Tables with money get a totals row (``SUBTOTAL(109,Table[Col])``: it follows a filter); each Summary
figure's Source is a link to its sheet, and its check rows (0 when the sheets agree) turn red when not 0. Every data sheet is one Excel table with a fixed name; each
figure of the Summary is a formula over those tables (``=SUM(Lots[Current Value])``), written with the value
it computes to as its cached result, so Excel, LibreOffice and openpyxl show it before any recalculation and
an accountant can click through to where it comes from.

The Summary comes first but is written last: its sheet is reserved before the data sheets stream through
(constant memory), while a :class:`Tally` adds up the columns the Summary totals. A data sheet longer than
Excel's row limit continues on ``Name (2)``; its totals then add the tables of every part, and the Summary
says the sheet was split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from serialtrack.exporters import xlsx
from serialtrack.exporters.csv_tables import CsvFolder
from serialtrack.exporters.reconciliation_sheets import DataSheet
from serialtrack.exporters.xlsx import (
    Cell,
    ColumnSpec,
    Formula,
    Link,
    SheetResult,
    WorkbookBuilder,
    internal_link,
)
from serialtrack.ledger.reconcile_checks import KINDS
from serialtrack.ledger.reconcile_queries import Period

SUMMARY_COLUMNS = [ColumnSpec("Figure", "text", width=84), ColumnSpec("Quantity", "int", width=11),
                   ColumnSpec("Amount", "money", width=14), ColumnSpec("Source", "text", width=52)]
#: Check rows start with this word; conditional formatting turns their figures red when not 0.
CHECK = "Check:"
#: Excel's "Light Red Fill with Dark Red Text" preset.
CHECK_RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}


@dataclass
class Tally:
    """Running totals of one sheet's rows as they stream past: row count, sums of chosen columns, and both
    again per value of its ``group_by`` column."""

    sheet: DataSheet
    rows: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    group_sums: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def tap(self, rows: Iterable[Sequence[Cell]]) -> Iterator[Sequence[Cell]]:
        headers = [c.header for c in self.sheet.columns]
        summed = [(h, headers.index(h)) for h in self.sheet.sums]
        group = headers.index(self.sheet.group_by) if self.sheet.group_by else None
        sums = self.sums = {h: Decimal(0) for h, _ in summed}
        for row in rows:
            self.rows += 1
            key = str(row[group]) if group is not None else None
            if key is not None:
                self.groups[key] = self.groups.get(key, 0) + 1
            for header, index in summed:
                value = row[index]
                if value is None:
                    continue
                amount = value if isinstance(value, Decimal) else Decimal(str(value))
                sums[header] += amount
                if key is not None:
                    self.group_sums[(header, key)] = self.group_sums.get((header, key), Decimal(0)) + amount
            yield row

    def sum_if(self, header: str, key: str) -> Decimal:
        return self.group_sums.get((header, key), Decimal(0))


@dataclass(frozen=True)
class WrittenSheet:
    sheet: DataSheet
    result: SheetResult
    tally: Tally

    def refs(self, column: str) -> list[str]:
        """``Table[Column]`` for each part of the (possibly split) table."""
        return [f"{table}[{column}]" for table in self.result.table_names]


@dataclass(frozen=True)
class ReconciliationOutput:
    workbook: Path
    sheets: tuple[SheetResult, ...]
    csv_folder: Path | None = None

    @property
    def split(self) -> list[SheetResult]:
        return [s for s in self.sheets if s.split]


def _number(value: Decimal | int) -> float | int:
    """A cached value as Excel stores it: whole numbers as ints (a quantity), the rest as floats."""
    if isinstance(value, int) or value == value.to_integral_value():
        return int(value)
    return float(value)


def _total(sheet: WrittenSheet, column: str, *, count: bool = False) -> Formula:
    function = "COUNTA" if count else "SUM"
    cached = sheet.tally.rows if count else sheet.tally.sums[column]
    return Formula(f"={function}({','.join(sheet.refs(column))})", _number(cached))


def _sum_if(sheet: WrittenSheet, column: str, by: str, key: str) -> str:
    return "+".join(f'SUMIFS({table}[{column}],{table}[{by}],"{key}")' for table in sheet.result.table_names)


def _count_if(sheet: WrittenSheet, column: str, key: str) -> Formula:
    expression = "+".join(f'COUNTIF({ref},"{key}")' for ref in sheet.refs(column))
    return Formula(f"={expression}", sheet.tally.groups.get(key, 0))


def _round(expression: str) -> str:
    """A check's difference rounded to the cent, so binary fractions never show as a non-zero difference."""
    return f"=ROUND({expression},2)"


def _source(sheet: WrittenSheet, text: str) -> Link:
    return Link(internal_link(sheet.result.names[0], "A1"), text)


def summary_rows(period: Period, written: dict[str, WrittenSheet]) -> list[list[Cell]]:
    """The Summary's rows: (figure, quantity, amount, where it comes from); formulas over the tables."""
    po, so, lots, serials = written["OpenPOs"], written["OpenSOs"], written["Lots"], written["SerialsOnHand"]
    val, cogs, act, exc = written["Valuation"], written["COGS"], written["Activity"], written["Exceptions"]
    rf = written["RollForward"]
    rf_sums = rf.tally.sums
    closing = (rf_sums["Opening Value"] + rf_sums["Receipts"] - rf_sums["COGS"] - rf_sums["Adjustments"]
               - rf_sums["Vendor Returns"] + rf_sums["Reversals"])
    serial_gap_qty = lots.tally.sum_if("Remaining", "Y") - serials.tally.rows
    serial_gap_value = lots.tally.sum_if("Current Value", "Y") - serials.tally.sums["Unit Cost"]
    rows: list[list[Cell]] = [
        ["Open purchase order lines", _total(po, "PO", count=True), None, "Open POs: one row per line"],
        ["Units still to receive on open POs", _total(po, "Remaining"), _total(po, "Remaining Value"),
         "Open POs: Remaining, Remaining Value (at unit cost)"],
        ["Open sales order lines", _total(so, "SO", count=True), None, "Open SOs: one row per line"],
        ["Units still to ship on open SOs", _total(so, "Remaining"), _total(so, "Remaining Value"),
         "Open SOs: Remaining, Remaining Value (at unit price)"],
        ["Lots", _total(lots, "Lot", count=True), None, "Lots: one row per live lot"],
        ["Received into lots (accrued value)", _total(lots, "Received"), _total(lots, "Accrued Value"),
         "Lots: Received, Accrued Value"],
        ["Used (shipped or scrapped, less restocked)", _total(lots, "Used"), _total(lots, "Used Value"),
         "Lots: Used, Used Value"],
        ["Remaining in lots (current value)", _total(lots, "Remaining"), _total(lots, "Current Value"),
         "Lots: Remaining, Current Value"],
        ["Serial units on hand", _total(serials, "Serial", count=True), _total(serials, "Unit Cost"),
         "Serials on hand: rows, Unit Cost"],
        ["Inventory on hand by item and office", _total(val, "On Hand"), _total(val, "Value"),
         "Valuation: On Hand, Value"],
        ["Check: serialized lots' remaining less serial units on hand (0 when they agree)",
         Formula(f"={_sum_if(lots, 'Remaining', 'Serialized', 'Y')}-COUNTA({','.join(serials.refs('Serial'))})",
                 _number(serial_gap_qty)),
         Formula(_round(f"{_sum_if(lots, 'Current Value', 'Serialized', 'Y')}"
                        f"-SUM({','.join(serials.refs('Unit Cost'))})"), _number(serial_gap_value)),
         "Lots where Serialized = Y, against Serials on hand"],
        ["Check: lots' remaining less valuation (0 when they agree)",
         Formula(f"=SUM({','.join(lots.refs('Remaining'))})-SUM({','.join(val.refs('On Hand'))})",
                 _number(lots.tally.sums["Remaining"] - val.tally.sums["On Hand"])),
         Formula(_round(f"SUM({','.join(lots.refs('Current Value'))})-SUM({','.join(val.refs('Value'))})"),
                 _number(lots.tally.sums["Current Value"] - val.tally.sums["Value"])),
         "Lots against Valuation"],
        [f"Inventory value at the start of the period (end of {period.start - dt.timedelta(days=1)})", None,
         _total(rf, "Opening Value"), "Roll-forward: Opening Value"],
        ["Receipts in the period, at lot cost", None, _total(rf, "Receipts"), "Roll-forward: Receipts"],
        ["Reversed receipts in the period", None, _total(rf, "Reversals"), "Roll-forward: Reversals"],
        ["Inventory value at the end of the period (roll-forward closing)", None,
         Formula(f"=SUM({','.join(rf.refs('Closing Value'))})", _number(closing)),
         "Roll-forward: Closing Value"],
        ["Check: roll-forward closing less valuation (0 when they agree)", None,
         Formula(_round(f"SUM({','.join(rf.refs('Closing Value'))})-SUM({','.join(val.refs('Value'))})"),
                 _number(closing - val.tally.sums["Value"])),
         "Roll-forward against Valuation"],
        ["Check: roll-forward COGS less the COGS sheet (0 when they agree)", None,
         Formula(_round(f"SUM({','.join(rf.refs('COGS'))})-SUM({','.join(cogs.refs('COGS'))})"),
                 _number(rf_sums["COGS"] - cogs.tally.sums["COGS"])),
         "Roll-forward against COGS"],
        [f"Cost of goods sold, {period.start.isoformat()} to {period.day.isoformat()}", _total(cogs, "Qty"),
         _total(cogs, "COGS"), "COGS: Qty, COGS"],
        [f"Transactions on {period.day.isoformat()}", _total(act, "Transaction", count=True), None,
         "Activity: one row per transaction"],
        ["Exceptions", _total(exc, "Kind", count=True), None, "Exceptions: one row per exception"],
    ]
    rows.append(["Exceptions: value at risk", None, _total(exc, "Value At Risk"), "Exceptions: Value At Risk"])
    rows += [[f"Exceptions: {kind}", _count_if(exc, "Kind", kind), None, f"Exceptions where Kind = {kind}"]
             for kind in KINDS]
    if "Warranties" in written:
        war = written["Warranties"]
        rows.append(["Warranties ending within the horizon (units)", _total(war, "Serial", count=True),
                     _total(war, "Unit Cost"), "Warranties: one row per unit, Unit Cost"])
    sheets = {w.result.names[0].lower(): w for w in written.values()}
    for row in rows:
        source = row[3]
        if isinstance(source, str):
            sheet = next((w for name, w in sheets.items() if source.lower().startswith(name)), None)
            if sheet is not None:
                row[3] = _source(sheet, source)
    return rows


def summary_titles(period: Period, generated: dt.datetime, sheets: Sequence[SheetResult]) -> list[str]:
    titles = [
        f"Reconciliation for {period.day.isoformat()}",
        f"Generated {generated:%Y-%m-%d %H:%M}. Open orders, lots, serials on hand, valuation and exceptions are "
        f"as of the end of {period.day.isoformat()}, from the transaction history; Activity is the day's, COGS "
        f"and the roll-forward the period's ({period.start.isoformat()} to {period.day.isoformat()}).",
        "Each figure is a formula over the tables of the other sheets: select a cell to see where it comes from.",
    ]
    for result in sheets:
        if result.split:
            titles.append(f"{result.names[0]} has {result.rows:,} rows, more than one Excel sheet holds "
                          f"({xlsx.MAX_SHEET_ROWS:,} rows): it continues on {', '.join(result.names[1:])}, and "
                          f"its totals include every part.")
    return titles


def _csv_name(position: int, title: str) -> str:
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())
    return f"{position:02d}-{slug}.csv"


def write_reconciliation(path: Path, period: Period, sheets: Sequence[DataSheet], *, generated: dt.datetime,
                         csv_folder: Path | None = None) -> ReconciliationOutput:
    """Write the workbook (and the CSV folder when asked), streaming each sheet's rows once."""
    written: dict[str, WrittenSheet] = {}
    with _csv_or_none(csv_folder) as csv, WorkbookBuilder(path, report_date=period.day) as book:
        summary = book.reserve_sheet("Summary")
        for position, sheet in enumerate(sheets, start=2):
            tally = Tally(sheet)
            rows = tally.tap(sheet.rows)
            if csv:
                rows = csv.tap(_csv_name(position, sheet.title), [c.header for c in sheet.columns], rows)
            result = book.add_table(sheet.title, sheet.columns, rows, table_name=sheet.table,
                                    title_rows=(sheet.note,), totals=sheet.totals)
            written[sheet.table] = WrittenSheet(sheet, result, tally)
        results = [w.result for w in written.values()]
        pairs = summary_rows(period, written)
        if csv:
            csv.write(_csv_name(1, "Summary"), [c.header for c in SUMMARY_COLUMNS], pairs)
        titles = summary_titles(period, generated, results)
        head = book.add_table("Summary", SUMMARY_COLUMNS, pairs, table_name="Summary", title_rows=titles,
                              into=summary)
        _red_when_not_zero(book, summary, len(titles) + 2, pairs)
    return ReconciliationOutput(path, (head, *results), csv_folder)


def _red_when_not_zero(book: WorkbookBuilder, ws: object, first_row: int, rows: Sequence[Sequence[Cell]]) -> None:
    """Conditional formatting: a check row's Quantity and Amount turn red when not 0 (``first_row`` 0-based)."""
    red = book.cell_format(extra=CHECK_RED)
    for index, row in enumerate(rows):
        if isinstance(row[0], str) and row[0].startswith(CHECK):
            excel_row = first_row + index
            ws.conditional_format(excel_row, 1, excel_row, 2,  # type: ignore[attr-defined]
                                  {"type": "cell", "criteria": "!=", "value": 0, "format": red})


def _csv_or_none(folder: Path | None) -> AbstractContextManager[CsvFolder | None]:
    """The CSV folder when asked for; it is published after the workbook, and dropped if anything fails."""
    return CsvFolder(folder) if folder else nullcontext(None)

"""Fill-in templates: a workbook a clerk types or scans into and drops back into ``inbox/<kind>/``.

The first sheet holds the header row (row 1, the only row above the data) and, under it, the rows to fill:
prefilled lines of an order when the caller gives them, then empty rows. Text columns (serials, orders,
items, bins...) are formatted as Text (``@``) as the column's format and cell by cell over the first
:data:`FORMATTED_ROWS` rows, so a scanned ``134593568000123`` or a typed ``00042`` stays what was typed. Quantities,
amounts and dates have their number formats and checks. Drop-downs and tooltips cover :data:`TEMPLATE_ROWS`
rows. Required columns have a darker header, a comment, and ``(required)`` in the tooltip each cell shows when selected.
Columns whose values the ledger knows get a drop-down list (data validation) whose values sit on a hidden
``Lists`` sheet; a list the ledger may have outgrown (items, orders, offices) warns and lets another value
in, a closed list (dispositions) refuses it. A second sheet, ``How to fill in``, says what goes where.

Neither extra sheet has a row the reader could take for a header: list titles carry a colon (the reader
skips such cells as title-block labels) and the guide names columns as ``Item (required)``.

The header row is an Excel table over the prefilled rows (one blank row when none); Excel extends it as the
clerk types under it. Frozen header, filters, print setup (landscape, one page wide) as every workbook here.
The file is never written over an existing one: the next free ``-2``, ``-3``... name is taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from xlsxwriter.utility import xl_rowcol_to_cell

from serialtrack.exporters import xlsx_layout as layout
from serialtrack.exporters.xlsx import TABLE_STYLE, Cell, WorkbookBuilder, quote_sheet_name, table_name_for

#: Rows under the header that carry the drop-down lists and tooltips.
TEMPLATE_ROWS = 10_000
#: Rows whose Text cells are written one by one (what programs that ignore a column's format, such as
#: openpyxl, see); past them the column's own Text format holds (what Excel and LibreOffice apply to a cell
#: typed into it). Every cell written costs time in ``init``, which writes a template per kind.
FORMATTED_ROWS = 2_000
#: Required headers: a darker blue than ``layout.HEADER_FILL`` (prints a darker grey).
REQUIRED_FILL = "#9BC2E6"
LISTS_SHEET = "Lists"
GUIDE_SHEET = "How to fill in"

ValueKind = Literal["text", "int", "money", "date", "yesno"]

_NUMBER_FORMATS: dict[str, str] = {"text": "@", "yesno": "@", "int": "0", "money": "#,##0.00",
                                   "date": "yyyy-mm-dd"}
_WRITE_KIND: dict[str, str] = {"text": "text", "yesno": "text", "int": "int", "money": "money", "date": "date"}
_WIDTHS: dict[str, int] = {"text": 16, "yesno": 12, "int": 9, "money": 13, "date": 13}


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template."""

    heading: str
    value: ValueKind = "text"
    required: bool = False
    hint: str = ""
    choices: str | None = None  # the name of a list in ``Template.lists``: a drop-down
    closed: bool = False  # only the listed values are accepted (else Excel warns and lets others in)
    width: int | None = None


@dataclass(frozen=True)
class Template:
    """What a template holds: its data sheet's title and columns, prefilled rows, the drop-down lists and
    the guide's sentences."""

    title: str
    columns: Sequence[TemplateColumn]
    rows: Sequence[Sequence[Cell]] = ()
    lists: Mapping[str, Sequence[str]] = field(default_factory=dict)
    guide: Sequence[str] = ()


def write_template(path: Path, template: Template, *, report_date: dt.date | None = None) -> Path:
    """Write ``template`` to ``path``, or to the next free numbered name when ``path`` exists; never replaces
    a file. Returns the path written."""
    with WorkbookBuilder(path, constant_memory=False, replace=False, report_date=report_date) as book:
        sheet = book.add_sheet(template.title)
        sources = _lists_sheet(book, template)
        _data_sheet(book, sheet, template, sources)
        _guide_sheet(book, template, sheet.name)
        sheet.activate()
    return book.path


def _data_sheet(book: WorkbookBuilder, ws: Any, template: Template, sources: Mapping[str, str]) -> None:
    columns = template.columns
    last = len(columns) - 1
    header_formats = [book.cell_format(extra={**layout.HEADER_PROPS, **({"bg_color": REQUIRED_FILL}
                                                                          if c.required else {})})
                      for c in columns]
    blank_text = book.cell_format("@", extra={"quote_prefix": True, "valign": "top"})
    for col, column in enumerate(columns):
        number_format = _NUMBER_FORMATS[column.value]
        column_format = blank_text if number_format == "@" else book.cell_format(number_format)
        ws.set_column(col, col, column.width or max(_WIDTHS[column.value], len(column.heading) + 4), column_format)
        if column.required:
            ws.write_comment(0, col, f"Required: {column.hint or 'fill in every row'}.",
                             {"x_scale": 1.6, "y_scale": 0.8})
    text_columns = [c.value in ("text", "yesno") for c in columns]
    for r, row in enumerate(template.rows, start=1):
        for col, (column, value) in enumerate(zip(columns, row, strict=True)):
            if value is not None:
                book.write_value(ws, r, col, value, _WRITE_KIND[column.value])
            elif text_columns[col]:
                ws.write_blank(r, col, None, blank_text)
    text_indexes = [col for col, is_text in enumerate(text_columns) if is_text]
    for r in range(len(template.rows) + 1, max(FORMATTED_ROWS, len(template.rows)) + 1):
        for col in text_indexes:
            ws.write_blank(r, col, None, blank_text)
    table_last = max(len(template.rows), 1)
    ws.add_table(0, 0, table_last, last, {
        "name": table_name_for(template.title), "style": TABLE_STYLE,
        "columns": [{"header": c.heading, "header_format": f} for c, f in zip(columns, header_formats, strict=True)],
    })
    for col, column in enumerate(columns):
        ws.data_validation(1, col, TEMPLATE_ROWS, col, _validation(column, sources))
    ws.freeze_panes(1, 0)
    book.print_setup(ws, 0)
    layout.ignore_number_as_text(ws, layout.text_column_ranges(text_columns, 1, TEMPLATE_ROWS))


def _tooltip(column: TemplateColumn) -> dict[str, str]:
    title = column.heading + (" (required)" if column.required else "")
    return {"input_title": title[:32], "input_message": (column.hint or column.heading)[:255]}


def _validation(column: TemplateColumn, sources: Mapping[str, str]) -> dict[str, Any]:
    """The drop-down (or the number or date check) of a column, with its tooltip."""
    tip = _tooltip(column)
    if column.choices is not None and column.choices in sources:
        return {"validate": "list", "source": sources[column.choices], **tip,
                "error_type": "stop" if column.closed else "warning",
                "error_title": column.heading[:32],
                "error_message": ("Pick a value from the list." if column.closed else
                                  "This value is not in the list; keep it only if you are sure it is right.")}
    if column.value == "int":
        return {"validate": "integer", "criteria": ">=", "value": 0, **tip, "error_type": "stop",
                "error_title": column.heading[:32], "error_message": "Type a whole number of units (0 or more)."}
    if column.value == "date":
        return {"validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2099, 12, 31), **tip, "error_type": "warning",
                "error_title": column.heading[:32], "error_message": "Type a date such as 2026-11-29."}
    return {"validate": "any", **tip}


def _lists_sheet(book: WorkbookBuilder, template: Template) -> dict[str, str]:
    """The hidden sheet of drop-down values, one list per column; returns list name -> its range formula.
    An empty list gets no drop-down."""
    wanted = {c.choices for c in template.columns if c.choices is not None}
    lists = [(name, values) for name, values in template.lists.items() if name in wanted and values]
    if not lists:
        return {}
    ws = book.add_sheet(LISTS_SHEET)
    title = book.cell_format(bold=True, extra={"quote_prefix": True})
    text = book.text_format()
    sources: dict[str, str] = {}
    for col, (name, values) in enumerate(lists):
        ws.write_string(0, col, f"List: {name}", title)
        for row, value in enumerate(values, start=1):
            ws.write_string(row, col, value, text)
        ws.set_column(col, col, max(len(name) + 8, *(len(v) + 2 for v in values)))
        first, end = xl_rowcol_to_cell(1, col, True, True), xl_rowcol_to_cell(len(values), col, True, True)
        sources[name] = f"={quote_sheet_name(ws.name)}!{first}:{end}"
    ws.hide()
    return sources


def _guide_sheet(book: WorkbookBuilder, template: Template, data_sheet: str) -> None:
    ws = book.add_sheet(GUIDE_SHEET)
    bold = book.cell_format(bold=True, extra={"quote_prefix": True, "text_wrap": True})
    text = book.text_format(in_text_column=False)
    line_format = book.cell_format(extra={"quote_prefix": True})  # not wrapped: a sentence runs across B
    row = 0
    for line in template.guide:
        ws.write_string(row, 0, line, line_format)
        row += 1
    row += 1
    ws.write_string(row, 0, f"Columns of sheet {data_sheet}", bold)
    ws.write_string(row, 1, "What to write", bold)
    for column in template.columns:
        row += 1
        ws.write_string(row, 0, f"{column.heading} ({'required' if column.required else 'optional'})",
                        bold if column.required else text)
        ws.write_string(row, 1, column.hint or "", text)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    book.print_setup(ws, None)

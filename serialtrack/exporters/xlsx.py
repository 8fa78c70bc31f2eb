"""The streaming workbook builder every serialtrack workbook is written with (over xlsxwriter).

Contract (the SPEC's Excel habits): each table sheet is an Excel table (header, autofilter, banded rows) with
a frozen header, widths fitted to the content (capped at ``MAX_COLUMN_WIDTH``) and real numbers and dates
with formats. Text is always written exactly as it came, with ``write_string`` in a format with Excel's quote
prefix (``quotePrefix``) and, in text columns, the ``@`` number format: a serial ``00042``, ``134593568`` or
``1E5`` stays text, ``=1+1`` or ``-0001`` is a text cell that no spreadsheet runs as a formula, and it stays
text when edited later. Only CSV outputs change text (:func:`neutralise`, a leading ``'``); formulas exist only
where a caller asks with :class:`Formula`. Headers, totals rows and print setup: see ``xlsx_layout``. ``constant_memory`` (default) streams rows
to disk, memory flat whatever the row count (100k rows: ~20 MB, against ~155 MB, or ~1.3 GB for 1M rows,
in xlsxwriter's normal mode); widths, freeze panes and the table are sheet metadata assembled at
``close()``, so they are set after the rows (found by experiment with xlsxwriter 3.3, pinned by tests).
A table longer than ``MAX_SHEET_ROWS`` continues on ``Name (2)``..., and :class:`SheetResult` says so.
The file appears atomically: written to a hidden temp file beside the target and, when complete, either
``os.replace``-d onto the target (``replace=True``, for a report meant to be rewritten, such as the nightly
reconciliation) or given the first free numbered name with :func:`publish_new` (``replace=False``, for the
answers to dropped files: a name is claimed atomically, so two processes never write one answer over the
other). On error the temp file is removed and any existing target left untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args

import xlsxwriter
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.utility import xl_range

from serialtrack.exporters import xlsx_layout as layout
from serialtrack.exporters.fastrows import RowStream
from serialtrack.exporters.publish import numbered_names, publish_new, temp_name
from serialtrack.records import CellValue

#: Excel's rows per sheet; tests lower it (monkeypatch) to exercise splitting with small data.
MAX_SHEET_ROWS = 1_048_576
#: Excel ignores hyperlinks past this count per sheet; further links are written as plain text.
MAX_LINKS_PER_SHEET = 65_530
MAX_COLUMN_WIDTH = 45
TABLE_STYLE = "TableStyleMedium2"

#: How a column's values are written. ``general`` (beyond the usual kinds) writes each value by its own type
#: with no column number format, for mixed columns such as a summary's Value.
ColumnKind = Literal["text", "int", "money", "decimal", "date", "datetime", "link", "percent", "general"]

NUMBER_FORMATS: dict[str, str | None] = {
    "text": "@",
    "int": "0",
    "money": "#,##0.00",
    "decimal": "#,##0.00##",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "percent": "0.0%",
    "link": None,
    "general": None,
    "time": "hh:mm:ss",
    "duration": "[h]:mm:ss",
}

COLUMN_KINDS = frozenset(get_args(ColumnKind))

#: Column kinds whose plain values (text, numbers, dates in date columns) :class:`RowStream` may write directly.
FAST_KINDS = frozenset({"text", "int", "money", "decimal", "general", "percent", "date", "datetime"})

#: Characters that make a spreadsheet treat text as a formula (OWASP CSV injection guidance).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_CELL_LIKE_NAME = re.compile(r"^[A-Za-z]{1,3}\d+$|^[RrCc]$|^[RrCc]\d*[RrCc]?\d*$")


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a table: its header, the kind that picks its number format, and an optional width."""

    header: str
    kind: ColumnKind = "text"
    width: int | None = None

    def __post_init__(self) -> None:
        # the Literal type is not checked at run time: a misspelt kind would quietly write General cells
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.header!r}: unknown kind {self.kind!r}; one of {sorted(COLUMN_KINDS)}")


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula written on purpose (``=SUM(Lots[Value])``) and the value shown until Excel recalculates."""

    expression: str
    cached: CellValue = None
    kind: ColumnKind | None = None  # its number format, where the column's kind does not say (``general``)

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in COLUMN_KINDS:
            raise ValueError(f"formula {self.expression!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink cell: ``target`` is a URL or ``internal:'Sheet'!A1`` (see :func:`internal_link`)."""

    target: str
    text: str | None = None


#: What a row may hold: read values, Decimals from the ledger, and the two deliberate cell kinds.
Cell = CellValue | Decimal | Formula | Link


@dataclass(frozen=True, slots=True)
class SheetResult:
    """Where a table went: its sheet(s) (more than one when split at the row limit) and its data rows."""

    names: tuple[str, ...]
    table_names: tuple[str, ...]
    rows: int

    @property
    def split(self) -> bool:
        return len(self.names) > 1


def neutralise(text: str) -> str:
    """Guard text in a CSV output, which a spreadsheet could run as a formula, by prefixing a single quote ``'``.

    Never used for xlsx cells (those keep the text exactly, in a quote-prefix format). Applies when the text starts (after leading spaces) with ``=``, ``+``, ``-``, ``@``, tab, CR or LF. The
    quote is part of the stored string (OWASP's CSV-injection advice), so it survives a save as CSV; the cell
    is a string cell anyway because we write with ``write_string``. Numbers written as numbers are never
    touched, only text; ``-123`` as text becomes ``'-123``.
    """
    if text.lstrip(" ").startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def quote_sheet_name(name: str) -> str:
    """``It's here`` -> ``'It''s here'``: a sheet name as a formula or link reference (always quoted)."""
    return "'" + name.replace("'", "''") + "'"


def internal_link(sheet: str, cell: str) -> str:
    """The xlsxwriter URL for a link to ``cell`` (``D17``) on ``sheet`` inside the same workbook."""
    return f"internal:{quote_sheet_name(sheet)}!{cell}"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sanitise_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid Excel sheet name close to ``name``, unique (case-insensitively) among ``taken``.

    Replaces ``[]:*?/\\`` with ``_``, drops apostrophes at the ends, avoids the reserved ``History``, and fits
    31 characters, numbering duplicates ``Name (2)``, ``Name (3)``...
    """
    clean = _INVALID_SHEET_CHARS.sub("_", name).strip().strip("'").strip() or "Sheet"
    if clean.lower() == "history":
        clean += "_"
    used = {t.lower() for t in taken}
    number = 1
    while True:
        suffix = f" ({number})" if number > 1 else ""
        base = clean
        while _utf16_len(base + suffix) > 31:
            base = base[:-1]
        candidate = (base.rstrip().rstrip("'").rstrip() or "Sheet") + suffix
        if candidate.lower() not in used:
            return candidate
        number += 1


def table_name_for(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique (case-insensitive) Excel table name derived from ``name`` (a sheet name)."""
    clean = re.sub(r"[^0-9A-Za-z_.]+", "_", name).strip("_") or "Table"
    if not re.match(r"[A-Za-z_]", clean) or _CELL_LIKE_NAME.match(clean):
        clean = "T_" + clean
    clean = clean[:240]
    used = {t.lower() for t in taken}
    candidate, number = clean, 2
    while candidate.lower() in used:
        candidate = f"{clean}_{number}"
        number += 1
    return candidate


#: Points per line of wrapped text (Calibri 11): a row holding long text is made this many times taller, since
#: LibreOffice does not grow rows to fit wrapped text when it opens a file (Excel does).
LINE_HEIGHT = 15.0


def wrapped_lines(text: str, room: int) -> int:
    """The lines ``text`` takes in a wrapped cell of ``room`` characters a line (each line break starts one)."""
    return sum(max(1, -(-len(part) // room)) for part in text.split("\n"))


def _row_height(row: Sequence[Cell], wrapping: Sequence[tuple[int, int]]) -> float | None:
    """The height a row needs for its longest wrapped text (None: one line does), from characters per line."""
    lines = 1
    for col, room in wrapping:
        value = row[col]
        if isinstance(value, str) and (len(value) > room or "\n" in value):
            lines = max(lines, wrapped_lines(value, room))
    return LINE_HEIGHT * lines if lines > 1 else None


def _as_is(text: str) -> str:
    return text


def _text_width(text: str) -> int:
    if "\n" in text:
        return max(len(line) for line in text.splitlines())
    return len(text)


def _as_text(value: Cell) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _number_width(value: float, kind: str | None) -> int:
    if kind == "money":
        return len(f"{value:,.2f}")
    if kind == "decimal":
        return len(f"{value:,.4f}".rstrip("0")) + 1
    if kind == "percent":
        return len(f"{value:.1%}")
    if kind == "int":
        return len(f"{value:.0f}")
    return min(len(repr(value)), 12)


class WorkbookBuilder:
    """Write one workbook: ``with WorkbookBuilder(path) as wb: wb.add_table(...)``.

    The file is published atomically when the ``with`` block ends without error (see the module docstring);
    with ``replace=False`` it never replaces an existing file, and ``path`` is the name it got.
    ``constant_memory=False`` is for workbooks that need random access, e.g. comments on copied cells.
    """

    def __init__(self, path: Path | str, *, constant_memory: bool = True, replace: bool = True,
                 report_date: dt.date | None = None) -> None:
        self.path = Path(path)
        self.constant_memory = constant_memory
        self.replace = replace
        self.report_date = report_date
        self._temp = self.path.with_name(temp_name(self.path.name))
        self._book: Any = None
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._table_names: list[str] = []
        self._links: dict[str, int] = {}

    def __enter__(self) -> WorkbookBuilder:
        self._book = xlsxwriter.Workbook(
            str(self._temp),
            {
                "constant_memory": self.constant_memory,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": True,
                "remove_timezone": True,
            },
        )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._book.close()
            if exc_type is None and self.replace:
                os.replace(self._temp, self.path)
            elif exc_type is None:
                self.path = publish_new(self._temp, numbered_names(self.path))
        except Exception:
            if exc_type is None:
                raise
        finally:
            self._temp.unlink(missing_ok=True)

    @property
    def sheet_names(self) -> list[str]:
        return [ws.name for ws in self._book.worksheets()]

    def add_sheet(self, name: str) -> Any:
        """A new free-form xlsxwriter worksheet under a sanitised, unique version of ``name``."""
        return self._book.add_worksheet(sanitise_sheet_name(name, self.sheet_names))

    def reserve_sheet(self, name: str) -> Any:
        """An empty sheet added now, in this position, for a table written later with ``add_table(...,
        into=sheet)``: a summary that comes first but is computed from the sheets after it. Streaming
        (constant_memory) is per sheet, so an untouched sheet can still be written after others."""
        return self.add_sheet(name)

    def cell_format(
        self, num_format: str | None = None, *, fill: str | None = None, bold: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Any:
        """A cached xlsxwriter Format (number format, background fill colour, bold, and ``extra`` properties
        such as ``layout.TEXT_PROPS``)."""
        props: dict[str, Any] = {"valign": "top", **(extra or {})}  # numbers beside wrapped text align at top
        if num_format:
            props["num_format"] = num_format
        if fill:
            props.update(bg_color=fill, pattern=1)
        if bold:
            props["bold"] = True
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self._book.add_format(props)
        return self._formats[key]

    def text_format(self, *, in_text_column: bool = True, fill: str | None = None, bold: bool = False) -> Any:
        """Text as it came: quote prefix, wrapped, and the ``@`` format in a text column."""
        return self.cell_format("@" if in_text_column else None, fill=fill, bold=bold, extra=layout.TEXT_PROPS)

    def row_stream(self, ws: Any, columns: int) -> RowStream:
        """Whole rows of ``columns`` general (untyped) values written as ``write_value`` writes them, text
        quote-prefixed, numbers as numbers, for a streamed (constant_memory) sheet; a row holding anything else
        is refused (``write`` returns False) and written cell by cell."""
        if not self.constant_memory:
            raise ValueError("a row stream needs a constant_memory workbook")
        return RowStream(ws, [self._num_format(None, None)] * columns, [self.text_format(in_text_column=False)] * columns,
                         [None] * columns,
                         as_text=_as_text, neutralise=_as_is, text_width=_text_width, number_width=_number_width)

    def header_format(self) -> Any:
        return self.cell_format(extra=layout.HEADER_PROPS)

    def print_setup(self, ws: Any, header_row: int | None) -> None:
        """Print setup of ``ws`` (see ``xlsx_layout.setup_print``): its footer names this workbook."""
        layout.setup_print(ws, header_row=header_row, workbook=self.path.name, report_date=self.report_date)

    def write_value(
        self, ws: Any, row: int, col: int, value: Cell, kind: str | None = None, *, fill: str | None = None
    ) -> int:
        """Write one value at 0-based ``row``/``col`` with its type kept; return its display width.

        ``kind`` is a :data:`ColumnKind`; None or ``general`` follow the value's own type (numbers in General
        format, a ``Decimal`` (money from the ledger) ``#,##0.00``, dates ``yyyy-mm-dd``, datetimes with a time
        ``yyyy-mm-dd hh:mm``). Text is written as it came, quote-prefixed; in a
        ``text`` column every non-blank value is written as text. ``fill`` colours the cell, blank or not.
        """
        if value is None:
            if fill:
                ws.write_blank(row, col, None, self.cell_format(fill=fill))
            return 0
        if isinstance(value, Formula):
            ws.write_formula(row, col, value.expression, self._num_format(value.kind or kind, fill), value.cached)
            return len(_as_text(value.cached)) if value.cached is not None else 8
        if isinstance(value, Link) or (kind == "link" and isinstance(value, str)):
            link = value if isinstance(value, Link) else Link(value)
            text = link.text if link.text is not None else link.target.removeprefix("internal:")
            count = self._links.get(ws.name, 0)
            if count < MAX_LINKS_PER_SHEET and len(link.target) <= 2079:
                self._links[ws.name] = count + 1
                ws.write_url(row, col, link.target, self.cell_format(fill=fill, extra=layout.LINK_PROPS), text)
            else:
                ws.write_string(row, col, text, self.text_format(in_text_column=False, fill=fill))
            return _text_width(text)
        if kind == "text" or isinstance(value, str):
            text = value if isinstance(value, str) else _as_text(value)
            ws.write_string(row, col, text, self.text_format(in_text_column=kind == "text", fill=fill))
            return _text_width(text)
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, self.cell_format(fill=fill))
            return 5
        if isinstance(value, int | float | Decimal):
            if isinstance(value, Decimal) and kind in (None, "general"):
                kind = "money"
            number = float(value) if isinstance(value, Decimal) else value
            ws.write_number(row, col, number, self._num_format(kind, fill))
            return _number_width(number, kind)
        if isinstance(value, dt.datetime | dt.date):
            if kind not in ("date", "datetime"):
                timed = isinstance(value, dt.datetime) and value.time() != dt.time(0)
                kind = "datetime" if timed else "date"
            ws.write_datetime(row, col, value, self._num_format(kind, fill))
            return 16 if kind == "datetime" else 10
        if isinstance(value, dt.time | dt.timedelta):
            fmt = "time" if isinstance(value, dt.time) else "duration"
            ws.write_datetime(row, col, value, self.cell_format(NUMBER_FORMATS[fmt], fill=fill))
            return 9
        text = _as_text(value)
        ws.write_string(row, col, text, self.text_format(in_text_column=False, fill=fill))
        return _text_width(text)

    def _num_format(self, kind: str | None, fill: str | None) -> Any:
        """A number's format: the kind's number format (none: General) and ``fill``, top-aligned like every cell
        we write, so a number stays level with the wrapped text beside it in a tall row."""
        return self.cell_format(NUMBER_FORMATS.get(kind) if kind else None, fill=fill)

    def add_table(
        self,
        name: str,
        columns: Sequence[ColumnSpec],
        rows: Iterable[Sequence[Cell]],
        *,
        table_name: str | None = None,
        title_rows: Sequence[str] = (),
        into: Any = None,
        totals: Sequence[str] = (),
    ) -> SheetResult:
        """Stream ``rows`` into a new sheet (or the empty sheet ``into`` from :meth:`reserve_sheet`) as an Excel
        table under ``title_rows`` (and a blank row).

        Rows are consumed once, in order, and not kept. Past ``MAX_SHEET_ROWS`` the table continues on
        ``Name (2)``... with the same titles plus a "continued" line. An empty ``rows`` still gives a valid
        table: Excel needs one data row, so the table spans the header and one blank row, as Excel's own
        empty tables do. Headers must be non-empty and unique (case-insensitive), as Excel requires.

        ``totals`` names columns that get a totals row under the table: ``=SUBTOTAL(109,Table[Col])``, which
        adds only the rows a filter leaves visible (written in that form, not Excel's ``[Col]`` shorthand,
        which LibreOffice recalculates to ``#VALUE!``), with the sum as its cached value.
        """
        headers = [c.header for c in columns]
        if not headers or any(not h.strip() for h in headers):
            raise ValueError(f"table {name!r} needs non-empty column headers, got {headers!r}")
        if len({h.lower() for h in headers}) != len(headers):
            raise ValueError(f"table {name!r} has duplicate column headers {headers!r}")
        if table_name and table_name_for(table_name, self._table_names) != table_name:
            raise ValueError(f"table name {table_name!r} is not a valid, unused Excel table name")
        base = table_name or table_name_for(name)
        unknown = [h for h in totals if h not in headers]
        if unknown:
            raise ValueError(f"table {name!r} has no column {unknown!r} to total")
        totalled = [headers.index(h) for h in totals]
        wrapping = [(col, (spec.width or MAX_COLUMN_WIDTH) - 1) for col, spec in enumerate(columns)
                    if spec.kind in ("text", "general")]
        parts: list[_Part] = []
        total = 0
        for row in rows:
            if not parts or parts[-1].rows >= parts[-1].capacity:
                if parts:
                    self._finish(parts[-1])
                parts.append(self._start(name, base, columns, title_rows, parts, into, totalled))
            if len(row) != len(columns):
                raise ValueError(f"table {name!r}: row {total + 1} has {len(row)} values for {len(columns)}")
            part = parts[-1]
            part.rows += 1
            excel_row, widths = part.header_row + part.rows, part.widths
            for col in totalled:
                value = row[col]
                if isinstance(value, Formula):
                    value = value.cached
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    part.sums[col] += value if isinstance(value, Decimal) else Decimal(str(value))
            height = _row_height(row, wrapping)
            if part.fast is not None and part.fast.write(excel_row, row, widths, height):
                total += 1
                continue
            if height:
                part.ws.set_row(excel_row, height)
            for col, (spec, value) in enumerate(zip(columns, row, strict=True)):
                width = self.write_value(part.ws, excel_row, col, value, spec.kind)
                if width > widths[col]:
                    widths[col] = width
            total += 1
        if not parts:
            parts.append(self._start(name, base, columns, title_rows, parts, into, totalled))
        self._finish(parts[-1])
        return SheetResult(tuple(p.ws.name for p in parts), tuple(p.table for p in parts), total)

    def _start(
        self,
        name: str,
        base: str,
        columns: Sequence[ColumnSpec],
        title_rows: Sequence[str],
        parts: list[_Part],
        into: Any = None,
        totalled: Sequence[int] = (),
    ) -> _Part:
        number, titles = len(parts) + 1, list(title_rows)
        if parts:
            titles.append(
                f"Continued from sheet {parts[0].ws.name} (Excel holds {MAX_SHEET_ROWS:,} rows a sheet)."
            )
        if number == 1 and into is not None:
            ws = into
        else:
            ws = self.add_sheet(name if number == 1 else f"{name} ({number})")
        table = table_name_for(base if number == 1 else f"{base}_{number}", self._table_names)
        self._table_names.append(table)
        for index, title in enumerate(titles):
            ws.write_string(index, 0, title, self.cell_format(bold=index == 0, extra={"quote_prefix": True}))
        header_row = len(titles) + 1 if titles else 0
        for col, spec in enumerate(columns):
            ws.write_string(header_row, col, spec.header, self.header_format())
        capacity = MAX_SHEET_ROWS - header_row - 1 - (1 if totalled else 0)
        if capacity < 1:
            raise ValueError(f"MAX_SHEET_ROWS={MAX_SHEET_ROWS} leaves no room for data under the titles")
        fast = None
        if self.constant_memory and all(c.kind in FAST_KINDS for c in columns):
            fast = RowStream(ws, [self._num_format(c.kind, None) for c in columns],
                             [self.text_format(in_text_column=c.kind == "text") for c in columns],
                             [c.kind for c in columns],
                             as_text=_as_text, neutralise=_as_is, text_width=_text_width,
                             number_width=_number_width)
        return _Part(ws, table, columns, header_row, capacity, [len(c.header) + 3 for c in columns], fast=fast,
                     sums={col: Decimal(0) for col in totalled})

    def _finish(self, part: _Part) -> None:
        last_row = part.header_row + max(part.rows, 1)
        if part.sums:
            self._totals_row(part, last_row + 1)
        options = {
            "name": part.table,
            "style": TABLE_STYLE,
            "columns": [{"header": spec.header, "header_format": self.header_format()} for spec in part.columns],
        }
        result = self._attach_table(part.ws, part.header_row, last_row, len(part.columns) - 1, options)
        if result != 0:
            raise RuntimeError(f"xlsxwriter refused table {part.table!r} on {part.ws.name!r}: {result}")
        for col, spec in enumerate(part.columns):
            width = spec.width if spec.width is not None else min(part.widths[col] + 1, MAX_COLUMN_WIDTH)
            part.ws.set_column(col, col, width)
        part.ws.freeze_panes(part.header_row + 1, 0)
        self.print_setup(part.ws, part.header_row)
        layout.ignore_number_as_text(part.ws, layout.text_column_ranges(
            [spec.kind in ("text", "link") for spec in part.columns], part.header_row + 1, last_row))

    def _totals_row(self, part: _Part, row: int) -> None:
        """``Total`` and a ``SUBTOTAL(109,Table[Col])`` per totalled column, in the row under the table."""
        bold = self.cell_format(extra=layout.TOTAL_PROPS)
        if 0 not in part.sums:
            part.ws.write_string(row, 0, "Total", bold)
        for col, total in part.sums.items():
            spec = part.columns[col]
            ref = f"{part.table}[{spec.header}]"
            cached = int(total) if total == total.to_integral_value() else float(total)
            fmt = self.cell_format(NUMBER_FORMATS.get(spec.kind) or None, extra=layout.TOTAL_PROPS)
            part.ws.write_formula(row, col, f"=SUBTOTAL(109,{ref})", fmt, cached)

    def _attach_table(self, ws: Any, first_row: int, last_row: int, last_col: int, options: Any) -> int:
        """Add the table metadata after the rows were written (two xlsxwriter 3.3 limits worked around).

        1. ``add_table`` refuses constant_memory mode (returns -3) only because it also writes the header
           cells, which cannot go back into a streamed sheet. We wrote the header ourselves, so the guard is
           lifted for this one call and what it buffered (header strings, and their entries in a throwaway
           shared-string table) is discarded, leaving the streamed rows exactly as written.
        2. ``add_table`` records every cell of its range for an overlap check (~100 bytes a cell, 0.5 GB
           for a million rows of five columns). Each of our sheets holds one table, so it is declared over
           the header and first row and then widened to the real range.
        """
        buffered = {r: dict(cells) for r, cells in ws.table.items()} if self.constant_memory else None
        shared_strings = ws.str_table
        if buffered is not None:
            ws.constant_memory, ws.str_table = False, SharedStringTable()
        try:
            result = int(ws.add_table(first_row, 0, first_row + 1, last_col, options))
        finally:
            if buffered is not None:
                ws.constant_memory, ws.str_table = True, shared_strings
                ws.table.clear()
                ws.table.update(buffered)
        if result == 0:
            table = ws.tables[-1]
            table["range"] = table["a_range"] = xl_range(first_row, 0, last_row, last_col)
            if table.get("autofilter"):
                table["autofilter"] = table["range"]
        return result


@dataclass(slots=True)
class _Part:
    """One sheet of a (possibly split) table while it is being written."""

    ws: Any
    table: str
    columns: Sequence[ColumnSpec]
    header_row: int
    capacity: int
    widths: list[int]
    rows: int = 0
    fast: RowStream | None = None
    sums: dict[int, Decimal] = field(default_factory=dict)  # totalled columns' sums, for the totals row  # rows of plain text and numbers skip xlsxwriter's per-cell path

"""The rejected-file workbook: the clerk's own rows with every problem pointed at (``<name>.rejected.xlsx``).

Layout:

* ``Errors`` (first sheet): the file name and error count, a summary block (errors by code, most frequent
  first, with the first cell of each: a 10,000-error rejection opens on its few causes), then an Excel table
  Cell, Message (wrapped), Code, Row, Sheet listing every issue; Cell is a link to the offending cell in the
  copy (or to the row's Errors cell when the issue names a row but no column). File-level issues, and issues
  on sheets that were not copied, appear only here and have no link.
* One copy per sheet read, values at the SAME addresses as in the clerk's file (``D17`` in a message is
  ``D17`` in the copy), types kept (numbers stay numbers, dates get a date format, text stays text and is
  neutralised), plus an ``Errors`` column right after the last used column (header on the header row) that
  lists each row's messages, one per line. Offending cells get a light red fill and a comment with their messages
  (comments on the first ``MAX_COMMENTS_PER_SHEET`` of a sheet, the titles saying so past it); a row
  issue without a column fills that row's Errors cell. Issues on the header row go to the comment of the
  Errors header cell, which keeps its title.
* When the clerk's sheet already has an Errors column (a corrected rejected workbook dropped again),
  ``GridSheet.error_column`` names it and it is reused: its old contents are dropped, not copied.

The copies stream (xlsxwriter's constant-memory mode): each row is written whole, its values, fills,
comments, Errors cell and height, before the next, so the writer holds one row whatever the sheet's size
(a million-row rejected csv needed 1.4 GB when every cell was kept until the end).
The copies get an autofilter rather than an Excel table: a clerk's header may be blank or repeated, which
a table does not allow, and a table would restyle their sheet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_range

from serialtrack.exporters.xlsx import (
    LINE_HEIGHT,
    MAX_COLUMN_WIDTH,
    MAX_LINKS_PER_SHEET,
    Cell,
    ColumnSpec,
    Link,
    WorkbookBuilder,
    internal_link,
    sanitise_sheet_name,
    wrapped_lines,
)
from serialtrack.exporters.xlsx_layout import ignore_number_as_text
from serialtrack.records import CellValue, Issue, column_letter

ERRORS_SHEET = "Errors"
ERRORS_HEADER = "Errors"
#: Excel's "Light Red Fill" from its conditional-formatting presets.
ERROR_FILL = "#FFC7CE"
COMMENT_AUTHOR = "serialtrack"

ERROR_COLUMNS = [
    ColumnSpec("Cell", "text"),
    ColumnSpec("Message", "text", width=60),
    ColumnSpec("Code", "text"),
    ColumnSpec("Row", "int"),
    ColumnSpec("Sheet", "text"),
]
#: Codes listed one by one in the summary block above the Errors table; the rest are counted together.
SUMMARY_CODES = 20
#: Marked cells of one copied sheet that also get a comment (every marked cell is filled, and its row's Errors
#: cell lists its messages): a comment is a drawn shape, and a sheet of a million of them is a workbook of
#: hundreds of megabytes that Excel opens for minutes, written with gigabytes of memory.
MAX_COMMENTS_PER_SHEET = 10_000


@dataclass(frozen=True, slots=True)
class GridSheet:
    """A clerk's sheet as read: values only, ``rows[0]`` is Excel row 1 and ``rows[r][c]`` is column c+1.

    ``header_row`` is 1-based (None when no header was found); ``error_column`` is the 1-based column of an
    Errors column already in the sheet, to be reused rather than copied.
    """

    name: str
    rows: Sequence[Sequence[CellValue]]
    header_row: int | None
    error_column: int | None = None


@dataclass(slots=True)
class _SheetIssues:
    """The issues of one copied sheet, indexed by cell and by row (1-based coordinates): every issue is in
    ``rows`` (a cell's as ``D17: message``), a cell's also in ``cells``."""

    cells: dict[tuple[int, int], list[str]]
    rows: dict[int, list[str]]
    row_level: set[int]


def write_rejected(
    path: Path,
    *,
    file_name: str,
    issues: Sequence[Issue],
    sheets: Sequence[GridSheet],
    notes: Sequence[str] = (),
    most_comments: int = MAX_COMMENTS_PER_SHEET,
) -> Path:
    """Write the rejected workbook for ``file_name`` to ``path`` (atomically; see ``WorkbookBuilder``), or to
    the next free numbered name when ``path`` is taken: never over another file. Returns the path written.
    ``most_comments``: the marked cells of one sheet that get a comment, from the top (the rest are filled and
    listed in their row's Errors cell, and the titles say so)."""
    grids: dict[str, GridSheet] = {}
    for grid in sheets:
        grids.setdefault(grid.name, grid)  # a workbook cannot hold two sheets of one name; keep the first
    copy_names: dict[str, str] = {}
    for name in grids:
        copy_names[name] = sanitise_sheet_name(name, [ERRORS_SHEET, *copy_names.values()])
    by_sheet = _index_issues(issues, list(grids))
    error_columns = {name: _errors_column(grid, by_sheet[name]) for name, grid in grids.items()}
    errors = sum(1 for issue in issues if issue.is_error)
    warnings = len(issues) - errors
    titles = [f"File: {file_name}", f"Errors: {errors}" + (f", warnings: {warnings}" if warnings else "")]
    titles.extend(notes)
    titles.extend(f"Sheet {copy_names[name]}: {len(found.cells):,} cells are marked; the first {most_comments:,} "
                  "have a comment, and every one is filled and listed in its row's Errors cell"
                  for name, found in by_sheet.items() if len(found.cells) > most_comments)
    order = list(copy_names)
    ordered = _sorted(issues, order)
    titles.extend(_summary_block(ordered, copy_names))
    with WorkbookBuilder(path, replace=False) as book:
        book.add_table(
            ERRORS_SHEET,
            ERROR_COLUMNS,
            (_error_row(issue, copy_names, error_columns, linked=index < MAX_LINKS_PER_SHEET)
             for index, issue in enumerate(ordered)),
            table_name="Errors",
            title_rows=titles,
        )
        for name, grid in grids.items():
            _copy_sheet(book, grid, copy_names[name], by_sheet[name], error_columns[name], most_comments)
    return book.path


def _index_issues(issues: Sequence[Issue], names: list[str]) -> dict[str, _SheetIssues]:
    by_sheet = {name: _SheetIssues(defaultdict(list), defaultdict(list), set()) for name in names}
    for issue in issues:
        source = issue.source
        if source is None or source.sheet not in by_sheet or source.row is None:
            continue
        found = by_sheet[source.sheet]
        if source.column is None:
            found.rows[source.row].append(issue.message)
            found.row_level.add(source.row)
        else:
            found.cells[(source.row, source.column)].append(issue.message)
            found.rows[source.row].append(f"{column_letter(source.column)}{source.row}: {issue.message}")
    return by_sheet


def _errors_column(grid: GridSheet, found: _SheetIssues) -> int:
    """The 1-based column of the Errors column: the existing one, else right after every used column."""
    if grid.error_column is not None:
        return grid.error_column
    last_used = 0
    for row in grid.rows:
        for index in range(len(row), 0, -1):
            if row[index - 1] not in (None, ""):
                last_used = max(last_used, index)
                break
    issue_columns = [column for _, column in found.cells]
    return max([last_used, *issue_columns]) + 1


def _sorted(issues: Sequence[Issue], order: list[str]) -> list[Issue]:
    """File-level issues first, then sheet by sheet in reading order, then by row and column."""

    def key(issue: Issue) -> tuple[int, int, str, int, int]:
        source = issue.source
        if source is None or source.sheet is None:
            return (0, 0, "", 0, 0)
        known = source.sheet in order
        position = order.index(source.sheet) if known else 0
        return (1 if known else 2, position, source.sheet, source.row or 0, source.column or 0)

    return sorted(issues, key=key)


def _where(issue: Issue, copy_names: dict[str, str]) -> str:
    source = issue.source
    if source is None or source.sheet is None:
        return "the file"
    sheet = copy_names.get(source.sheet, source.sheet)
    if source.row is None:
        return sheet
    return f"{sheet}!{source.cell}" if source.column is not None else f"{sheet} row {source.row}"


def _summary_block(ordered: Sequence[Issue], copy_names: dict[str, str]) -> list[str]:
    """``By code:`` then one line per code: how many, and where the first one is (most frequent first)."""
    counts: Counter[str] = Counter(issue.code for issue in ordered)
    first: dict[str, Issue] = {}
    for issue in ordered:
        first.setdefault(issue.code, issue)
    if not counts:
        return []
    lines = ["By code (count, first at):"]
    ranked = counts.most_common()
    for code, count in ranked[:SUMMARY_CODES]:
        lines.append(f"{code}: {count:,}, first at {_where(first[code], copy_names)}")
    if len(ranked) > SUMMARY_CODES:
        rest = sum(count for _, count in ranked[SUMMARY_CODES:])
        lines.append(f"{len(ranked) - SUMMARY_CODES} other codes: {rest:,} (see the table)")
    return lines


def _error_row(issue: Issue, copy_names: dict[str, str], error_columns: dict[str, int], *,
               linked: bool = True) -> list[Cell]:
    """One row of the Errors table. Its Cell links to the cell in the copy while ``linked`` (Excel keeps at
    most ``MAX_LINKS_PER_SHEET`` links a sheet), else names it as text."""
    source = issue.source
    if source is None or source.sheet is None:
        return [None, issue.message, issue.code, None, None]
    copy = copy_names.get(source.sheet)
    cell: Cell = source.cell if source.column is not None else None
    if copy is not None and source.row is not None:
        column = source.column if source.column is not None else error_columns[source.sheet]
        target = f"{column_letter(column)}{source.row}"
        cell = Link(internal_link(copy, target), target) if linked else target
    return [cell, issue.message, issue.code, source.row, copy or source.sheet]


def _copy_sheet(
    book: WorkbookBuilder, grid: GridSheet, copy_name: str, found: _SheetIssues, errors_col: int,
    most_comments: int = MAX_COMMENTS_PER_SHEET,
) -> None:
    """Copy ``grid`` row by row, each row whole before the next (values, fills, comments, its Errors cell and
    height): the workbook streams (constant memory), so a copy of a million-row sheet holds one row, not a
    cell object for every value of the sheet."""
    ws = book.add_sheet(copy_name)
    if ws.name != copy_name:
        raise RuntimeError(f"sheet name {copy_name!r} came out as {ws.name!r}")
    header_row = grid.header_row or 1
    widths: defaultdict[int, int] = defaultdict(int)
    widths[errors_col] = len(ERRORS_HEADER)
    marked_by_row: defaultdict[int, list[int]] = defaultdict(list)
    for r, c in found.cells:
        marked_by_row[r].append(c)
    rows = grid.rows
    beyond = sorted({r for r in (*found.rows, header_row) if r > len(rows)})  # a marked cell's row is in rows
    plain = book.row_stream(ws, errors_col - 1)  # rows with nothing to mark: rendered whole, not cell by cell
    plain_widths = [0] * (errors_col - 1)
    comments = 0
    for r in chain(range(1, len(rows) + 1), beyond):
        row = rows[r - 1] if r <= len(rows) else ()
        marked = marked_by_row.get(r, ())
        if r != header_row and r not in found.rows:  # nothing marked on it
            if all(value is None for value in row):
                continue  # a blank row stays blank
            if len(row) < errors_col and plain.write(r - 1, [*row, *([None] * (errors_col - 1 - len(row)))],
                                                     plain_widths):
                continue
        for c, value in enumerate(row, start=1):
            if c == errors_col:
                continue
            fill = c in marked
            if value is None and not fill:
                continue
            width = book.write_value(ws, r - 1, c - 1, value, None, fill=ERROR_FILL if fill else None)
            widths[c] = max(widths[c], width)
        for c in marked:
            if c > len(row) and c != errors_col:  # a marked cell past the row's values: filled, blank
                book.write_value(ws, r - 1, c - 1, None, None, fill=ERROR_FILL)
            if comments < most_comments:
                _comment(ws, r, c, found.cells[(r, c)])
                comments += 1
        if r == header_row:
            _errors_header(book, ws, header_row, errors_col, found)
        elif r in found.rows:
            text = "\n".join(found.rows[r])
            width = book.write_value(ws, r - 1, errors_col - 1, text, None,
                                     fill=ERROR_FILL if r in found.row_level else None)
            lines = wrapped_lines(text, MAX_COLUMN_WIDTH - 1)
            if lines > 1:
                ws.set_row(r - 1, LINE_HEIGHT * lines)
            widths[errors_col] = max(widths[errors_col], width)
    for c, width in enumerate(plain_widths, start=1):
        if width:
            widths[c] = max(widths[c], width)
    for c, width in widths.items():
        ws.set_column(c - 1, c - 1, min(max(width, 6) + 2, MAX_COLUMN_WIDTH))
    last_row = max([len(rows), header_row, *found.rows])
    ws.autofilter(header_row - 1, 0, last_row - 1, errors_col - 1)
    ws.freeze_panes(header_row, 0)
    book.print_setup(ws, header_row - 1)
    ignore_number_as_text(ws, xl_range(0, 0, last_row - 1, errors_col - 1))


def _errors_header(book: WorkbookBuilder, ws: Any, header_row: int, errors_col: int, found: _SheetIssues) -> None:
    """The Errors column's title on the header row; issues of the header row itself go to its comment (and
    fill it when one names the row, not a cell)."""
    messages = found.rows.get(header_row)
    filled = bool(messages) and header_row in found.row_level
    ws.write_string(header_row - 1, errors_col - 1, ERRORS_HEADER,
                    book.cell_format(fill=ERROR_FILL, bold=True) if filled else book.cell_format(bold=True))
    if messages:
        _comment(ws, header_row, errors_col, messages)


def _comment(ws: Any, row: int, column: int, messages: list[str]) -> None:
    text = "\n".join(messages)
    lines = sum(1 + len(line) // 40 for line in messages)
    ws.write_comment(
        row - 1, column - 1, text, {"author": COMMENT_AUTHOR, "x_scale": 2, "y_scale": max(1.0, lines / 4)}
    )

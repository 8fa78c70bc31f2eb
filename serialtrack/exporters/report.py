"""Report workbooks: a list of titled tables -> one xlsx (posted receipts, and other reports).

Each :class:`ReportSheet` becomes one sheet holding one Excel table (see ``xlsx.WorkbookBuilder`` for the
habits every table follows), with its optional note as a line above the table. The first sheet is usually a
key/value ``Summary`` built with :func:`summary_sheet`; its values keep their types, and a
:class:`~serialtrack.exporters.xlsx.Formula` there is the one place a formula is written on purpose.

Rows are streamed (constant memory), so ``rows`` may be a generator over a large query. The file is written
atomically. :func:`write_new_report` never replaces a file: it takes the first free name among
``<name>.posted.xlsx``, ``<name>.posted-2.xlsx``... (claimed atomically, see ``publish.publish_new``) and returns
it, so that an earlier answer, or one another process is writing at the same moment, is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from serialtrack.exporters.publish import unique_output_path
from serialtrack.exporters.xlsx import Cell, ColumnSpec, SheetResult, WorkbookBuilder

__all__ = ["ReportSheet", "summary_sheet", "unique_output_path", "write_new_report", "write_report"]


@dataclass(frozen=True, slots=True)
class ReportSheet:
    """One sheet of a report: its title (sheet name), columns, rows, and an optional note above the table.

    ``table_name`` fixes the Excel table name (for formulas such as ``=SUM(Lots[Value])``); by default it is
    derived from the title.
    """

    title: str
    columns: Sequence[ColumnSpec]
    rows: Iterable[Sequence[Cell]]
    note: str | None = None
    table_name: str | None = None
    totals: tuple[str, ...] = ()  # columns with a SUBTOTAL totals row under the table


def summary_sheet(
    pairs: Sequence[tuple[str, Cell]], *, title: str = "Summary", note: str | None = None
) -> ReportSheet:
    """A two-column Field/Value sheet; each value keeps its type (numbers, dates, formulas, text).

    The Value column is of kind ``general``: each value is written by its own type, so a count stays a
    number (General format), a date gets ``yyyy-mm-dd`` and text stays (neutralised) text.
    """
    columns = [ColumnSpec("Field", "text", width=34), ColumnSpec("Value", "general", width=40)]
    return ReportSheet(title, columns, [(field, value) for field, value in pairs], note)


def write_report(path: Path, sheets: Sequence[ReportSheet], *, report_date: dt.date | None = None
                 ) -> list[SheetResult]:
    """Write ``sheets`` in order to ``path``; returns where each went (a sheet longer than Excel allows is
    split into ``Title``, ``Title (2)``... and its result says so)."""
    with WorkbookBuilder(path, report_date=report_date) as book:
        return _add_sheets(book, sheets)


def write_new_report(path: Path, sheets: Sequence[ReportSheet], *, report_date: dt.date | None = None) -> Path:
    """Write ``sheets`` to ``path`` or, when that name is taken, the next free ``-2``, ``-3``... name; never
    replaces a file. Returns the path written."""
    with WorkbookBuilder(path, replace=False, report_date=report_date) as book:
        _add_sheets(book, sheets)
    return book.path


def _add_sheets(book: WorkbookBuilder, sheets: Sequence[ReportSheet]) -> list[SheetResult]:
    if not sheets:
        raise ValueError("a report needs at least one sheet")
    results: list[SheetResult] = []
    for sheet in sheets:
        title_rows = (sheet.note,) if sheet.note else ()
        results.append(
            book.add_table(
                sheet.title, sheet.columns, sheet.rows, table_name=sheet.table_name, title_rows=title_rows,
                totals=sheet.totals,
            )
        )
    return results

"""How every serialtrack sheet looks and prints: header and totals formats, print setup, ignored errors.

Written as cell formats, not left to the table style: LibreOffice does not draw Excel's table styles, so a
header that relies on one looks like data there. Every sheet prints landscape, one page wide (as many pages
tall as it needs), with its header row repeated on each page and a footer naming the workbook, the sheet,
the report date and "page X of Y". Text columns are covered by ``ignoredErrors`` (number stored as text), so
Excel draws no green triangle over serials ``00042``, PO numbers or codes that look like numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_range

#: A light blue that prints as a light grey: header cells (with bold and a border).
HEADER_FILL = "#D9E1F2"
#: xlsxwriter Format properties of a header cell and of a totals-row cell.
HEADER_PROPS: dict[str, Any] = {"bold": True, "bg_color": HEADER_FILL, "pattern": 1, "border": 1,
                                "text_wrap": True, "valign": "top"}
TOTAL_PROPS: dict[str, Any] = {"bold": True, "top": 1, "bottom": 6}
#: Text cells: Excel's quote prefix (the cell is text and stays text when edited), wrapped, top-aligned.
TEXT_PROPS: dict[str, Any] = {"quote_prefix": True, "text_wrap": True, "valign": "top"}
LINK_PROPS: dict[str, Any] = {"font_color": "#0563C1", "underline": 1, "quote_prefix": True, "valign": "top"}
#: A4 (xlsxwriter's paper code 9): the accountants print on A4.
PAPER_A4 = 9
_FOOTER_LIMIT = 255


def _footer_text(text: str) -> str:
    """Text for a header/footer section: ``&`` is a control character there and must be doubled."""
    return text.replace("&", "&&")


def footer(workbook: str, report_date: dt.date | None) -> str:
    """``&L<workbook>&C<sheet>, report date ...&RPage X of Y`` within Excel's 255-character limit."""
    centre = "&A" + (f", report date {report_date.isoformat()}" if report_date else "")
    right = "&RPage &P of &N"
    room = _FOOTER_LIMIT - len(centre) - len(right) - 4
    name = _footer_text(workbook)
    if len(name) > room:
        name = name[: max(room - 3, 0)].rstrip("&") + "..."
    return f"&L{name}&C{centre}{right}"


def setup_print(ws: Any, *, header_row: int | None, workbook: str, report_date: dt.date | None) -> None:
    """Landscape A4, one page wide, ``header_row`` (0-based) repeated on every page, the footer."""
    ws.set_landscape()
    ws.set_paper(PAPER_A4)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.7)
    if header_row is not None:
        ws.repeat_rows(header_row)
    ws.set_footer(footer(workbook, report_date), {"margin": 0.3})


def text_column_ranges(columns: Sequence[bool], first_row: int, last_row: int) -> str:
    """Space-separated ranges of the columns flagged True (consecutive ones merged), rows first..last."""
    ranges: list[str] = []
    start: int | None = None
    for col, flagged in enumerate([*columns, False]):
        if flagged and start is None:
            start = col
        elif not flagged and start is not None:
            ranges.append(xl_range(first_row, start, last_row, col - 1))
            start = None
    return " ".join(ranges)


def ignore_number_as_text(ws: Any, ranges: str) -> None:
    """No "number stored as text" triangles over ``ranges`` (serials, POs, codes)."""
    if ranges:
        ws.ignore_errors({"number_stored_as_text": ranges})

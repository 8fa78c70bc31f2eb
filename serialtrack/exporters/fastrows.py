"""Plain rows written straight into a streamed (constant_memory) xlsxwriter sheet.

xlsxwriter spends ~6 µs a cell on this machine (argument checks, a tuple per cell, a row table, attribute
escaping); a receipt of 100k serials is 700k cells. For rows that hold only text and numbers, this writer
renders the row's XML once, in the exact form xlsxwriter itself writes in constant_memory mode
(``<c r="A5" s="3" t="inlineStr"><is><t>..</t></is></c>``, numbers as ``<v>%.16G</v>``), into the sheet's
row stream, and keeps xlsxwriter's bookkeeping (buffered row flushed first, dimensions) right. Dates and
datetimes in ``date``/``datetime`` columns are written as xlsxwriter's ``write_datetime`` stores them (the
serial number from the sheet's own ``_convert_date_time``, in the column's format). A row with anything else
(booleans, other dates, control characters, text that xlsxwriter would escape as ``_xHHHH_``) returns False
and is written cell by cell by the caller as before. ``tests/exporters/test_fastrows.py`` checks both
paths give the same workbook.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from xlsxwriter.utility import xl_col_to_name

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _plain_text(text: str) -> bool:
    """No control characters and no ``_xHHHH_`` look-alikes: xlsxwriter would escape those specially."""
    return text.isprintable() and "_x" not in text


def _style(fmt: Any) -> str:
    return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""


class RowStream:
    """Writes whole rows of one sheet. ``styles[i]`` is the Format of column i's numbers, ``text_styles[i]``
    that of its text (the Text format in a text column, none elsewhere), as the cell-by-cell path does."""

    def __init__(self, ws: Any, styles: Sequence[Any], text_styles: Sequence[Any], kinds: Sequence[str | None], *,
                 as_text: Callable[[Any], str], neutralise: Callable[[str], str],
                 text_width: Callable[[str], int], number_width: Callable[[float, str | None], int]) -> None:
        self.ws = ws
        self.cells = [(xl_col_to_name(col), _style(fmt), _style(text_fmt))
                      for col, (fmt, text_fmt) in enumerate(zip(styles, text_styles, strict=True))]
        self.kinds = list(kinds)
        self.as_text, self.neutralise = as_text, neutralise
        self.text_width, self.number_width = text_width, number_width
        self.last_col = len(styles) - 1

    def write(self, row: int, values: Sequence[Any], widths: list[int], height: float | None = None) -> bool:
        """Write ``values`` as 0-based ``row``; False (and nothing written) when a value needs the slow path."""
        parts: list[str] = []
        width_of: list[int] = []
        number = row + 1
        for (letters, style, text_style), kind, value in zip(self.cells, self.kinds, values, strict=True):
            if value is None:
                width_of.append(0)
                continue
            if isinstance(value, str) or (kind == "text" and isinstance(value, int | float | Decimal)
                                          and not isinstance(value, bool)):
                text = self.neutralise(value if isinstance(value, str) else self.as_text(value))
                if not text or not _plain_text(text):
                    return False
                space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
                parts.append(f'<c r="{letters}{number}"{text_style} t="inlineStr"><is><t{space}>'
                             f'{text.translate(_ESCAPES)}</t></is></c>')
                width_of.append(self.text_width(text))
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                figure = float(value)
                if not math.isfinite(figure):
                    return False
                rendered = f"{figure:.16G}"
                parts.append(f'<c r="{letters}{number}"{style}><v>{rendered}</v></c>')
                width_of.append(self.number_width(figure, kind))
            elif kind in ("date", "datetime") and isinstance(value, dt.date):
                # what write_datetime stores: the Excel serial number, in the column's date format
                serial = self.ws._convert_date_time(value)
                parts.append(f'<c r="{letters}{number}"{style}><v>{serial:.16G}</v></c>')
                width_of.append(16 if kind == "datetime" else 10)
            else:
                return False
        ws = self.ws
        if ws.previous_row < row:
            ws._write_single_row(row)  # flush what xlsxwriter buffered (titles, header) before our row
        tall = f' ht="{height:g}" customHeight="1"' if height else ""
        ws.fh.write(f'<row r="{number}"{tall}>{"".join(parts)}</row>')
        ws._check_dimensions(row, 0)
        ws._check_dimensions(row, self.last_col)
        for col, width in enumerate(width_of):
            if width > widths[col]:
                widths[col] = width
        return True

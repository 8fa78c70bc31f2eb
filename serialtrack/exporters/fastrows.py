"""Plain rows written straight into a streamed (constant_memory) xlsxwriter sheet.

xlsxwriter spends ~6 µs a cell on this machine (argument checks, a tuple per cell, a row table, attribute
escaping); a receipt of 100k serials is 700k cells. For rows that hold only text and numbers, this writer
renders the row's XML once, in the exact form xlsxwriter itself writes in constant_memory mode
(``<c r="A5" s="3" t="inlineStr"><is><t>..</t></is></c>``, numbers as ``<v>%.16G</v>``), into the sheet's
row stream, and keeps xlsxwriter's bookkeeping (buffered row flushed first, dimensions) right. Dates and
datetimes in ``date``/``datetime`` columns are written as xlsxwriter's ``write_datetime`` stores them (the
serial number from the sheet's own ``_convert_date_time``, in the column's format). A row with anything else
(booleans, other dates, control characters, text that xlsxwriter would escape as ``_xHHHH_``, text longer
than Excel's 32,767 characters) returns False
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
        #: Excel's longest cell text: xlsxwriter cuts longer text (and says so), so such a row takes the slow path
        self.max_text: int = ws.xls_strmax
        self.cells = [(xl_col_to_name(col), _style(fmt), _style(text_fmt))
                      for col, (fmt, text_fmt) in enumerate(zip(styles, text_styles, strict=True))]
        self.kinds = list(kinds)
        self.as_text, self.neutralise = as_text, neutralise
        self.text_width, self.number_width = text_width, number_width
        self.last_col = len(styles) - 1
        #: per column: (value, column letters, rendered XML after the reference, width) of the last text/int
        self.last: list[tuple[Any, str, str, int] | None] = [None] * len(styles)

    def write(self, row: int, values: Sequence[Any], widths: list[int], height: float | None = None) -> bool:
        """Write ``values`` as 0-based ``row``; False (and nothing written) when a value needs the slow path.

        A cell's XML after its reference (style, type, value) and its width depend only on the column and the
        value, so each column keeps the last text or whole number it rendered: a column that repeats one value
        down the sheet (item, lot, sheet name) is rendered once, not once a row."""
        if len(values) != len(self.cells):
            raise ValueError(f"{len(values)} values for {len(self.cells)} columns")
        parts: list[str] = []
        width_of: list[int] = []
        number = row + 1
        last = self.last
        for col, value in enumerate(values):
            if value is None:
                width_of.append(0)
                continue
            kind_of_value = value.__class__
            seen = last[col]
            if seen is not None and seen[0].__class__ is kind_of_value and seen[0] == value:
                parts.append(f'<c r="{seen[1]}{number}"{seen[2]}')
                width_of.append(seen[3])
                continue
            letters, _, text_style = self.cells[col]
            if kind_of_value is str:  # the commonest cell, inline: what _render does for text
                text = self.neutralise(value)
                if not text or len(text) > self.max_text or not text.isprintable() or "_x" in text:
                    return False
                space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
                shown = text.translate(_ESCAPES) if "&" in text or "<" in text or ">" in text else text
                tail = f'{text_style} t="inlineStr"><is><t{space}>{shown}</t></is></c>'
                width = self.text_width(text)
            else:
                rendered = self._render(col, value)
                if rendered is None:
                    return False
                tail, width = rendered
            if kind_of_value is str or kind_of_value is int:
                last[col] = (value, letters, tail, width)
            parts.append(f'<c r="{letters}{number}"{tail}')
            width_of.append(width)
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

    def _render(self, col: int, value: Any) -> tuple[str, int] | None:
        """(the cell's XML after ``<c r="A5"``, its width), or None when the value needs the slow path."""
        _, style, text_style = self.cells[col]
        kind = self.kinds[col]
        if isinstance(value, str) or (kind == "text" and isinstance(value, int | float | Decimal)
                                      and not isinstance(value, bool)):
            text = self.neutralise(value if isinstance(value, str) else self.as_text(value))
            if not text or len(text) > self.max_text or not _plain_text(text):
                return None
            space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
            return (f'{text_style} t="inlineStr"><is><t{space}>{text.translate(_ESCAPES)}</t></is></c>',
                    self.text_width(text))
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            figure = float(value)
            if not math.isfinite(figure):
                return None
            return f'{style}><v>{figure:.16G}</v></c>', self.number_width(figure, kind)
        if kind in ("date", "datetime") and isinstance(value, dt.date):
            # what write_datetime stores: the Excel serial number, in the column's date format
            serial = self.ws._convert_date_time(value)
            return f'{style}><v>{serial:.16G}</v></c>', 16 if kind == "datetime" else 10
        return None

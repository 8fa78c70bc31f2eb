"""Find the table in a sheet: the header row under the title block, the column of each field, the fields
given once in the title block, and the data rows below (blank rows and a trailing totals row left out).

Every value keeps its provenance: ``SheetTable.source(row, field)`` names the cell, so a message can read
``PL-0425.xlsx › Packing List › D17``.

Merged cells in the header zone are read as Excel shows them: the value of a merged range counts in every
cell it covers, so a two-row header whose ``PO`` and ``Item`` cells are merged down over both rows is found
on its second row. When a field's header appears over more than one column (a header merged across
columns, or two aliases of one field), the first column is read and the others are listed in
``SheetTable.duplicates``; the reader refuses the file if they hold values, rather than drop them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from serialtrack.ingest.fields import TITLE_FIELDS, Kind, header_key
from serialtrack.ingest.workbook import Grid
from serialtrack.records import CellValue, Source

HEADER_SEARCH_ROWS = 30
#: A totals label, the whole cell: ``Total``, ``Totals:``, ``Grand total``, ``Sub-total``. ``TOTAL-CLEAN`` or
#: ``Total station`` is not one.
_TOTALS = re.compile(r"^\s*(grand\s*)?(sub[\s-]?)?totals?\s*:?\s*$", re.IGNORECASE)
#: Columns that hold sums on a totals row; every other required field (and the item) is a key.
SUM_FIELDS = frozenset({"qty", "unit_cost", "unit_price", "est_unit_cost"})
_NUMBER = re.compile(r"^\s*[-+]?[$€£]?\s*[\d,]*\.?\d+\s*$")


@dataclass(frozen=True)
class TitleValue:
    value: CellValue
    source: Source


@dataclass
class SheetTable:
    """The table found in one sheet for one kind."""

    file: str
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, int]  # field -> 1-based column
    title: dict[str, TitleValue]
    #: (1-based row, values); a view of the reader's Rows once it has made them
    data_rows: Sequence[tuple[int, Sequence[CellValue]]]
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # field -> further 1-based columns
    unmapped: list[tuple[int, str]] = field(default_factory=list)  # (1-based column, header) read as no field
    given: dict[str, TitleValue] = field(default_factory=dict)  # vendor defaults and --set for absent fields

    @property
    def fields(self) -> set[str]:
        return set(self.columns) | set(self.title) | set(self.given)

    def source(self, row: int, name: str | None = None) -> Source:
        column = self.columns.get(name) if name else None
        return Source(self.file, self.sheet, row, column)

    def value(self, values: Sequence[CellValue], name: str) -> CellValue:
        return _cell(values, self.columns.get(name))


def _match_header(row: Sequence[CellValue], aliases: Mapping[str, str],
                  duplicates: dict[str, list[int]] | None = None) -> dict[str, int]:
    """field -> 1-based column for one candidate header row. A column that a vendor mapping names wins its
    field over a column that only a built-in alias names (``Time`` mapped to count_date beats ``Date``); the
    alias column is then not read, and not a duplicate."""
    found: dict[str, int] = {}
    preferred: frozenset[str] = getattr(aliases, "vendor", frozenset())
    by_vendor: set[str] = set()
    for index, cell in enumerate(row):
        if cell is None or not isinstance(cell, str) or ":" in cell:
            continue  # "PO #: 60006" and "Date:" are title-block labels, not column headers
        key = header_key(cell)
        name = aliases.get(key)
        if name is None:
            continue
        if key in preferred:
            if name not in by_vendor:
                by_vendor.add(name)
                if name in found and duplicates is not None and found[name] != index + 1:
                    duplicates.pop(name, None)  # the alias column was read first: the vendor's replaces it
                found[name] = index + 1
                continue
        elif name in by_vendor:
            continue
        if name in found and duplicates is not None:
            duplicates.setdefault(name, []).append(index + 1)
        found.setdefault(name, index + 1)
    return found


def _header_zone(grid: Grid) -> Sequence[Sequence[CellValue]]:
    """The first rows as Excel shows them: each merged range's value in every cell it covers."""
    shown = grid.rows[:HEADER_SEARCH_ROWS]
    spans = [m for m in grid.merged if m[0] <= len(shown)]
    if not spans:
        return shown
    zone = [list(row) for row in shown]
    for first_row, first_col, last_row, last_col in spans:
        value = _cell(zone[first_row - 1], first_col)
        if value is None:
            continue
        for r in range(first_row, min(last_row, len(zone)) + 1):
            row = zone[r - 1]
            if len(row) < last_col:
                row.extend([None] * (last_col - len(row)))
            for c in range(first_col, last_col + 1):
                row[c - 1] = value
    return zone


def _title_fields(grid: Grid, header_row: int, aliases: Mapping[str, str], file: str) -> dict[str, TitleValue]:
    """``PO #: 60006`` in one cell, or ``PO #`` and ``60006`` in adjacent cells, above the header."""
    found: dict[str, TitleValue] = {}
    for r in range(header_row - 1):
        row = grid.rows[r]
        for c, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            label, sep, rest = cell.partition(":")
            name = aliases.get(header_key(label))
            if name not in TITLE_FIELDS or name in found:
                continue
            if sep and rest.strip():
                found[name] = TitleValue(rest.strip(), Source(file, grid.name, r + 1, c + 1))
                continue
            for nc in range(c + 1, min(c + 4, len(row))):
                value = row[nc]
                if value is not None and not (isinstance(value, str) and not value.strip(".: ")):
                    found[name] = TitleValue(value, Source(file, grid.name, r + 1, nc + 1))
                    break
    return found


def _is_blank(values: Sequence[CellValue]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _cell(values: Sequence[CellValue], column: int | None) -> CellValue:
    return values[column - 1] if column is not None and column <= len(values) else None


def _is_totals(values: Sequence[CellValue], columns: Mapping[str, int], keys: frozenset[str]) -> bool:
    """A row labelled ``Total`` (a whole cell) whose key fields (the kind's required fields and the item) are
    empty or that label, and whose other cells are sums (numbers). A last row for item ``TOTAL-CLEAN``, or
    one describing a "Total station", is an item, not a totals row."""
    labelled = False
    for name, column in columns.items():
        value = _cell(values, column)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str) and _TOTALS.match(value):
            labelled = True
        elif name == "item_code" or (name in keys and name not in SUM_FIELDS):
            return False
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, str):
            if _TOTALS.match(value):
                labelled = True
            elif value.strip() and not _NUMBER.match(value):
                return False
        elif not isinstance(value, int | float):
            return False
    return labelled


def find_header(grid: Grid, aliases: Mapping[str, str], file: str) -> tuple[int, dict[str, int],
                                                                          dict[str, TitleValue]] | None:
    """The best header row in the first 30 rows (1-based), its field -> column map and the title-block fields
    above it, or None when no row names a field. Reads only the header zone: its cost does not grow with the
    sheet's rows (kind detection calls it once per kind)."""
    best_row, best_cols = 0, dict[str, int]()
    zone = _header_zone(grid)
    for r, row in enumerate(zone):
        cols = _match_header(row, aliases)
        if len(cols) > len(best_cols):
            best_row, best_cols = r + 1, cols
    if not best_cols:
        return None
    title = {k: v for k, v in _title_fields(grid, best_row, aliases, file).items() if k not in best_cols}
    return best_row, best_cols, title


def find_table(grid: Grid, kind: Kind, aliases: Mapping[str, str], file: str) -> SheetTable | None:
    """The best header row in the first 30 rows for ``kind``, or None when no row names any of its fields."""
    found = find_header(grid, aliases, file)
    if found is None:
        return None
    best_row, best_cols, title = found
    header = _header_zone(grid)[best_row - 1]
    duplicates: dict[str, list[int]] = {}
    _match_header(header, aliases, duplicates)
    used = set(best_cols.values()) | {c for cols in duplicates.values() for c in cols}
    unmapped = [(i + 1, str(h).strip()) for i, h in enumerate(header)
                if h is not None and str(h).strip() and (i + 1) not in used]
    ignored = [h for _, h in unmapped]
    rows = [(i + 1, values) for i, values in enumerate(grid.rows) if i >= best_row and not _is_blank(values)]
    notes: list[str] = []
    while rows and _is_totals(rows[-1][1], best_cols, kind.required) and _cell(rows[-1][1], best_cols.get("serials")) is None:
        notes.append(f"row {rows[-1][0]} is a totals row and was not read as an item")
        rows.pop()
    return SheetTable(file, grid.name, best_row, best_cols, title, rows, ignored, notes, duplicates, unmapped)

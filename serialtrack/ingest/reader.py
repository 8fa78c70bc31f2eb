"""One dropped file -> its kind, its tables and its rows with provenance, or Issues saying why not.

The kind comes from the inbox subfolder (or ``--kind``); a file dropped straight into ``inbox/`` gets the kind
whose required columns are all present and which uses the most of the file's columns (title-block fields
count). No fit, or a tie, is a rejection naming the candidates. Every sheet with a matching header is read;
other sheets are ignored and said so.

What Excel hides is read all the same and said so in a note (hidden sheets, hidden rows and columns that hold
data). What Excel shows differently from what the file holds is refused, naming the cell: a merged range
over data rows (its value sits in one cell only), a second column of serials that holds values (or any field
under a header merged across columns), text with invisible control characters.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from serialtrack.ingest.fields import FIELDS, OUR_HEADERS, ROW_NUMBER_HEADERS, Kind, field_label, header_key
from serialtrack.ingest.safety import DEFAULT_LIMITS, ReadLimits, UnsafeFile
from serialtrack.ingest.table import HEADER_SEARCH_ROWS, SheetTable, TitleValue, find_header, find_table
from serialtrack.ingest.values import Cell
from serialtrack.ingest.workbook import CONTROL_CHARS, Grid, ReadFile, read_grids
from serialtrack.records import CellValue, Issue, KindName, Severity, Source, column_letter


@dataclass(frozen=True)
class VendorMapping:
    """A vendor's recognition rules and column map (from ``[vendors.NAME]`` in the config)."""

    name: str
    file_pattern: str | None = None
    title_contains: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    #: fixed values for fields the vendor's sheets lack (``defaults = { office = "Main" }``)
    defaults: Mapping[str, str] = field(default_factory=dict)

    def matches(self, file_name: str, grids: Sequence[Grid]) -> bool:
        if self.file_pattern and fnmatch.fnmatch(file_name.casefold(), self.file_pattern.casefold()):
            return True
        if self.title_contains:
            needle = self.title_contains.casefold()
            for grid in grids:
                for row in grid.rows[:HEADER_SEARCH_ROWS]:
                    if any(isinstance(v, str) and needle in v.casefold() for v in row):
                        return True
        return False


class Frame:
    """What every row of one table shares: the file and sheet, the field -> column map, the title-block cells."""

    __slots__ = ("file", "sheet", "columns", "title")

    def __init__(self, file: str, sheet: str | None, columns: Mapping[str, int], title: Mapping[str, Cell]) -> None:
        self.file, self.sheet = file, sheet
        self.columns = dict(columns)
        self.title = dict(title)

    def picker(self, name: str) -> Callable[[Sequence[CellValue]], CellValue]:
        """A function of a row's values giving what ``Row.value(name)`` gives, for a whole column at a time."""
        title = self.title.get(name)
        fallback = None if title is None or title.blank else title.value
        column = self.columns.get(name)
        if column is None:
            return lambda values: fallback
        index = column - 1

        def pick(values: Sequence[CellValue]) -> CellValue:
            value = values[index] if index < len(values) else None
            if value is None:
                return fallback
            return None if _blank_text(value) else value

        return pick


class Row:
    """One data row: field -> cell (title-block fields filled in where the row lacks them).

    A row keeps its sheet values and its table's ``Frame``; a ``Cell`` (value and ``Source``) is made only when
    asked for, so a 100k-row sheet does not hold 600k cells. Provenance is the same as if every cell were
    stored: a field's cell is its column on this row, or the title-block cell when the row leaves it empty."""

    __slots__ = ("frame", "number", "values")

    def __init__(self, frame: Frame, number: int, values: Sequence[CellValue]) -> None:
        self.frame, self.number, self.values = frame, number, values

    @property
    def source(self) -> Source:
        return Source(self.frame.file, self.frame.sheet, self.number)

    @property
    def cells(self) -> dict[str, Cell]:
        """Every field's cell, blank ones included (title cells where the row has no value)."""
        frame, values = self.frame, self.values
        cells = dict(frame.title)
        for name, column in frame.columns.items():
            value = values[column - 1] if column <= len(values) else None
            if value is not None or name not in cells:
                cells[name] = Cell(value, Source(frame.file, frame.sheet, self.number, column))
        return cells

    def _own(self, name: str) -> tuple[int, CellValue] | None:
        """The field's column on this row and what it holds when it holds anything (blank text included: that
        is the row's own blank); None when the row has no such column or leaves it empty, so the title-block
        cell stands in."""
        column = self.frame.columns.get(name)
        if column is None:
            return None
        values = self.values
        value = values[column - 1] if column <= len(values) else None
        return None if value is None else (column, value)

    def value(self, name: str) -> CellValue:
        """The field's value as ``get(name).value`` would give it, without making the cell; None when blank."""
        own = self._own(name)
        if own is not None:
            return None if _blank_text(own[1]) else own[1]
        title = self.frame.title.get(name)
        return None if title is None or title.blank else title.value

    def get(self, name: str) -> Cell | None:
        own = self._own(name)
        if own is not None:
            column, value = own
            if _blank_text(value):
                return None
            return Cell(value, Source(self.frame.file, self.frame.sheet, self.number, column))
        title = self.frame.title.get(name)
        return None if title is None or title.blank else title


def _blank_text(value: CellValue) -> bool:
    return isinstance(value, str) and not value.strip()


@dataclass
class Ingested:
    file: str
    kind: KindName | None
    vendor: str | None = None
    read: ReadFile | None = None
    tables: list[SheetTable] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def grids(self) -> list[Grid]:
        return self.read.sheets if self.read else []


def _headers(grids: Sequence[Grid], vendor: VendorMapping | None, kinds: Mapping[KindName, Kind],
             file: str) -> dict[KindName, list[set[str]]]:
    """For each kind, the fields each sheet's header row and title block give through that kind's aliases
    (sheets with no header row for it left out). Reads the header zones only, once per kind and sheet."""
    found: dict[KindName, list[set[str]]] = {}
    for name, kind in kinds.items():
        aliases = kind.alias_map(vendor.columns if vendor else None)
        headers = (find_header(grid, aliases, file) for grid in grids)
        found[name] = [set(columns) | set(title) for _, columns, title in filter(None, headers)]
    return found


def detect_kind(grids: Sequence[Grid], file: str, vendor: VendorMapping | None,
                kinds: Mapping[KindName, Kind], *, guess_master_data: bool = True,
                given: frozenset[str] = frozenset()) -> tuple[KindName | None, list[Issue]]:
    """The kind that fits best, or None with the reason as an Issue. With ``guess_master_data`` False (a file
    dropped straight into inbox/) a best fit that is master data is refused, never guessed."""
    scores: dict[KindName, int] = {}
    headers = _headers(grids, vendor, kinds, file)
    named = set(given).union(*(fields for sheets in headers.values() for fields in sheets))
    for name, kind in kinds.items():
        if kind.exclusive and not named <= set(kind.columns):
            continue  # a question only when its own fields are all the file names
        # a sheet fits when its header, title block and the given fields hold every required field
        fits = [len(fields) for fields in (sheet | (given & set(kind.columns)) for sheet in headers[name])
                if kind.required <= fields and (not kind.detect_needs or kind.detect_needs & fields)]
        if fits:
            scores[name] = max(fits)
    source = Source(file)
    if not scores:
        return None, [Issue("kind-unknown",
                            "no file kind fits this file: no sheet has a header row with the required columns of "
                            "any kind (for a packing list: PO and Item; see the README). Drop it into the "
                            "subfolder of its kind, e.g. inbox/receiving/, or add a vendor mapping", source)]
    best = max(scores.values())
    winners = sorted(k for k, s in scores.items() if s == best)
    master = [k for k in winners if kinds[k].master_data]
    if master and not guess_master_data:  # never guessed: a report with an Item column must not rewrite the items
        return None, [Issue("kind-master-data",
                            f"this file looks like {' or '.join(master)}, master data, which is never guessed from a "
                            f"file dropped straight into inbox/; drop it into inbox/{master[0]}/ if that is what "
                            "it is, or use --kind", source)]
    if len(winners) > 1:
        return None, [Issue("kind-ambiguous",
                            f"this file fits {' and '.join(winners)} equally; drop it into the subfolder of its "
                            f"kind (inbox/{winners[0]}/ ...) or use --kind", source)]
    return winners[0], []


def _rows(table: SheetTable) -> list[Row]:
    """The table's data rows as ``Row``s. Each Row holds its number and values, so the table's own list of
    (number, values) pairs becomes a view of the Rows: 56 bytes a row less (a tuple each) for as long as the
    file is in hand."""
    given = {**table.given, **table.title}  # a title-block value wins (a conflict is refused by the reader)
    frame = Frame(table.file, table.sheet, table.columns, {name: Cell(tv.value, tv.source) for name, tv in given.items()})
    rows = [Row(frame, number, values) for number, values in table.data_rows]
    table.data_rows = _NumberedValues(rows)
    return rows


class _NumberedValues(Sequence[tuple[int, Sequence[CellValue]]]):
    """(row number, values) of each Row, read from the Rows themselves."""

    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> tuple[int, Sequence[CellValue]]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[int, Sequence[CellValue]]]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, Sequence[CellValue]] | Sequence[tuple[int, Sequence[CellValue]]]:
        if isinstance(index, slice):
            return [(row.number, row.values) for row in self.rows[index]]
        row = self.rows[index]
        return row.number, row.values


@dataclass(frozen=True)
class Given:
    """Fixed values for fields the sheet may lack: a vendor table's ``defaults`` and ``ingest --set`` (which
    wins over the vendor's). ``origin`` says where each came from, in a clerk's words."""

    values: Mapping[str, str] = field(default_factory=dict)
    origin: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, vendor: VendorMapping | None, overrides: Mapping[str, str]) -> Given:
        values: dict[str, str] = {}
        origin: dict[str, str] = {}
        if vendor is not None:
            for name, value in vendor.defaults.items():
                values[name], origin[name] = value, f"the defaults of vendor {vendor.name}"
        for name, value in overrides.items():
            values[name], origin[name] = value, f"--set {name}={value}"
        return cls(values, origin)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.values)


def _same(a: CellValue, b: CellValue) -> bool:
    def norm(v: CellValue) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip().casefold()
    return norm(a) == norm(b)


def read_file(path: Path, *, kinds: Mapping[KindName, Kind], file_name: str | None = None, kind: str | None = None,
              vendors: Sequence[VendorMapping] = (), limits: ReadLimits = DEFAULT_LIMITS,
              guess_master_data: bool = True, overrides: Mapping[str, str] | None = None) -> Ingested:
    """Read ``path`` (shown to users as ``file_name``) into rows of ``kind`` (detected when None; master data
    only where ``guess_master_data``). ``overrides`` are ``ingest --set`` values: like a vendor's defaults,
    they fill a field the sheet lacks (a value in the sheet wins; one that contradicts the title block is an
    error)."""
    name = file_name or path.name
    result = Ingested(name, KindName(kind) if kind is not None else None)
    unknown = sorted(set(overrides or {}) - FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")
    try:
        result.read = read_grids(path, limits)
    except UnsafeFile as exc:
        result.issues.append(Issue(exc.code, str(exc), Source(name)))
        return result
    grids = result.read.sheets
    vendor = next((v for v in vendors if v.matches(name, grids)), None)
    result.vendor = vendor.name if vendor else None
    given = Given.of(vendor, overrides or {})
    if kind is None:
        kind, issues = detect_kind(grids, name, vendor, kinds, guess_master_data=guess_master_data,
                                   given=given.fields)
        result.issues.extend(issues)
        if kind is None:
            return result
    result.kind = KindName(kind)
    spec = kinds[result.kind]
    aliases = spec.alias_map(vendor.columns if vendor else None)
    for extra in sorted(given.fields - set(spec.columns)):
        result.notes.append(f"{given.origin[extra]}: {spec.name} files have no {field_label(extra)} column, so it "
                            "was not used")
    for grid in grids:
        _read_sheet(result, grid, spec, aliases, given)
    if not result.tables:
        result.issues.extend(_no_table_issues(name, spec, grids, aliases, given))
    for grid in grids:
        for row, column in grid.uncached_formulas:
            if any(t.sheet == grid.name for t in result.tables):
                result.issues.append(Issue(
                    "formula-not-calculated",
                    "this cell holds a formula whose result was never saved (the sheet was written by a "
                    "program, not Excel); open the file in Excel, let it calculate, save and drop it again",
                    Source(name, grid.name, row, column)))
    return result


def _apply_given(result: Ingested, table: SheetTable, spec: Kind, given: Given) -> None:
    """Fill the fields the sheet lacks from ``given``; a title-block value that says otherwise is an error."""
    for name in sorted(given.fields & set(spec.columns)):
        value = given.values[name]
        if name in table.title:
            said = table.title[name]
            if not _same(said.value, value):
                result.issues.append(Issue(
                    "given-value-conflict", f"the title block says {field_label(name)} {said.value} but "
                    f"{given.origin[name]} says {value}; remove one of them so the file says one thing",
                    said.source))
            continue
        table.given[name] = TitleValue(value, Source(result.file, table.sheet))
        where = ("for rows that leave the column blank" if name in table.columns else "for every row")
        result.notes.append(f"sheet {table.sheet!r}: {field_label(name)} {value} from {given.origin[name]} "
                            f"{where}")


def _unmapped_issues(file: str, table: SheetTable, spec: Kind) -> list[Issue]:
    """Each header that maps to no field, named on its cell with the field it most resembles."""
    issues = []
    for column, header in table.unmapped:
        if header_key(header) in OUR_HEADERS:
            continue
        where = Source(file, table.sheet, table.header_row, column)
        if header_key(header) in ROW_NUMBER_HEADERS:
            why = "it numbers the rows"
        elif (closest := spec.closest_field(header)) is None:
            why = "no field of this kind has a header like it"
        elif closest in table.columns:
            why = (f"it looks like {field_label(closest)}, which is read from column "
                   f"{column_letter(table.columns[closest])}")
        else:
            why = (f"did you mean {field_label(closest)}? ({header} -> {closest}?) Rename the header to "
                   f"{field_label(closest)}, or map the vendor's column in serialtrack.toml")
        issues.append(Issue("column-not-read", f"column {column_letter(column)} ({header!r}) was not read: {why}",
                            where, Severity.WARNING))
    return issues


def _read_sheet(result: Ingested, grid: Grid, spec: Kind, aliases: Mapping[str, str], given: Given) -> None:
    table = find_table(grid, spec, aliases, result.file)
    if table is None or not spec.required <= (table.fields | given.fields):
        if any(any(v is not None for v in row) for row in grid.rows):
            result.notes.append(f"sheet {grid.name!r} has no {spec.name} header row and was not read")
        return
    result.tables.append(table)
    _apply_given(result, table, spec, given)
    result.notes.extend(f"sheet {grid.name!r}: {note}" for note in table.notes)
    if grid.hidden and table.data_rows:
        result.notes.append(f"sheet {grid.name!r} is hidden in Excel and was read all the same")
    result.notes.extend(_hidden_notes(grid, table))
    result.issues.extend(_unmapped_issues(result.file, table, spec))
    result.issues.extend(_merged_issues(result.file, grid, table))
    result.issues.extend(_duplicate_issues(result.file, grid, table))
    result.issues.extend(_control_issues(result.file, grid, table))
    result.issues.extend(_error_issues(result.file, grid, table))
    result.rows.extend(_rows(table))


def _listed(numbers: Sequence[int], shown: int = 10) -> str:
    text = ", ".join(map(str, numbers[:shown]))
    return text + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


def _hidden_notes(grid: Grid, table: SheetTable) -> list[str]:
    notes = []
    data = {number for number, _ in table.data_rows}
    rows = sorted(set(grid.hidden_rows) & data)
    if rows:
        notes.append(f"sheet {grid.name!r}: row{'s' if len(rows) > 1 else ''} {_listed(rows)} "
                     f"{'are' if len(rows) > 1 else 'is'} hidden in Excel and {'were' if len(rows) > 1 else 'was'} "
                     "read all the same")
    hidden = set(grid.hidden_columns)
    for name, column in sorted(table.columns.items(), key=lambda kv: kv[1]):
        if column in hidden and any(column <= len(v) and v[column - 1] is not None for _, v in table.data_rows):
            notes.append(f"sheet {grid.name!r}: column {column_letter(column)} ({name}) is hidden in Excel and "
                         "was read all the same")
    return notes


def _range(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{column_letter(first_col)}{first_row}:{column_letter(last_col)}{last_row}"


def _merged_issues(file: str, grid: Grid, table: SheetTable) -> list[Issue]:
    """A merged range that covers a read column on a data row, other than in its own first cell: Excel shows
    the value there, the file holds nothing."""
    issues = []
    data = {number for number, _ in table.data_rows}
    read = set(table.columns.values())
    for first_row, first_col, last_row, last_col in grid.merged:
        covered = [(r, c) for r in range(max(first_row, table.header_row + 1), last_row + 1) if r in data
                   for c in range(first_col, last_col + 1) if c in read and (r, c) != (first_row, first_col)]
        if covered:
            span = _range(first_row, first_col, last_row, last_col)
            issues.append(Issue("cell-merged",
                                f"cells {span} are merged: Excel shows one value across them, but the file holds "
                                f"it only in {column_letter(first_col)}{first_row}, so the other rows would read "
                                "as empty; unmerge the cells and fill in every row",
                                Source(file, grid.name, first_row, first_col)))
    return issues


def _duplicate_issues(file: str, grid: Grid, table: SheetTable) -> list[Issue]:
    """A second column for one field that holds values. Serials, or a header merged across the columns, are
    refused: values would be lost, and which column is right is not guessed. Two aliases of another field
    (``Item Code`` and ``Model``) are a warning: the first column is read, as before."""
    issues = []
    header = grid.rows[table.header_row - 1] if table.header_row <= len(grid.rows) else []
    for name, columns in table.duplicates.items():
        first = table.columns[name]
        for column in columns:
            if not any(column <= len(v) and v[column - 1] is not None for _, v in table.data_rows):
                continue
            where = Source(file, grid.name, table.header_row, column)
            merged = next((m for m in grid.merged if m[0] <= table.header_row <= m[2] and m[1] <= column <= m[3]),
                          None)
            if merged is None and name != "serials":
                shown = header[column - 1] if column <= len(header) else None
                issues.append(Issue("column-duplicate",
                                    f"column {column_letter(column)} ({shown}) also names {name}; column "
                                    f"{column_letter(first)} was read and this one ignored (rename its header, or "
                                    "map the vendor's columns in serialtrack.toml)", where, Severity.WARNING))
                continue
            why = (f"the header is merged across {_range(*merged)}" if merged
                   else f"its header {column_letter(column)}{table.header_row} also names {name}")
            issues.append(Issue("column-duplicate",
                                f"columns {column_letter(first)} and {column_letter(column)} both hold {name} "
                                f"({why}); only one column per field is read, so column {column_letter(column)}'s "
                                "values would be lost: give each column its own header, or move the values "
                                f"into column {column_letter(first)}", where))
    return issues


def _control_issues(file: str, grid: Grid, table: SheetTable) -> list[Issue]:
    """Text with control characters (Excel's ``_x0001_`` escapes, NUL) in a cell that is read."""
    if not grid.control_cells:
        return []
    data = {number for number, _ in table.data_rows}
    read = set(table.columns.values())
    titles = {(tv.source.row, tv.source.column) for tv in table.title.values()}
    issues = []
    for row, column in grid.control_cells:
        if (row in data and column in read) or (row, column) in titles:
            value = grid.rows[row - 1][column - 1]
            codes = sorted({f"U+{ord(c):04X}" for c in str(value) if CONTROL_CHARS.match(c)})
            issues.append(Issue("cell-control-character",
                                f"this cell holds invisible control characters ({', '.join(codes)}) that Excel "
                                "does not show; retype the value",
                                Source(file, grid.name, row, column)))
    return issues


#: What each Excel error means, in the clerk's words.
EXCEL_ERRORS = {
    "#REF!": "a formula refers to cells that were deleted",
    "#N/A": "a lookup found no value",
    "#DIV/0!": "a formula divides by zero",
    "#VALUE!": "a formula got the wrong kind of value",
    "#NAME?": "a formula uses a name Excel does not know",
    "#NUM!": "a formula gave an impossible number",
    "#NULL!": "a formula refers to ranges that do not meet",
    "#SPILL!": "a formula's results have no room to spill",
    "#CALC!": "a formula could not be calculated",
    "#GETTING_DATA": "a formula was still waiting for data",
}


def _error_issues(file: str, grid: Grid, table: SheetTable) -> list[Issue]:
    """A cell that Excel shows as an error (#REF!, #N/A...) where a value is read: the value is unknown, so
    the cell is refused, never read as blank."""
    if not grid.error_cells:
        return []
    data = {number for number, _ in table.data_rows}
    read = set(table.columns.values())
    titles = {(tv.source.row, tv.source.column) for tv in table.title.values()}
    issues = []
    for row, column, error in grid.error_cells:
        if (row in data and column in read) or (row, column) in titles:
            meaning = EXCEL_ERRORS.get(error.upper(), "Excel could not work out this cell's value")
            issues.append(Issue("cell-error",
                                f"this cell shows the Excel error {error} ({meaning}) instead of a value; fix "
                                "the formula or type the value, save and drop the file again",
                                Source(file, grid.name, row, column)))
    return issues


def _no_table_issues(file: str, spec: Kind, grids: Sequence[Grid], aliases: Mapping[str, str],
                     given: Given = Given()) -> list[Issue]:
    """Why no sheet could be read as ``spec``; where a header row came close, its unread columns too."""
    best: SheetTable | None = None
    for grid in grids:
        table = find_table(grid, spec, aliases, file)
        if table and (best is None or len(table.fields) > len(best.fields)):
            best = table
    needs = ", ".join(field_label(f) for f in sorted(spec.required, key=spec.columns.index))
    if best is None:
        if not any(any(v is not None for v in row) for g in grids for row in g.rows):
            return [Issue("file-empty", "the file has no data: every sheet is empty", Source(file))]
        return [Issue("header-not-found",
                     f"no header row with {spec.name} columns was found in the first {HEADER_SEARCH_ROWS} rows "
                     f"of any sheet; it needs columns {needs}", Source(file))]
    missing = [f for f in spec.columns if f in spec.required and f not in best.fields | given.fields]
    candidates = [h for _, h in best.unmapped if header_key(h) not in ROW_NUMBER_HEADERS]
    shown = ", ".join(repr(h) for h in candidates[:8]) + (" ..." if len(candidates) > 8 else "")
    lacking = " and ".join(f"no {field_label(name)} column" for name in missing)
    question = f": is it one of {shown}?" if candidates else ""
    fix = ("rename that column's header, map the vendor's column in serialtrack.toml "
           f"(columns = {{ \"Their header\" = \"{missing[0]}\" }}), or give one value for every row with "
           f"ingest --set {missing[0]}=...")
    return [Issue("required-column-missing", f"{lacking}{question} A {spec.name} file needs {needs}: {fix}",
                  Source(file, best.sheet, best.header_row)), *_unmapped_issues(file, best, spec)]


__all__ = ["Frame", "Ingested", "Row", "VendorMapping", "detect_kind", "header_key", "read_file"]

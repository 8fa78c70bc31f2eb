"""Read a dropped file into grids of cell values: xlsx/xlsm through python-calamine, csv through the csv
module with its encoding and delimiter detected.

A ``Grid`` is one sheet as the clerk sees it: ``rows[0]`` is sheet row 1, ``rows[r][0]`` column A; empty
cells are None. Formulas whose result was never saved (sheets written by scripts) are found in the sheet XML
and listed, so they are reported by cell instead of read as blanks. Macros in xlsm files are never run: we
only read cell values.

Before calamine parses a sheet, ``safety.scan_sheet`` has checked its extent and flagged what needs a closer
look here: formulas, hidden rows and columns, control characters in text. What Excel hides is read and
listed (``Grid.hidden_rows``, ``hidden_columns``), merged ranges are kept (``Grid.merged``), and cells whose
text holds control characters are listed (``Grid.control_cells``) for the reader to report. Any damage to
the zip or its XML is reported as a corrupt workbook, never raised as a defect.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join as posix_join
from posixpath import normpath

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from serialtrack.ingest.safety import (
    DEFAULT_LIMITS,
    XML_ATTRIBUTE,
    ReadLimits,
    UnsafeFile,
    check_extent,
    check_size,
    check_workbook_zip,
    check_zip_entries,
    column_number,
    part_segments,
    refuse_non_workbook,
    scan_sheet,
    shared_strings_control,
    sniff_format,
    utf16_without_bom,
)
from serialtrack.records import CellValue

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_ROW_OR_COL = re.compile(rb"<(?:\w+:)?(row|col)(?=[\s/>])([^>]*)>")
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: What a damaged zip or its XML raises while it is read (zipfile, zlib, struct, calamine, ElementTree).
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, struct.error,
           CalamineError, SafeET.ParseError, UnicodeDecodeError, LookupError)


@dataclass
class Grid:
    """One sheet's values. Coordinates are 1-based: ``uncached_formulas`` and ``control_cells`` hold
    (row, column); ``merged`` holds (first row, first column, last row, last column)."""

    name: str
    rows: Sequence[Sequence[CellValue]]  # lists from a workbook, tuples from a csv
    hidden: bool = False
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    control_cells: list[tuple[int, int]] = field(default_factory=list)
    error_cells: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, "#REF!")


@dataclass
class ReadFile:
    """What was read from one file: its format, its sheets, and how csv was decoded."""

    format: str  # "xlsx", "xlsm" or "csv"
    sheets: list[Grid]
    encoding: str | None = None
    delimiter: str | None = None


def read_grids(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> ReadFile:
    """Read every sheet of ``path``. Raises ``UnsafeFile`` (with an Issue code) when the file is refused."""
    check_size(path, limits)
    with open(path, "rb") as handle:
        head = handle.read(8192)
    fmt = sniff_format(path, head)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        if fmt != "zip":
            raise refuse_non_workbook(fmt)
        return _read_workbook(path, suffix.lstrip("."), limits)
    if suffix in CSV_SUFFIXES:
        if fmt == "zip":
            raise UnsafeFile("not-a-csv", "this is an Excel workbook saved with a .csv name; rename it to .xlsx")
        if fmt not in ("text", "empty"):
            raise UnsafeFile("not-a-csv", "the file holds binary data (NUL bytes), not CSV text; save it from "
                                          "Excel as CSV, or drop the workbook itself")
        return _read_csv(path, limits)
    if fmt in ("ole", "ole-encrypted", "html"):  # report.xls: an old workbook, or a web page saved as one
        raise refuse_non_workbook(fmt)
    raise UnsafeFile("unsupported-file-type",
                     f"files ending in {suffix or '(no extension)'} are not read; "
                     "drop .xlsx, .xlsm or .csv files")


# -- workbooks -------------------------------------------------------------------------------------------------


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, tuple[str, bool]]:
    """Sheet name -> (zip part path, hidden) from workbook.xml and its relationships."""
    workbook = SafeET.fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    names = set(zf.namelist())
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else normpath(posix_join("xl", target))
        targets[rel.get("Id")] = part if part in names or target not in names else target
    parts: dict[str, tuple[str, bool]] = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        name = sheet.get("name", "")
        rid = sheet.get(f"{_NS_REL}id")
        hidden = sheet.get("state", "visible") in ("hidden", "veryHidden")
        if rid in targets:
            parts[name] = (targets[rid], hidden)
    return parts


def _hidden_lines(zf: zipfile.ZipFile, part: str) -> tuple[list[int], list[int]]:
    """Rows and columns marked hidden (by hand or by a filter), 1-based."""
    rows: list[int] = []
    columns: list[int] = []
    row = 0
    for seg in part_segments(zf, part):
        for match in _ROW_OR_COL.finditer(seg):
            attrs = dict(XML_ATTRIBUTE.findall(match.group(2)))
            hidden = attrs.get(b"hidden") in (b"1", b"true")
            if match.group(1) == b"row":
                ref = attrs.get(b"r")
                row = int(ref) if ref and ref.isdigit() else row + 1
                if hidden:
                    rows.append(row)
            elif hidden:
                first, last = attrs.get(b"min", b""), attrs.get(b"max", b"")
                if first.isdigit() and last.isdigit():
                    columns.extend(range(int(first), min(int(last), 16_384) + 1))
    return rows, columns


def _uncached_formulas(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int]]:
    """Cells holding a formula with no saved value (only called when the scan saw a formula)."""
    cells: list[tuple[int, int]] = []
    with zf.open(part) as stream:
        for _event, elem in SafeET.iterparse(stream, events=("end",)):
            if elem.tag != f"{_NS_MAIN}c":
                continue
            formula = elem.find(f"{_NS_MAIN}f")
            if formula is not None:
                value = elem.find(f"{_NS_MAIN}v")
                empty = value is None or (not value.text and elem.get("t") != "str")
                match = _CELL_REF.fullmatch(elem.get("r", ""))
                if empty and match:
                    cells.append((int(match.group(2)), column_number(match.group(1))))
            elem.clear()
    return cells


def _error_cells(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, str]]:
    """Cells holding an Excel error (``t="e"``: #REF!, #N/A, #DIV/0!...), which calamine reads as blank
    (only called when the scan saw one)."""
    cells: list[tuple[int, int, str]] = []
    with zf.open(part) as stream:
        for _event, elem in SafeET.iterparse(stream, events=("end",)):
            if elem.tag != f"{_NS_MAIN}c":
                continue
            match = _CELL_REF.fullmatch(elem.get("r", ""))
            if elem.get("t") == "e" and match:
                value = elem.find(f"{_NS_MAIN}v")
                shown = (value.text or "").strip() if value is not None else ""
                cells.append((int(match.group(2)), column_number(match.group(1)), shown or "#ERROR"))
            elem.clear()
    return cells


def sheet_rows(sheet: CalamineSheet) -> list[list[CellValue]]:
    """The sheet's rows from A1, as ``to_python(skip_empty_area=False)`` gives them with ``""`` read as None,
    taken from calamine one row at a time (no second list of every row). A value equal to the one above it,
    and of the same type (``1.0`` is not ``True``), is made the same object, as csv rows are (``shared_with``):
    a packing list repeats its item, description and bin on every row, and one copy of each is enough. At
    100k rows this holds 21 MB where the rows as calamine gives them held 41 MB. Rows stay lists: an error
    cell is written into its row after the read."""
    if sheet.start is None:  # nothing on the sheet
        return [[None if value == "" else value for value in row] for row in sheet.to_python(skip_empty_area=False)]
    pad = [""] * sheet.start[1]  # iter_rows starts at the first used column, not at A
    rows: list[list[CellValue]] = []
    above: list[CellValue] = []
    for raw in sheet.iter_rows():
        values: Sequence[CellValue] = [*pad, *raw] if pad else raw
        if above:
            row = [None if value == "" else (a if value == a and value.__class__ is a.__class__ else value)
                   for value, a in zip(values, above, strict=True)]
        else:
            row = [None if value == "" else value for value in values]
        rows.append(row)
        above = row
    return rows


def shared_with(row: list[CellValue], above: Sequence[CellValue]) -> tuple[CellValue, ...]:
    """A CSV row (str or None only) as a tuple, each cell equal to the cell above it made the same string
    object: a scan log of a million rows repeats its item, description and bin on every row, and one copy of
    each is enough (values unchanged). A tuple, not a list: 40 bytes a row less, and nothing edits a csv row."""
    if above:
        row[:len(above)] = [a if v == a else v for v, a in zip(row, above, strict=False)]
    return tuple(row)


def control_cells(rows: Sequence[Sequence[CellValue]]) -> list[tuple[int, int]]:
    """(row, column), 1-based, of text cells holding a control character other than tab, LF and CR."""
    return [(r, c) for r, row in enumerate(rows, start=1) for c, value in enumerate(row, start=1)
            if type(value) is str and CONTROL_CHARS.search(value)]


def _read_workbook(path: Path, fmt: str, limits: ReadLimits) -> ReadFile:
    check_zip_entries(path, limits)
    try:
        return _read_zip(path, fmt, limits)
    except DefusedXmlException as exc:
        raise UnsafeFile("xml-entities", "the workbook's XML declares entities or a DOCTYPE, which no Excel "
                                         "workbook does; refused as a possible XML entity bomb") from exc
    except _DAMAGE as exc:
        raise refuse_non_workbook("corrupt") from exc
    except BaseException as exc:  # a Rust panic in calamine is a BaseException; it must not stop the service
        if type(exc).__name__ != "PanicException":
            raise
        raise refuse_non_workbook("corrupt") from exc


def _read_zip(path: Path, fmt: str, limits: ReadLimits) -> ReadFile:
    with zipfile.ZipFile(path) as zf:
        check_workbook_zip(zf, limits)
        parts = _sheet_parts(zf)
        names = set(zf.namelist())
        shared_control = shared_strings_control(zf)
        book = CalamineWorkbook.from_path(str(path))
        grids: list[Grid] = []
        try:
            for name in book.sheet_names:
                part, hidden = parts.get(name, ("", False))
                if part not in names:
                    raise UnsafeFile("workbook-corrupt", f"the workbook lists sheet {name} but its part is "
                                                         "missing; save it again from Excel")
                scan = scan_sheet(zf, part)
                check_extent(name, scan, limits)
                if scan.bad_shared:
                    raise UnsafeFile("workbook-corrupt",
                                     f"sheet {name} has a text cell that points at no entry of the workbook's "
                                     "shared text table; the file is damaged: save it again from Excel")
                sheet = book.get_sheet_by_name(name)
                if sheet.total_height > limits.max_rows:
                    raise UnsafeFile("too-many-rows",
                                     f"sheet {name} has {sheet.total_height:,} rows, over the limit of "
                                     f"{limits.max_rows:,} (limits.max_rows); split the file")
                rows = sheet_rows(sheet)
                grid = Grid(name, rows, hidden)
                grid.uncached_formulas = _uncached_formulas(zf, part) if scan.formulas else []
                grid.error_cells = _error_cells(zf, part) if scan.errors else []
                for row, column, error in grid.error_cells:  # shown in the rejected copy as Excel shows it
                    if row <= len(rows) and column <= len(rows[row - 1]):
                        rows[row - 1][column - 1] = error
                if scan.hidden:
                    grid.hidden_rows, grid.hidden_columns = _hidden_lines(zf, part)
                grid.merged = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                               for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ()]
                grid.control_cells = control_cells(rows) if scan.control or shared_control else []
                grids.append(grid)
        finally:
            book.close()
    return ReadFile(fmt, grids)


# -- csv -------------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): BOMs first, then UTF-16 without a BOM, strict utf-8, then cp1252 (Excel's
    'CSV' on Windows)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    bomless = utf16_without_bom(data[:8192])
    if bomless:
        try:
            return data.decode(bomless), bomless
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


_DELIMITERS = (",", ";", "\t", "|")


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the opening lines most consistently (quotes respected)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (-1, 0)
    for delim in _DELIMITERS:
        counts = [len(row) - 1 for row in csv.reader(lines, delimiter=delim)]
        nonzero = [c for c in counts if c > 0]
        if not nonzero:
            continue
        # Most lines split the same way, then the widest table.
        mode = max(set(nonzero), key=nonzero.count)
        score = (nonzero.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _allow_long_cells(limits: ReadLimits) -> None:
    """Python's csv stops at cells over 131,072 characters; a packing list's serials cell can be longer (15,000
    serials). The file size limit already bounds a cell, so the csv module may take any cell within it."""
    if csv.field_size_limit() < limits.max_bytes:
        csv.field_size_limit(limits.max_bytes)


def _lines(text: str, chunk: int = 1 << 20) -> Iterator[str]:
    """The lines of ``text`` as ``io.StringIO(text, newline="")`` gives them (ends kept, split at CR, LF and
    CRLF), a megabyte at a time: a StringIO of the whole text is a 4-byte-a-character copy of it (180 MB for a
    45 MB csv), a chunk's is 4 MB. A chunk ends just after an LF, so a CRLF is never cut in two; a quoted
    field running over several lines is the csv reader's to join, across chunks as within one."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", min(start + chunk, size) - 1)
        end = size if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _read_csv(path: Path, limits: ReadLimits) -> ReadFile:
    _allow_long_cells(limits)
    text, encoding = decode_text(path.read_bytes())
    if "\x00" in text:
        raise UnsafeFile("not-a-csv", "the file holds binary data (NUL bytes), not CSV text")
    rows: list[Sequence[CellValue]] = []
    reader = None
    try:
        delimiter = detect_delimiter(text)  # csv.Error here too: an overlong field in the opening lines
        reader = csv.reader(_lines(text), delimiter=delimiter)
        above: Sequence[CellValue] = ()
        for row in reader:
            if len(rows) >= limits.max_rows:
                raise UnsafeFile("too-many-rows",
                                 f"the file has more than {limits.max_rows:,} rows (limits.max_rows); split it")
            above = shared_with([None if not cell.strip() else cell for cell in row], above)
            rows.append(above)
    except csv.Error as exc:
        where = f"at line {reader.line_num}" if reader is not None else "in its opening lines"
        raise UnsafeFile("csv-malformed", f"the CSV cannot be read {where}: {exc}") from exc
    grid = Grid(path.stem[:31] or "csv", rows)
    grid.control_cells = control_cells(rows) if CONTROL_CHARS.search(text) else []
    return ReadFile("csv", [grid], encoding=encoding, delimiter=delimiter)

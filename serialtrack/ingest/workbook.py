"""Read a dropped file into grids of cell values: xlsx/xlsm through python-calamine, csv through the csv
module with its encoding and delimiter detected.

A ``Grid`` is one sheet as the clerk sees it: ``rows[0]`` is sheet row 1, ``rows[r][0]`` column A; empty
cells are None. Formulas whose result was never saved (sheets written by scripts) are found in the sheet XML
and listed, so they are reported by cell instead of read as blanks. Macros in xlsm files are never run: we
only read cell values.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join as posix_join
from posixpath import normpath

from defusedxml import ElementTree as SafeET
from python_calamine import CalamineError, CalamineWorkbook

from serialtrack.ingest.safety import (
    DEFAULT_LIMITS,
    ReadLimits,
    UnsafeFile,
    check_size,
    check_workbook_zip,
    refuse_non_workbook,
    sniff_format,
)
from serialtrack.ledger.records import CellValue

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class Grid:
    """One sheet's values. Coordinates in ``uncached_formulas`` are 1-based (row, column)."""

    name: str
    rows: list[list[CellValue]]
    hidden: bool = False
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)


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
        if fmt not in ("text",):
            raise UnsafeFile("not-a-csv", "the file is not a text CSV file")
        return _read_csv(path, limits)
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
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else normpath(posix_join("xl", target))
        targets[rel.get("Id")] = part
    parts: dict[str, tuple[str, bool]] = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        name = sheet.get("name", "")
        rid = sheet.get(f"{_NS_REL}id")
        hidden = sheet.get("state", "visible") in ("hidden", "veryHidden")
        if rid in targets:
            parts[name] = (targets[rid], hidden)
    return parts


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _uncached_formulas(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int]]:
    """Cells holding a formula with no saved value. Cheap unless the sheet has formulas at all."""
    with zf.open(part) as stream:
        tail = b""
        found = False
        while chunk := stream.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                found = True
                break
            tail = chunk[-16:]
    if not found:
        return []
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
                    cells.append((int(match.group(2)), _column_number(match.group(1))))
            elem.clear()
    return cells


def _clean_row(row: list) -> list[CellValue]:
    return [None if value == "" else value for value in row]


def _read_workbook(path: Path, fmt: str, limits: ReadLimits) -> ReadFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse_non_workbook("corrupt") from exc
    with zf:
        check_workbook_zip(zf, limits)
        try:
            parts = _sheet_parts(zf)
        except (SafeET.ParseError, KeyError, ValueError) as exc:
            raise refuse_non_workbook("corrupt") from exc
        try:
            book = CalamineWorkbook.from_path(str(path))
        except (CalamineError, ValueError, OSError) as exc:
            raise refuse_non_workbook("corrupt") from exc
        grids: list[Grid] = []
        try:
            for name in book.sheet_names:
                sheet = book.get_sheet_by_name(name)
                if sheet.total_height > limits.max_rows:
                    raise UnsafeFile("too-many-rows",
                                     f"sheet {name} has {sheet.total_height:,} rows, over the limit of "
                                     f"{limits.max_rows:,} (limits.max_rows); split the file")
                rows = [_clean_row(r) for r in sheet.to_python(skip_empty_area=False)]
                part, hidden = parts.get(name, ("", False))
                uncached = _uncached_formulas(zf, part) if part in zf.namelist() else []
                grids.append(Grid(name, rows, hidden, uncached))
        except (CalamineError, zipfile.BadZipFile, SafeET.ParseError, EOFError) as exc:
            raise refuse_non_workbook("corrupt") from exc
        finally:
            book.close()
    return ReadFile(fmt, grids)


# -- csv -------------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): BOMs first, then strict utf-8, then cp1252 (Excel's 'CSV' on Windows)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
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


def _read_csv(path: Path, limits: ReadLimits) -> ReadFile:
    text, encoding = decode_text(path.read_bytes())
    if "\x00" in text:
        raise UnsafeFile("not-a-csv", "the file holds binary data (NUL bytes), not CSV text")
    delimiter = detect_delimiter(text)
    rows: list[list[CellValue]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) >= limits.max_rows:
                raise UnsafeFile("too-many-rows",
                                 f"the file has more than {limits.max_rows:,} rows (limits.max_rows); split it")
            rows.append([None if not cell.strip() else cell for cell in row])
    except csv.Error as exc:
        raise UnsafeFile("csv-malformed", f"the CSV cannot be read at line {reader.line_num}: {exc}") from exc
    return ReadFile("csv", [Grid(path.stem[:31] or "csv", rows)], encoding=encoding, delimiter=delimiter)

"""Safe open: what a file really is, checked before any parser sees it.

A workbook is a zip of XML parts, so the checks are cheap and run on the zip directory and the first bytes of
each part: the true format (xlsx/xlsm zip, legacy xls, encrypted OLE container, HTML or text wearing an
``.xlsx`` name), the size limits, the number of parts and the compression ratio of each (zip bombs), and
DOCTYPE/ENTITY declarations (XML entity bombs; OOXML never needs them). Every part that starts like XML is
checked, whatever its name (a sheet may be stored under any name its relationship gives), UTF-16 parts
included; its root element must start within the first 4 KB, so no declaration can hide behind a long
comment. The sheets' own extent (rows x columns, which the reader would allocate) is checked in
``workbook`` before any sheet is parsed. openpyxl parses through ``defusedxml`` on its own once that
package is installed (``openpyxl.xml.DEFUSEDXML``), a second line of defence.

Sheets are scanned as bytes before calamine parses them (``scan_sheet``: one streaming pass of byte searches,
roughly calamine's own parse time again, 0.3-0.45 s per 100k rows of four columns on the 2-core benchmark
machine): calamine allocates every cell from A1 to the sheet's farthest cell, so a 9 KB file with one value
in XFD1048576 would ask for 17 billion cells and abort the process. The scan finds that extent (from the
``r="..."`` references, or by counting rows and cells where a writer left them out or wrote them oddly) and
``check_extent`` refuses a sheet past ``max_rows``/``max_cells`` or one that is mostly empty space.

The limits and how to change them are in SECURITY.md.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from serialtrack.records import column_letter

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: Stream names of an encrypted OOXML package inside its OLE container ([MS-OFFCRYPTO] 2.3.4).
_ENCRYPTION_MARKS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_HEAD_BYTES = 4096
_XML_ROOT = re.compile(rb"<[A-Za-z_]")


@dataclass(frozen=True)
class ReadLimits:
    """What a file may be before it is parsed. ``max_cells`` bounds a sheet's extent (rows x columns from
    A1 to its farthest cell), which the reader allocates whole; a sheet spanning more than
    ``sparse_floor_cells`` must also hold at least one value per ``max_cells_per_value`` cells of it."""

    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_100_000
    max_compression_ratio: float = 200.0
    max_uncompressed_bytes: int = 1000 * 1024 * 1024
    max_parts: int = 10_000
    max_cells: int = 20_000_000
    sparse_floor_cells: int = 2_000_000
    max_cells_per_value: int = 50


DEFAULT_LIMITS = ReadLimits()


class UnsafeFile(Exception):
    """The file is refused before parsing. ``code`` is the Issue code, ``args[0]`` the clerk's sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sniff_format(path: Path, head: bytes) -> str:
    """'zip', 'ole-encrypted', 'ole', 'html', 'text', 'empty' or 'binary' from the first bytes of the file."""
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole-encrypted" if _has_encryption_streams(path) else "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head or utf16_without_bom(head):
        return "text"
    return "binary"


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when ``head`` reads as UTF-16 text without a BOM (Latin text: every other
    byte NUL, on one side only), else None."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _has_encryption_streams(path: Path) -> bool:
    """Whether an OLE container holds the streams of an encrypted workbook. The whole file is scanned (its
    directory may sit anywhere in it, even past the first megabytes), in chunks that overlap by a name."""
    overlap = max(len(mark) for mark in _ENCRYPTION_MARKS)
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            window = tail + chunk
            if any(mark in window for mark in _ENCRYPTION_MARKS):
                return True
            tail = window[-overlap:]
    return False


def check_size(path: Path, limits: ReadLimits) -> int:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UnsafeFile(
            "file-too-large",
            f"the file is {size / 1048576:.1f} MB, over the limit of {limits.max_bytes / 1048576:.0f} MB "
            "(limits.max_file_mb in serialtrack.toml); split it into smaller files",
        )
    return size


def zip_entry_count(path: Path) -> int | None:
    """How many entries the zip's end-of-central-directory record declares, read before the directory is
    parsed (a directory of a million entries costs hundreds of MB to load); None if there is no record."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        start = max(0, size - (65535 + 22))
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return None
        count = struct.unpack_from("<H", tail, at + 10)[0]
        locator = at - 20
        if count == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
            offset = struct.unpack_from("<Q", tail, locator + 8)[0]
            handle.seek(offset)
            record = handle.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                count = struct.unpack_from("<Q", record, 32)[0]
    return int(count)


def check_zip_entries(path: Path, limits: ReadLimits) -> None:
    count = zip_entry_count(path)
    if count is not None and count > limits.max_parts:
        raise UnsafeFile("zip-bomb",
                         f"the workbook is a zip of {count:,} parts, over the limit of {limits.max_parts:,} "
                         "(a real workbook has dozens); refused as a possible zip bomb")


def _utf16_as_utf8(head: bytes) -> bytes | None:
    """The head of a UTF-16 part (with or without a BOM) re-encoded as UTF-8, so one check reads both."""
    for mark, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"<\x00", "utf-16-le"),
                           (b"\x00<", "utf-16-be")):
        if head.startswith(mark):
            body = head[2:] if mark in (b"\xff\xfe", b"\xfe\xff") else head
            return body[: len(body) // 2 * 2].decode(encoding, "replace").encode("utf-8", "replace")
    return None


def xml_head_problem(head: bytes) -> str | None:
    """Why the first bytes of a part are refused: 'entities' or 'prolog', else 'utf-16' for a UTF-16 part
    (refused where our reader would read it); None when fine or when the part is not XML at all (a picture,
    a VBA project)."""
    utf8 = _utf16_as_utf8(head)
    text = (utf8 if utf8 is not None else head).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not text.startswith(b"<"):
        return None
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        return "entities"
    return _prolog_problem(text) or ("utf-16" if utf8 is not None else None)


def _prolog_problem(text: bytes) -> str | None:
    """Walk the prolog (declaration, processing instructions, comments) to the root element's start tag.
    Any ``<!`` declaration on the way, or no root within ``text``, is a problem."""
    pos = 0
    while True:
        while pos < len(text) and text[pos] in b" \t\r\n":
            pos += 1
        if text.startswith(b"<?", pos):
            end, step = text.find(b"?>", pos + 2), 2
        elif text.startswith(b"<!--", pos):
            end, step = text.find(b"-->", pos + 4), 3
        elif text.startswith(b"<!", pos):
            return "entities"
        elif _XML_ROOT.match(text, pos):
            return None
        else:
            return "prolog"
        if end < 0:
            return "prolog"
        pos = end + step


_HEAD_MESSAGES = {
    "entities": ("xml-entities", "declares a DOCTYPE or XML entities, which no Excel workbook does; refused as a "
                                 "possible XML entity bomb"),
    "prolog": ("workbook-corrupt", f"has no XML element within its first {_HEAD_BYTES:,} bytes, which no Excel "
                                   "workbook has (a long prolog could hide an entity declaration); save the file "
                                   "again from Excel"),
    "utf-16": ("workbook-unreadable", "is XML in UTF-16, which Excel never writes and this reader cannot read "
                                      "reliably; open the file in Excel and save it as .xlsx"),
}


def check_workbook_zip(zf: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse zip bombs and XML with DOCTYPE/ENTITY declarations before any XML is parsed. Zip-level damage
    surfaces as ``zipfile``/``zlib`` exceptions, which the caller reports as a corrupt workbook."""
    names = set(zf.namelist())
    if len(names) > limits.max_parts:
        raise UnsafeFile("zip-bomb", f"the workbook is a zip of {len(names):,} parts, over the limit of "
                                     f"{limits.max_parts:,}; refused as a possible zip bomb")
    if "xl/workbook.xml" not in names:
        raise UnsafeFile("not-a-workbook",
                         "the file is a zip archive but not an Excel workbook (no xl/workbook.xml); "
                         "save it from Excel as .xlsx")
    if any(info.flag_bits & 0x1 for info in zf.infolist()):
        raise UnsafeFile("workbook-encrypted",
                         "the workbook's parts are password-protected (an encrypted zip); save a copy "
                         "without a password and drop that")
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise UnsafeFile("zip-bomb",
                             f"the workbook unpacks to more than {limits.max_uncompressed_bytes // 1048576} MB; "
                             "refused as a possible zip bomb")
        if info.file_size > 1024 * 1024 and info.compress_size and \
                info.file_size / info.compress_size > limits.max_compression_ratio:
            raise UnsafeFile("zip-bomb",
                             f"part {info.filename} is compressed {info.file_size // info.compress_size}:1, "
                             "beyond what a real workbook has; refused as a possible zip bomb")
    for info in zf.infolist():
        if info.filename.endswith("/") or info.file_size == 0:
            continue
        with zf.open(info) as part:
            head = part.read(_HEAD_BYTES)
        problem = xml_head_problem(head)
        if problem == "utf-16" and not info.filename.startswith("xl/"):
            continue  # customXml parts written by .NET may be UTF-16; the reader never opens them
        if problem is not None:
            code, sentence = _HEAD_MESSAGES[problem]
            raise UnsafeFile(code, f"part {info.filename} {sentence}")


def refuse_non_workbook(kind: str) -> UnsafeFile:
    """The rejection for a file whose bytes are not a workbook we can read."""
    messages = {
        "ole-encrypted": ("workbook-encrypted",
                          "the workbook is password-protected (encrypted); save a copy without a password "
                          "and drop that"),
        "ole": ("legacy-xls",
                "this is an old Excel 97-2003 .xls file; open it in Excel and save it as .xlsx"),
        "html": ("not-a-workbook",
                 "this is an HTML or XML page saved with an Excel name, not a workbook; "
                 "open it in Excel and save it as .xlsx"),
        "text": ("not-a-workbook",
                 "this is a text (CSV) file saved with an Excel name; rename it to .csv or save it as .xlsx"),
        "binary": ("not-a-workbook", "the file is not an Excel workbook or a CSV file"),
        "empty": ("file-empty", "the file is empty (0 bytes): it was not saved or copied completely"),
        "corrupt": ("workbook-corrupt",
                    "the workbook is damaged or truncated and cannot be opened; save it again from Excel"),
    }
    code, message = messages[kind]
    return UnsafeFile(code, message)


# -- sheets, scanned as bytes before they are parsed --------------------------------------------------

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
#: A cell typed as an Excel error (``<c r="B2" t="e">``): found here, read with its cell by the reader.
_ERROR_TYPE = re.compile(rb"<(?:\w+:)?c\b[^>]*\bt\s*=\s*[\"']e[\"']")
#: A shared-string cell whose ``<v>`` is anything but digits: calamine would read it as string 0.
_BAD_SHARED = re.compile(rb"t\s*=\s*[\"']s[\"'][^>]*>\s*<(?:\w+:)?v\s*(?:/>|>(?!\s*[0-9]+\s*<))")
#: Every ``r="AB12"`` (a duplicate attribute included: calamine takes the last), by how many letters or
#: digits, longest first: within one length the greatest text is the greatest number. The first tier of each
#: is beyond Excel's grid (XFD1048576).
_REF_LETTERS = [re.compile(rb'r="([A-Z]{4,})[0-9]'), *(re.compile(rb'r="([A-Z]{%d})[0-9]' % n) for n in (3, 2, 1))]
_REF_DIGITS = [re.compile(rb'r="[A-Z]+([0-9]{8,})"'), *(re.compile(rb'r="[A-Z]+([0-9]{%d})"' % n)
                                                     for n in range(7, 0, -1))]
_LOWER_REF = re.compile(rb'r="[A-Za-z]*[a-z][A-Za-z]*[0-9]')
#: Shapes the fast count does not cover: prefixed cells, other quoting or spacing of ``r``.
_ODD_SHAPES = (b":c ", b":c>", b":c/", b"r='", b"r =", b"r= ")
_WHITESPACE_TO_SPACE = bytes.maketrans(b"\t\n\r", b"   ")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>")
_HIDDEN = re.compile(rb"\bhidden\s*=\s*[\"'](?:1|true)[\"']")
XML_ATTRIBUTE = re.compile(rb"\b([A-Za-z]+)\s*=\s*[\"']([^\"']*)[\"']")
_ANY_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
#: Control characters a cell could hide (raw, or as Excel's ``_x0001_`` escape); tab, LF and CR are text.
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_CONTROL_ESCAPE = re.compile(rb"_x00[01][0-9A-Fa-f]_")


def column_number(letters: str) -> int:
    """``AB`` -> 28 (lower case read as upper, as calamine does)."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch.upper()) - 64
    return number


def part_segments(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's bytes in ~1 MB pieces, each cut just before its last ``<``, so no tag is split."""
    carry = b""
    with zf.open(part) as stream:
        while chunk := stream.read(1 << 20):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            if cut < 0 or len(buf) - cut > 4096:  # no tag starts near the end: nothing to carry
                carry = b""
                yield buf
            else:
                carry = buf[cut:]
                yield buf[:cut]
    if carry:
        yield carry


@dataclass
class SheetScan:
    rows: int = 0  # extent from A1: the farthest row and column calamine will allocate
    columns: int = 0
    cells: int = 0  # <c> elements present
    formulas: bool = False
    hidden: bool = False
    control: bool = False
    errors: bool = False  # a cell typed ``t="e"`` (an Excel error such as #REF!) is somewhere in the part
    bad_shared: bool = False  # a shared-string cell whose index is not a plain number (-1, abc)


def _greatest(tiers: list[re.Pattern[bytes]], seg: bytes) -> bytes | None:
    for pattern in tiers:
        found: list[bytes] = pattern.findall(seg)
        if found:
            return max(found, key=lambda text: (len(text), text)) if pattern is tiers[0] else max(found)
    return None


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetScan:
    """One pass of byte searches. Every writer we know puts ``r`` first on each cell (``<c r="B7"``); any
    other shape (a prefix ``<x:c``, a cell without ``r``, ``r`` quoted or spaced otherwise, lower-case
    references) sends the extent to the exact, slower count."""
    scan = SheetScan()
    fast = True
    tail = b""  # a shared-string cell cut between its tag and its value is checked across the cut
    for seg in part_segments(zf, part):
        if not scan.errors and (b'"e"' in seg or b"'e'" in seg):
            scan.errors = _ERROR_TYPE.search(seg) is not None
        if not scan.bad_shared:
            scan.bad_shared = _BAD_SHARED.search(tail + seg) is not None
        tail = seg[-256:]
        spaced = seg.translate(_WHITESPACE_TO_SPACE)
        cells = spaced.count(b"<c ") + spaced.count(b"<c>") + spaced.count(b"<c/>")
        scan.cells += cells
        fast = (fast and cells == spaced.count(b'<c r="') and not any(odd in spaced for odd in _ODD_SHAPES)
                and _LOWER_REF.search(seg) is None)
        letters, digits = _greatest(_REF_LETTERS, seg), _greatest(_REF_DIGITS, seg)
        if letters and digits:
            scan.columns = max(scan.columns, column_number(letters.decode()))
            scan.rows = max(scan.rows, int(digits))
        if not scan.formulas and (b"<f" in seg or b":f" in seg):  # a cheap find, then the exact pattern
            scan.formulas = _FORMULA_TAG.search(seg) is not None
        if not scan.hidden and b"hidden" in seg:
            scan.hidden = _HIDDEN.search(seg) is not None
        scan.control = (scan.control or len(seg.translate(None, _CONTROL_BYTES)) != len(seg)
                        or _CONTROL_ESCAPE.search(seg) is not None)
    if not fast:
        counted = _counted_extent(zf, part)
        scan.rows, scan.columns = max(scan.rows, counted[0]), max(scan.columns, counted[1])
        scan.cells = max(scan.cells, counted[2])
    return scan


def _counted_extent(zf: zipfile.ZipFile, part: str) -> tuple[int, int, int]:
    """(rows, columns, cells) counted tag by tag the way calamine places cells: by ``r`` when given (every
    value of a repeated attribute counts), else the next row, or the next cell of the row."""
    row = column = max_row = max_column = cells = 0
    for seg in part_segments(zf, part):
        for match in _ROW_OR_CELL.finditer(seg):
            refs = [value.strip() for key, value in XML_ATTRIBUTE.findall(match.group(2)) if key == b"r"]
            if match.group(1) == b"row":
                numbers = [int(ref) for ref in refs if ref.isdigit()]
                row = max(numbers) if numbers else row + 1
                column = 0
                continue
            cells += 1
            found = [m for m in map(_ANY_REF.fullmatch, refs) if m]
            if found:
                column = max(column_number(m.group(1).decode()) for m in found)
                max_row = max(max_row, *(int(m.group(2)) for m in found))
            else:
                column += 1
                max_row = max(max_row, row, 1)
            max_column = max(max_column, column)
    return max_row, max_column, cells


def check_extent(name: str, scan: SheetScan, limits: ReadLimits) -> None:
    """The sheet's extent against the limits, the most telling refusal first (a stray far cell is named)."""
    extent = scan.rows * scan.columns
    far = f"{column_letter(scan.columns)}{scan.rows}" if extent else "A1"
    if extent > limits.max_cells:
        raise UnsafeFile("too-many-cells",
                         f"sheet {name} reaches cell {far} ({scan.rows:,} rows by {scan.columns:,} columns), "
                         f"over the limit of {limits.max_cells:,} cells; delete what lies beyond the table, or "
                         "split the file")
    if extent > limits.sparse_floor_cells and extent > scan.cells * limits.max_cells_per_value:
        raise UnsafeFile("sheet-mostly-empty",
                         f"sheet {name} reaches cell {far} but holds only {scan.cells:,} cells; something lies "
                         f"far outside the table (look at {far}): delete those rows and columns and save again")
    if scan.rows > limits.max_rows:
        raise UnsafeFile("too-many-rows", f"sheet {name} has {scan.rows:,} rows, over the limit of "
                                          f"{limits.max_rows:,} (limits.max_rows); split the file")


def shared_strings_control(zf: zipfile.ZipFile) -> bool:
    names = [n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")]
    return any(len(seg.translate(None, _CONTROL_BYTES)) != len(seg) or _CONTROL_ESCAPE.search(seg)
               for name in names for seg in part_segments(zf, name))

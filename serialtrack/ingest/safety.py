"""Safe open: what a file really is, checked before any parser sees it.

A workbook is a zip of XML parts, so the checks are cheap and run on the zip directory and the first bytes of
each part: the true format (xlsx/xlsm zip, legacy xls, encrypted OLE container, HTML or text wearing an
``.xlsx`` name), the size limits, the compression ratio of each part (zip bombs) and DOCTYPE/ENTITY
declarations (XML entity bombs; OOXML never needs them). openpyxl parses through ``defusedxml`` on its own
once that package is installed (``openpyxl.xml.DEFUSEDXML``), a second line of defence.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_100_000
    max_compression_ratio: float = 200.0
    max_uncompressed_bytes: int = 1000 * 1024 * 1024


DEFAULT_LIMITS = ReadLimits()


class UnsafeFile(Exception):
    """The file is refused before parsing. ``code`` is the Issue code, ``args[0]`` the clerk's sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sniff_format(path: Path, head: bytes) -> str:
    """'zip', 'ole-encrypted', 'ole', 'html', 'text' or 'binary' from the first bytes of the file."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        with open(path, "rb") as handle:
            blob = handle.read(4 * 1024 * 1024)
        return "ole-encrypted" if _ENCRYPTION_MARK in blob else "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        return "text"
    return "binary"


def check_size(path: Path, limits: ReadLimits) -> int:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UnsafeFile(
            "file-too-large",
            f"the file is {size / 1048576:.1f} MB, over the limit of {limits.max_bytes / 1048576:.0f} MB "
            "(limits.max_file_mb in serialtrack.toml); split it into smaller files",
        )
    return size


def check_workbook_zip(zf: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse zip bombs and XML with DOCTYPE/ENTITY declarations before any XML is parsed."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise UnsafeFile("not-a-workbook",
                         "the file is a zip archive but not an Excel workbook (no xl/workbook.xml); "
                         "save it from Excel as .xlsx")
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
        if info.filename.endswith((".xml", ".rels", ".vml")):
            with zf.open(info) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnsafeFile("xml-entities",
                                 f"part {info.filename} declares a DOCTYPE or XML entities, which no Excel "
                                 "workbook does; refused as a possible XML entity bomb")


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
        "corrupt": ("workbook-corrupt",
                    "the workbook is damaged or truncated and cannot be opened; save it again from Excel"),
    }
    code, message = messages[kind]
    return UnsafeFile(code, message)

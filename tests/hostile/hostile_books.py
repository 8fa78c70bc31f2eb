"""Byte-level builders for hostile files: workbooks rewritten part by part, OLE (compound file) containers,
zip headers patched to lie. Nothing here is committed as a binary; every file is built by the test that uses it.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

SHEET_PART = "xl/worksheets/sheet1.xml"
PL_HEADER = ["PO", "Item", "Qty", "Serials"]


def plain_book(path: Path, rows: Sequence[Sequence[Any]], *, sheet: str = "PL",
               edit: Callable[[Any, Any], None] | None = None) -> Path:
    """An openpyxl workbook (inline strings, ``r`` on every cell); ``edit(wb, ws)`` may change it first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    if edit is not None:
        edit(book, ws)
    book.save(path)
    return path


def shared_strings_book(path: Path, rows: Sequence[Sequence[Any]], *, sheet: str = "PL") -> Path:
    """An xlsxwriter workbook (shared strings, as Excel writes them); text is written as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write(r, c, value)
    book.close()
    return path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info.filename) for info in zf.infolist()}


def write_parts(path: Path, parts: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def rewrite_part(source: Path, target: Path, part: str, edit: Callable[[bytes], bytes]) -> Path:
    parts = parts_of(source)
    parts[part] = edit(parts[part])
    return write_parts(target, parts)


def good_packing_list(path: Path, serial: str = "G1") -> Path:
    return plain_book(path, [PL_HEADER, ["1", "CAM", 1, serial]])


# -- zip headers -----------------------------------------------------------------------------------------------


def _central_entries(raw: bytearray) -> list[tuple[int, str]]:
    """(offset of each central directory header, its file name)."""
    found = []
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        found.append((pos, raw[pos + 46:pos + 46 + name_len].decode("utf-8", "replace")))
        pos = raw.find(b"PK\x01\x02", pos + 46 + name_len)
    return found


def patch_entry(path: Path, name: str, *, size: int | None = None, crc: int | None = None,
                flags: int | None = None) -> Path:
    """Make the zip's headers (central and local) for ``name`` declare another size, CRC or flag bits."""
    raw = bytearray(path.read_bytes())
    matched = 0
    for pos, entry in _central_entries(raw):
        if entry != name:
            continue
        local = struct.unpack_from("<I", raw, pos + 42)[0]
        assert raw[local:local + 4] == b"PK\x03\x04"
        if size is not None:
            struct.pack_into("<I", raw, pos + 24, size)
            struct.pack_into("<I", raw, local + 22, size)
        if crc is not None:
            struct.pack_into("<I", raw, pos + 16, crc)
            struct.pack_into("<I", raw, local + 14, crc)
        if flags is not None:
            struct.pack_into("<H", raw, pos + 8, flags)
            struct.pack_into("<H", raw, local + 6, flags)
        matched += 1
    assert matched == 1, (name, matched)
    path.write_bytes(bytes(raw))
    return path


def streamed_part_zip(path: Path, base: dict[str, bytes], part: str, pieces: Callable[[], Any]) -> Path:
    """A zip of ``base`` whose ``part`` is written from the byte pieces ``pieces()`` yields (never held whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in base.items():
            if name != part:
                zf.writestr(name, data)
        info = zipfile.ZipInfo(part)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as stream:
            for piece in pieces():
                stream.write(piece)
    return path


# -- OLE compound files ([MS-CFB], version 3, 512-byte sectors) --------------------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512


def _dir_entry(name: str, kind: int, *, child: int = _FREE, right: int = _FREE, start: int = _END,
               size: int = 0) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    entry = bytearray(128)
    entry[0:len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)  # name length, type, colour black
    struct.pack_into("<III", entry, 68, _FREE, right, child)  # left, right, child
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


def ole_file(streams: dict[str, bytes], *, directory_last: bool = False) -> bytes:
    """A valid compound file holding ``streams`` (each padded to 4 KB, so none goes to the mini stream).

    ``directory_last`` puts the directory after the stream data, as a writer may: a sniffer that reads only
    the first megabytes never sees the stream names then.
    """
    # Streams under 4 KB would belong in the mini stream; padded to 4 KB they are ordinary streams.
    datas = [data.ljust(max(4096, -(-len(data) // _SECTOR) * _SECTOR), b"\x00") for data in streams.values()]
    data_sectors = sum(len(d) // _SECTOR for d in datas)
    dir_sectors = 1 + len(streams) // 4
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + data_sectors + dir_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "too large for a header-only DIFAT"
    fat = [_FREE] * (fat_sectors * 128)
    for i in range(fat_sectors):
        fat[i] = _FAT
    sector = fat_sectors
    dir_start = sector + data_sectors if directory_last else sector
    if not directory_last:
        sector += dir_sectors
    starts = []
    for data in datas:
        count = len(data) // _SECTOR
        starts.append(sector)
        for i in range(count):
            fat[sector + i] = sector + i + 1 if i < count - 1 else _END
        sector += count
    for i in range(dir_sectors):
        fat[dir_start + i] = dir_start + i + 1 if i < dir_sectors - 1 else _END
    names = list(streams)
    entries = [_dir_entry("Root Entry", 5, child=1 if names else _FREE)]
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else _FREE  # a right-leaning chain of siblings
        entries.append(_dir_entry(name, 2, right=right, start=starts[index], size=len(datas[index])))
    directory = b"".join(entries)
    directory += b"\x00" * (dir_sectors * _SECTOR - len(directory))
    header = bytearray(_SECTOR)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, dir_start, 0, 4096, _END, 0, _END, 0)
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)
    body = io.BytesIO()
    body.write(bytes(header))
    body.write(struct.pack(f"<{len(fat)}I", *fat))
    if not directory_last:
        body.write(directory)
    for data in datas:
        body.write(data)
    if directory_last:
        body.write(directory)
    return body.getvalue()


def encrypted_workbook(path: Path, *, padding: int = 0) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE container with EncryptionInfo and
    EncryptedPackage streams (contents random-looking; nobody can read them without the password)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version='1.0'?><encryption/>"
    package = struct.pack("<Q", 5000 + padding) + bytes(range(256)) * ((5000 + padding) // 256 + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ole_file({"EncryptionInfo": info, "EncryptedPackage": package}, directory_last=padding > 0))
    return path


def legacy_xls(path: Path) -> Path:
    """An Excel 97-2003 file: an OLE container with a Workbook stream (a BOF record at its start)."""
    bof = struct.pack("<HHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ole_file({"Workbook": bof + b"\x00" * 600}))
    return path

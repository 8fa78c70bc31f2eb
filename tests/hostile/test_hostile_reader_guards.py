"""The reader's last lines of defence, pinned one by one: a panic inside calamine (a Rust ``BaseException``)
becomes a corrupt-workbook refusal instead of stopping the service, while Ctrl-C still stops it; the format
sniffer knows UTF-16 text without a BOM and empty files; a sheet whose part is missing is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_books import PL_HEADER, SHEET_PART, good_packing_list, parts_of, plain_book, write_parts

import serialtrack.ingest.workbook as workbook
from serialtrack.ingest.safety import UnsafeFile, sniff_format, utf16_without_bom, xml_head_problem
from serialtrack.ingest.workbook import read_grids


class PanicException(BaseException):
    """Named like pyo3's, which python-calamine raises when its Rust code panics."""


def test_calamine_panic__is_a_corrupt_workbook_not_a_dead_service(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def panics(path: str) -> None:
        raise PanicException("index out of bounds")

    monkeypatch.setattr(workbook.CalamineWorkbook, "from_path", panics)
    with pytest.raises(UnsafeFile) as refused:
        read_grids(good_packing_list(tmp_path / "pl.xlsx"))
    assert refused.value.code == "workbook-corrupt"


def test_keyboard_interrupt__still_stops_the_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(path: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(workbook.CalamineWorkbook, "from_path", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_grids(good_packing_list(tmp_path / "pl.xlsx"))


@pytest.mark.parametrize("encoding, expected", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
                                                ("utf-8", None), ("cp1252", None)])
def test_utf16_without_bom__recognised_by_its_zero_bytes(encoding: str, expected: str | None) -> None:
    assert utf16_without_bom("PO;Item;Qty\r\n1;CAM;2\r\n".encode(encoding)) == expected


def test_sniff__empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert sniff_format(path, b"") == "empty"


@pytest.mark.parametrize("head, problem", [
    (b'<?xml version="1.0"?>\n<worksheet/>', None),
    (b"\xef\xbb\xbf<?xml version='1.0'?><!-- made by a tool --><worksheet/>", None),
    (b"<!DOCTYPE x [<!ENTITY a 'a'>]><worksheet/>", "entities"),
    (b"<?xml version='1.0'?><!-- <a " + b"x" * 5000, "prolog"),
    (b"<?xml version='1.0'?><![CDATA[x]]><worksheet/>", "entities"),
    (b"\xff\xfe" + "<!DOCTYPE x><w/>".encode("utf-16-le"), "entities"),
    ("<w/>".encode("utf-16-be"), "utf-16"),
    (b"\x89PNG\r\n\x1a\n", None),
], ids=["plain", "bom-and-comment", "doctype", "long-prolog", "declaration", "utf16-doctype", "utf16", "picture"])
def test_xml_head__only_a_root_element_may_follow_the_prolog(head: bytes, problem: str | None) -> None:
    assert xml_head_problem(head[:4096]) == problem


def test_sheet_listed_but_its_part_missing__refused_as_corrupt(tmp_path: Path) -> None:
    parts = parts_of(plain_book(tmp_path / "base.xlsx", [PL_HEADER, ["1", "CAM", 1, "C1"]]))
    del parts[SHEET_PART]
    with pytest.raises(UnsafeFile) as refused:
        read_grids(write_parts(tmp_path / "missing.xlsx", parts))
    assert refused.value.code == "workbook-corrupt"

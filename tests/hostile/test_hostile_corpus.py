"""The corpus of bad files, each built here and dropped into a stocked home through ``serialtrack ingest``.

Every refused case must give: a rejection whose code and sentence name what is wrong (and the cell, where
there is one), the ledger exactly as it was, the original kept byte for byte in ``archive/rejected``, a
report workbook without a single formula, and a home that still posts the next good file. Cases that are
odd but readable (hidden rows, a lying dimension tag, invisible spaces) must post once, with a note where
Excel hid something. Bombs and damaged sheet extents, which could take the process down if a guard failed,
run in a separate, memory-limited process in ``test_hostile_bombs.py``; paths and names in
``test_hostile_paths.py``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hostile_books import (
    PL_HEADER,
    SHEET_PART,
    encrypted_workbook,
    good_packing_list,
    legacy_xls,
    parts_of,
    patch_entry,
    plain_book,
    rewrite_part,
    shared_strings_book,
    write_parts,
)
from hostile_support import (
    assert_refused,
    assert_report,
    ledger_state,
    posted_count,
    sha256_of,
)
from sqlalchemy import create_engine, select
from support.invariants import check_invariants
from workbook_checks import assert_output_safe

from serialtrack.ledger import schema as t

ROW = ["1", "CAM", 1, "C1"]


def _po_costs(db_url: str, number: str) -> dict[str, float]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(t.items.c.code, t.po_lines.c.unit_cost)
                                .join(t.po_lines, t.po_lines.c.item_id == t.items.c.id)
                                .join(t.purchase_orders, t.purchase_orders.c.id == t.po_lines.c.po_id)
                                .where(t.purchase_orders.c.number == number))
            return {code: float(cost) for code, cost in rows}
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Case:
    """One hostile file: how to build it in a folder, and what must come of it."""

    id: str
    build: Callable[[Path], Path]
    code: str | None = None  # the expected error code; None: the file posts
    cell: str | None = None
    words: tuple[str, ...] = ()
    units: int = 0  # units posted when the file posts
    note: str | None = None  # a note the outcome must carry
    warning: str | None = None  # a warning code the outcome must carry
    folder: str = "receiving"
    extra: dict[str, Any] = field(default_factory=dict)


# -- builders --------------------------------------------------------------------------------------------------


def _good(folder: Path, name: str = "base.xlsx") -> Path:
    return good_packing_list(folder.parent.parent / "build" / name)


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return build


def _truncated(fraction: float | None, tail: int = 0) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        data = _good(folder).read_bytes()
        cut = int(len(data) * fraction) if fraction is not None else len(data) - tail
        path = folder / "truncated.xlsx"
        path.write_bytes(data[:cut])
        return path
    return build


def _corrupt_stream(folder: Path) -> Path:
    """The sheet's compressed bytes overwritten in the middle: the zip directory is intact, the part is not."""
    source = _good(folder)
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo(SHEET_PART)
    raw = bytearray(source.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    raw[middle:middle + 24] = bytes(range(200, 224))
    path = folder / "corrupt.xlsx"
    path.write_bytes(bytes(raw))
    return path


def _sheet_edit(name: str, edit: Callable[[bytes], bytes], rows: list[list[Any]] | None = None
                ) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        source = plain_book(folder.parent.parent / "build" / name, rows or [PL_HEADER, ROW])
        return rewrite_part(source, folder / name, SHEET_PART, edit)
    return build


def _zip_flags(folder: Path) -> Path:
    path = _good(folder, "zipcrypt.xlsx")
    target = folder / "zipcrypt.xlsx"
    target.write_bytes(path.read_bytes())
    return patch_entry(target, SHEET_PART, flags=0x1)


def _not_a_workbook_zip(folder: Path) -> Path:
    return write_parts(folder / "letter.xlsx", {"[Content_Types].xml": b"<Types/>",
                                                "word/document.xml": b"<document/>"})


def _utf16_part(data: bytes) -> bytes:
    return b"\xff\xfe" + data.decode("utf-8").encode("utf-16-le")


def _doctype_in_shared_strings(folder: Path) -> Path:
    source = shared_strings_book(folder.parent.parent / "build" / "ss.xlsx", [PL_HEADER, ROW])
    parts = parts_of(source)
    parts["xl/sharedStrings.xml"] = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
                                     + parts["xl/sharedStrings.xml"].split(b"?>", 1)[1])
    return write_parts(folder / "ss-doctype.xlsx", parts)


def _doctype_in_renamed_sheet(folder: Path) -> Path:
    """The sheet stored under a name no check would guess (``data.bin``), found through its relationship."""
    parts = parts_of(_good(folder))
    sheet = parts.pop(SHEET_PART)
    parts["xl/worksheets/data.bin"] = b'<!DOCTYPE x [<!ENTITY e "e">]>' + sheet.split(b"?>", 1)[-1]
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"worksheets/data.bin")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/xl/worksheets/sheet1.xml",
                                                                        b"/xl/worksheets/data.bin")
    return write_parts(folder / "renamed.xlsx", parts)


def _book(name: str, rows: list[list[Any]], edit: Callable[[Any, Any], None] | None = None
          ) -> Callable[[Path], Path]:
    return lambda folder: plain_book(folder / name, rows, edit=edit)


def _formula_cached(folder: Path) -> Path:
    import xlsxwriter

    path = folder / "cached.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("PL")
    ws.write_row(0, 0, PL_HEADER)
    ws.write_row(1, 0, ["1", "CAM"])
    ws.write_formula(1, 2, "=2-1", None, 1)
    ws.write_string(1, 3, "F1")
    book.close()
    return path


def _merged_header(wb: Any, ws: Any) -> None:
    ws.merge_cells("D1:E1")


def _two_row_header(folder: Path) -> Path:
    def edit(wb: Any, ws: Any) -> None:
        for span in ("A1:A2", "B1:B2", "C1:D1"):
            ws.merge_cells(span)
    return plain_book(folder / "two-row-header.xlsx",
                      [["PO", "Item", "Shipment", None], [None, None, "Qty", "Serials"], ["1", "CAM", 1, "M2"]],
                      edit=edit)


def _merged_data(wb: Any, ws: Any) -> None:
    ws.merge_cells("A2:A3")


def _hidden_sheet(wb: Any, ws: Any) -> None:
    secret = wb.create_sheet("Backorder")
    secret.append(PL_HEADER)
    secret.append(["1", "CAM", 1, "HS2"])
    secret.sheet_state = "hidden"


def _hidden_row(wb: Any, ws: Any) -> None:
    ws.row_dimensions[3].hidden = True


def _hidden_column(wb: Any, ws: Any) -> None:
    ws.column_dimensions["D"].hidden = True


def _chart_sheet(wb: Any, ws: Any) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=2))
    wb.create_chartsheet("Chart").add_chart(chart)


def _dimension(ref: bytes) -> Callable[[bytes], bytes]:
    return lambda data: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="' + ref + b'"/>', data)


def _control_character(folder: Path) -> Path:
    return shared_strings_book(folder / "control.xlsx", [PL_HEADER, ["1", "CAM\x00", 1, "Z1"]])


def _text(name: str, text: str, encoding: str) -> Callable[[Path], Path]:
    return _bytes(name, text.encode(encoding))


PO_CSV = "PO;Vendor;Office;Item;Qty;Unit Cost\r\n7;Müller & Søn €;Main;CAM;3;90,50\r\n7;Müller & Søn €;Main;CBL;5;1,25\r\n"
PL_TAB = "PO\tItem\tQty\tSerials\r\n1\tCAM\t2\tU1,U2\r\n"

CASES = [
    # the container
    Case("truncated-xlsx", _truncated(0.6), "workbook-corrupt", words=("damaged",)),
    Case("truncated-end-of-directory", _truncated(None, tail=10), "workbook-corrupt"),
    Case("corrupt-compressed-sheet", _corrupt_stream, "workbook-corrupt"),
    Case("corrupt-sheet-xml", _sheet_edit("badxml.xlsx", lambda d: d.replace(b"</sheetData>", b"")),
         "workbook-corrupt"),
    Case("password-protected-xlsx", lambda f: encrypted_workbook(f / "locked.xlsx"),
         "workbook-encrypted", words=("password",)),
    Case("password-protected-xlsx-directory-past-4mb",
         lambda f: encrypted_workbook(f / "locked-big.xlsx", padding=5_000_000), "workbook-encrypted"),
    Case("zip-with-encrypted-parts", _zip_flags, "workbook-encrypted"),
    Case("old-xls-named-xlsx", lambda f: legacy_xls(f / "old.xlsx"), "legacy-xls", words=("97-2003",)),
    Case("old-xls", lambda f: legacy_xls(f / "old.xls"), "legacy-xls", words=("save it as .xlsx",)),
    Case("html-named-xls", _bytes("report.xls", b"<html><table><tr><td>PO</td></tr></table></html>"),
         "not-a-workbook", words=("HTML",)),
    Case("html-named-xlsx", _bytes("page.xlsx", b"<!DOCTYPE html><html><body>PO</body></html>"),
         "not-a-workbook", words=("HTML",)),
    Case("csv-named-xlsx", _bytes("list.xlsx", b"PO,Item,Qty,Serials\r\n1,CAM,1,C1\r\n"), "not-a-workbook",
         words=("CSV",)),
    Case("xlsx-named-csv", lambda f: good_packing_list(f / "list.csv"), "not-a-csv", words=(".xlsx",)),
    Case("zip-but-not-a-workbook", _not_a_workbook_zip, "not-a-workbook", words=("xl/workbook.xml",)),
    Case("empty-file", _bytes("empty.xlsx", b""), "file-empty", words=("0 bytes",)),
    Case("random-bytes", _bytes("noise.xlsx", bytes(range(256)) * 8), "not-a-workbook"),
    Case("utf16-sheet-part", _sheet_edit("utf16.xlsx", _utf16_part), "workbook-unreadable", words=("UTF-16",)),
    Case("doctype-in-shared-strings", _doctype_in_shared_strings, "xml-entities", words=("sharedStrings",)),
    Case("doctype-in-sheet-stored-as-bin", _doctype_in_renamed_sheet, "xml-entities", words=("data.bin",)),
    # the sheet
    Case("formula-without-cached-value", _book("formula.xlsx", [PL_HEADER, ["1", "CAM", "=2-1", "F1"]]),
         "formula-not-calculated", cell="C2"),
    Case("formula-with-cached-value", _formula_cached, units=1),
    Case("merged-header-over-two-columns",
         _book("merged-header.xlsx", [PL_HEADER + [None], ["1", "CAM", 2, "MH1", "MH2"]], _merged_header),
         "column-duplicate", cell="E1", words=("merged", "D1:E1")),
    Case("merged-two-row-header", _two_row_header, units=1),
    Case("merged-cells-over-data-rows",
         _book("merged-data.xlsx", [PL_HEADER, ["1", "CAM", 1, "MD1"], [None, "CAM", 1, "MD2"]], _merged_data),
         "cell-merged", cell="A2", words=("A2:A3", "unmerge")),
    Case("hidden-sheet-with-data", _book("hidden-sheet.xlsx", [PL_HEADER, ["1", "CAM", 1, "HS1"]], _hidden_sheet),
         units=2, note="sheet 'Backorder' is hidden"),
    Case("hidden-row-with-data",
         _book("hidden-row.xlsx", [PL_HEADER, ["1", "CAM", 1, "HR1"], ["1", "CAM", 1, "HR2"]], _hidden_row),
         units=2, note="row 3 is hidden"),
    Case("hidden-column-with-serials", _book("hidden-col.xlsx", [PL_HEADER, ["1", "CAM", 1, "HC1"]], _hidden_column),
         units=1, note="column D (serials) is hidden"),
    Case("chart-sheet-beside-the-data", _book("chart.xlsx", [PL_HEADER, ["1", "CAM", 1, "CH1"]], _chart_sheet),
         units=1),
    Case("dimension-tag-too-small", _sheet_edit("dim-small.xlsx", _dimension(b"A1"),
                                                [PL_HEADER, ["1", "CAM", 1, "DS1"], ["1", "CAM", 1, "DS2"]]), units=2),
    Case("dimension-tag-huge", _sheet_edit("dim-huge.xlsx", _dimension(b"A1:XFD1048576")), units=1),
    Case("dimension-tag-missing", _sheet_edit("dim-none.xlsx", lambda d: re.sub(rb"<dimension[^>]*/>", b"", d)),
         units=1),
    Case("dimension-tag-empty", _sheet_edit("dim-empty.xlsx", _dimension(b"")), "workbook-corrupt"),
    Case("empty-sheet", _book("blank.xlsx", []), "file-empty"),
    Case("header-only-sheet", _book("header-only.xlsx", [PL_HEADER]), "no-rows"),
    Case("serial-20-digits-as-number", _book("long.xlsx", [PL_HEADER, ["1", "CAM", 1, 12345678901234567890]]),
         "serial-excel-precision", cell="D2", words=("Text",)),
    Case("serial-in-scientific-notation", _book("sci.xlsx", [PL_HEADER, ["1", "CAM", 1, "1.34594E+11"]]),
         "serial-excel-scientific", cell="D2"),
    Case("serials-with-zero-width-and-nbsp",
         _book("invisible.xlsx", [PL_HEADER, ["1", "CAM", 2, "\u200bZW1\u00a0, Z\u200dW2\u2060"]]), units=2,
         extra={"serials": ["ZW1", "ZW2"]}),
    Case("serial-with-cyrillic-lookalikes", _book("cyrillic.xlsx", [PL_HEADER, ["1", "CAM", 1, "\u0421\u041d001"]]),
         "serial-bad-character", cell="D2", words=("CYRILLIC",)),
    Case("control-character-in-item-code", _control_character, "cell-control-character", cell="B2",
         words=("U+0000",)),
    Case("two-columns-for-serials",
         _book("two-serial-columns.xlsx", [PL_HEADER + ["Serial Number"], ["1", "CAM", 2, "TS1", "TS2"]]),
         "column-duplicate", cell="E1"),
    Case("two-columns-for-item-code",
         _book("model.xlsx", [["PO", "Item Code", "Qty", "Serials", "Model"], ["1", "CAM", 1, "MO1", "Camera X"]]),
         units=1, warning="column-duplicate"),
    # csv
    Case("csv-cp1252-semicolons-decimal-commas", _text("po-cp1252.csv", PO_CSV, "cp1252"),
         folder="purchase_orders", extra={"unit_cost": {"CAM": "90.5", "CBL": "1.25"}}),
    Case("csv-utf16-with-bom", _text("pl-utf16.csv", PL_TAB, "utf-16"), units=2),
    Case("csv-utf16-without-bom", _text("pl-utf16le.csv", PL_TAB, "utf-16-le"), units=2),
    Case("csv-with-nul-bytes", _bytes("nul.csv", b"PO,Item\r\n1,\x00CAM\r\n"), "not-a-csv", words=("NUL",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: Case, stocked, home: Path, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = home / "inbox" / case.folder
    path = case.build(folder)
    digest = sha256_of(path)
    before = ledger_state(db_url)

    [out] = stocked.ingest(path, expect=1 if case.code else 0)

    archived = Path(out["archived"])
    assert not path.exists() and sha256_of(archived) == digest, "the original must be kept, byte for byte"
    if case.code:
        assert_refused(out, case.code, cell=case.cell, words=case.words)
        assert ledger_state(db_url) == before, "a refused file must leave the ledger as it was"
        assert archived.parent.parent.name == "rejected"
        assert_report(out, case.code)
    else:
        assert out["status"] == "posted", out["errors"]
        assert out["counts"]["units"] == case.units
        assert posted_count(db_url, digest) == 1
        assert_output_safe(out["output"])
        if case.note:
            assert any(case.note in note for note in out["notes"]), out["notes"]
        if case.warning:
            assert case.warning in {w["code"] for w in out["warnings"]}, out["warnings"]
        for serial in case.extra.get("serials", []):
            assert stocked.json("serial", serial)["status"] == "in_stock"
        if "unit_cost" in case.extra:
            assert _po_costs(db_url, "7") == {k: float(v) for k, v in case.extra["unit_cost"].items()}
    check_invariants(db_url)
    if case.code:  # a posting case has just shown it
        [canary] = stocked.ingest(good_packing_list(tmp_path / "canary.xlsx", serial="CANARY1"), expect=0)
        assert canary["status"] == "posted", "the home must still post the next good file"

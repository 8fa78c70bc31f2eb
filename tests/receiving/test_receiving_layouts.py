"""Packing lists as vendors really send them, all of which post: spans, lists in one cell, one row per unit,
PO numbers in the title block, headers under a title block, totals rows, csv in three encodings, and a
vendor's own column names mapped in ``serialtrack.toml``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from receiving_helpers import SHEET, Service, packing_list, table, write_csv, write_xlsx


def _posted(st: Service, path: Path, **kwargs: object) -> dict:
    outcome = st.ingest_one(path, **kwargs)
    assert outcome["status"] == "posted", outcome["errors"]
    return outcome


def test_receiving__numeric_span_expands_and_pads(st: Service, tmp_path: Path) -> None:
    _posted(st, packing_list(tmp_path / "span.xlsx", [70001, "CAB-1", 10, "1000...1009"]))

    assert st.serials_in_stock("CAB-1") == [f"0{n}" for n in range(1000, 1010)]
    found = st.serial("1005")  # looked up the way entries are normalised: 1005 finds 01005
    assert found is not None and found["serial"] == "01005" and found["lot"] == "PO-70001"


def test_receiving__span_with_ellipsis_character_keeps_prefix_and_width(st: Service, tmp_path: Path) -> None:
    outcome = _posted(st, packing_list(tmp_path / "ellipsis.xlsx", [70001, "CAB-1", 10, "SN0100\u2026SN0109"]))

    assert st.serials_in_stock("CAB-1") == [f"SN01{n:02d}" for n in range(10)]
    serials = table(openpyxl.load_workbook(outcome["output"])["Serials"], "Serial")
    assert {row["Entry"] for row in serials} == {"SN0100\u2026SN0109"}, "each serial echoes the span it came from"
    assert [row["Serial"] for row in serials] == [f"SN01{n:02d}" for n in range(10)]


@pytest.mark.parametrize("cell", ["A-01, A-02, A-03", "A-01;A-02; A-03", "A-01\nA-02\r\nA-03",
                                  "a-01,\n a-02 ,, A-03\t"], ids=["comma", "semicolon", "newline", "mixed-case"])
def test_receiving__list_in_one_cell(st: Service, tmp_path: Path, cell: str) -> None:
    _posted(st, packing_list(tmp_path / "list.xlsx", [70001, "CAB-1", 3, cell]))

    assert st.serials_in_stock("CAB-1") == ["A-01", "A-02", "A-03"]


def test_receiving__invisible_spaces_dropped_and_case_folded(st: Service, tmp_path: Path) -> None:
    _posted(st, packing_list(tmp_path / "pasted.xlsx", [70001, "CAB-1", 2, "\u200bzw-1\u00a0, ZW-2\u2060"]))

    assert st.serials_in_stock("CAB-1") == ["ZW-1", "ZW-2"]


def test_receiving__one_row_per_unit_without_qty(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "per-unit.xlsx",
                        [70001, "CAB-1", None, "U-1"], [70001, "CAB-1", None, "U-2"], [70001, "CAB-1", 1, "U-3"])

    outcome = _posted(st, path)

    assert outcome["counts"]["lots"] == 1, "rows of one PO line are summed into one lot"
    assert [(lot["document"], lot["qty_received"]) for lot in st.lots("--item", "CAB-1")] == [("PO-70001", 3)]
    assert st.serials_in_stock("CAB-1") == ["U-1", "U-2", "U-3"]
    assert st.serial("U-2")["history"][0]["row"] == 3  # type: ignore[index]


def test_receiving__mixed_rows_spans_lists_and_plain_items(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "mixed.xlsx",
                        [70001, "CAB-1", 1, "M-1"],
                        [70001, "CAB-1", 3, "M-2, M-3;M-4"],
                        [70001, "CAB-1", 5, "M10...M14"],
                        [70001, "BOLT-M6", 40, None],
                        [70001, "GEN-SN", 2, None],
                        [70002, "DC-IP3VO-4", 2, "AF5-69H\nTG-4SR-92"])

    outcome = _posted(st, path)

    assert outcome["counts"]["units"] == 9 + 40 + 2 + 2
    lots = {(lot["document"], lot["item_code"]): lot for lot in st.lots()}
    assert {k: v["qty_received"] for k, v in lots.items()} == {
        ("PO-70001", "CAB-1"): 9, ("PO-70001", "BOLT-M6"): 40, ("PO-70001", "GEN-SN"): 2,
        ("PO-70002", "DC-IP3VO-4"): 2}
    assert st.serials_in_stock("CAB-1") == ["M-1", "M-2", "M-3", "M-4", "M10", "M11", "M12", "M13", "M14"]
    assert st.serials_in_stock("DC-IP3VO-4") == ["AF5-69H", "TG-4SR-92"], "a hyphen is never a range"
    assert {"item_code": "BOLT-M6", "office": "Main", "bin": "RECEIVING", "on_hand": 40} in st.stock()


def test_receiving__po_number_in_title_block_one_cell(st: Service, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "title-one-cell.xlsx", [
        ["ACME Components - Packing List"],
        ["PO #: 60006"],
        [],
        ["Item", "Qty", "Serial Number"],
        ["DC-IP3VO-4", 1, "134593568"],
        ["DC-IP3VO-4", 1, "200937842"],
    ])

    _posted(st, path)

    assert [lot["document"] for lot in st.lots()] == ["PO-60006"]
    assert st.serial("134593568")["history"][0]["row"] == 5  # type: ignore[index]


def test_receiving__po_number_in_title_block_adjacent_cells(st: Service, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "title-adjacent.xlsx", [
        [None, "Packing list", None, None],
        [None, "Purchase Order", 60006, None],
        [None, "Packing List #", "PL-0425", None],
        [],
        [None, "Part #", "Ship Qty", "S/N"],
        [None, "DC-IP3VO-4", 2, "134593568, 200937842"],
    ])

    _posted(st, path)

    lots = st.lots()
    assert [(lot["document"], lot["qty_received"], lot["packing_list"]) for lot in lots] == [
        ("PO-60006", 2, "PL-0425")]
    assert st.serials_in_stock("DC-IP3VO-4") == ["134593568", "200937842"]


def test_receiving__header_under_title_block_and_totals_row_ignored(st: Service, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "titled.xlsx", [
        ["ACME Components Ltd."],
        ["12 Industrial Way, Springfield"],
        ["Packing list", None, None, "Date: 2024-05-01"],
        [],
        [],
        ["Purchase Order", "Item Code", "Quantity", "Serial No"],
        [70001, "CAB-1", 2, "T-1, T-2"],
        [None, None, None, None],
        [70001, "CAB-1", 1, "T-3"],
        [],
        ["Total", None, 3, None],
    ])

    outcome = _posted(st, path)

    assert outcome["counts"]["rows"] == 2
    assert any("totals row" in note for note in outcome["notes"]), outcome["notes"]
    assert st.serials_in_stock("CAB-1") == ["T-1", "T-2", "T-3"]
    assert st.serial("T-3")["history"][0]["row"] == 9  # type: ignore[index]
    assert [lot["received_date"] for lot in st.lots()] == ["2024-05-01"], "Date: in the title block"



def test_receiving__last_row_describing_a_total_station_is_an_item(st: Service, tmp_path: Path) -> None:
    """Only a row that lists no item is a totals row, whatever its description says."""
    path = write_xlsx(tmp_path / "station.xlsx", [
        ["PO", "Item", "Qty", "Serials", "Description"],
        [70001, "CAB-1", 1, "Z-1", "Cable kit"],
        [70001, "BOLT-M6", 40, None, "Total station mounting bolts"],
        [None, "Total:", 41, None, None],
    ])

    outcome = _posted(st, path)

    assert outcome["counts"]["rows"] == 2
    assert outcome["notes"] == ["sheet 'Packing List': row 4 is a totals row and was not read as an item"]
    assert {"item_code": "BOLT-M6", "office": "Main", "bin": "RECEIVING", "on_hand": 40} in st.stock()

def test_receiving__bins_and_dates_from_columns(st: Service, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bins.xlsx", [
        ["PO", "Item", "Qty", "Serial", "Bin", "Received Date"],
        [70001, "CAB-1", 1, "B-1", "A-01", dt.datetime(2024, 5, 2)],
        [70001, "CAB-1", 1, "B-2", None, dt.datetime(2024, 5, 3)],
    ])

    _posted(st, path)

    assert [(r["bin"], r["serials"]) for r in st.stock("--item", "CAB-1")] == [("A-01", ["B-1"]),
                                                                              ("RECEIVING", ["B-2"])]
    assert [lot["received_date"] for lot in st.lots()] == ["2024-05-02"], "a lot is dated by its first receipt"
    assert st.serial("B-1")["bin"] == "A-01"  # type: ignore[index]


def test_receiving__every_sheet_with_a_header_is_read(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "two-boxes.xlsx", [70001, "CAB-1", 1, "BOX1-1"], sheet="Box 1")
    book = openpyxl.load_workbook(path)
    second = book.create_sheet("Box 2")
    for row in (["Note: second carton"], ["PO", "Item", "Qty", "Serials"], [70001, "CAB-1", 2, "BOX2-1, BOX2-2"]):
        second.append(row)
    book.save(path)

    outcome = _posted(st, path)

    assert outcome["counts"]["units"] == 3 and outcome["counts"]["lots"] == 1
    assert [(h["sheet"], h["row"]) for h in st.serial("BOX2-2")["history"]] == [("Box 2", 3)]  # type: ignore[index]
    assert [(h["sheet"], h["row"]) for h in st.serial("BOX1-1")["history"]] == [("Box 1", 2)]  # type: ignore[index]


CSV_ROWS = [
    ["PO", "Item", "Description", "Qty", "Serials"],
    [70001, "CAB-1", "Kabel \u00d8 5 mm \u2013 gr\u00fcn", 2, "C-1, C-2"],
    [70001, "CAB-1", "Caf\u00e9 r\u00e9sum\u00e9 \u00a3", 1, "C-3"],
]


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";")],
                         ids=["utf-8", "utf-8-bom", "cp1252-semicolon"])
def test_receiving__csv_encodings(st: Service, tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = write_csv(tmp_path / "packing.csv", CSV_ROWS, encoding=encoding, delimiter=delimiter)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    outcome = _posted(st, path)

    assert outcome["counts"] == {"rows": 2, "units": 3, "lots": 1, "transactions": 3}
    assert st.serials_in_stock("CAB-1") == ["C-1", "C-2", "C-3"]
    assert st.serial("C-3")["history"][0]["sheet"] == "packing"  # type: ignore[index]


def test_receiving__csv_dropped_into_inbox_without_kind(st: Service) -> None:
    """Straight into inbox/ (no subfolder, no --kind): the kind is detected from the header."""
    path = write_csv(st.inbox / "asn.csv", CSV_ROWS, encoding="utf-8")

    outcome = st.ingest_one(path, kind=None)

    assert (outcome["status"], outcome["kind"]) == ("posted", "receiving"), outcome["errors"]


VENDOR_TOML = """
[vendors.acme]
file_pattern = "ACME-PL-*.xlsx"
columns = { "Unit ID" = "serials", "Our Ref" = "po_number", "Model" = "item_code" }
"""

ACME_ROWS = [
    ["ACME Components"],
    [],
    ["Line", "Model", "Our Ref", "Units", "Unit ID"],
    [1, "CAB-1", 70001, 2, "AC-1,AC-2"],
    [2, "DC-IP3VO-4", 60006, 2, "134593568; 200937842"],
]


def test_receiving__vendor_mapping_from_config(st: Service, tmp_path: Path) -> None:
    st.configure(VENDOR_TOML)
    path = write_xlsx(tmp_path / "ACME-PL-0425.xlsx", ACME_ROWS, sheet="ASN")

    outcome = _posted(st, path)

    assert outcome["counts"]["units"] == 4
    assert st.serials_in_stock("CAB-1") == ["AC-1", "AC-2"]
    assert st.serials_in_stock("DC-IP3VO-4") == ["134593568", "200937842"]
    summary = {r["Field"]: r["Value"] for r in table(openpyxl.load_workbook(outcome["output"])["Summary"], "Field")}
    assert summary["Vendor"] == "acme"



def test_receiving__vendor_recognised_by_title_text(st: Service, tmp_path: Path) -> None:
    st.configure('[vendors.acme]\ntitle_contains = "acme components"\n'
                 'columns = { "Unit ID" = "serials", "Our Ref" = "po_number" }\n')

    _posted(st, write_xlsx(tmp_path / "asn-0425.xlsx", ACME_ROWS, sheet="ASN"))

    assert st.serials_in_stock("CAB-1") == ["AC-1", "AC-2"]

def test_receiving__vendor_mapping_applies_only_to_matching_files(st: Service, tmp_path: Path) -> None:
    st.configure(VENDOR_TOML)
    path = write_xlsx(tmp_path / "other-vendor.xlsx", ACME_ROWS, sheet="ASN")

    outcome = st.ingest_one(path)

    assert outcome["status"] == "rejected"
    assert [(e["code"], e["sheet"], e["row"]) for e in outcome["errors"]] == [
        ("required-column-missing", "ASN", 3)]
    assert "po_number" in outcome["errors"][0]["message"]
    assert st.lots() == []


def test_receiving__sheets_without_header_are_ignored_and_said_so(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "two-sheets.xlsx", [70001, "CAB-1", 1, "S-1"])
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes").append(["Handle with care"])
    book.save(path)

    outcome = _posted(st, path)

    assert any("'Notes'" in note and "not read" in note for note in outcome["notes"]), outcome["notes"]
    assert st.serial("S-1")["history"][0]["sheet"] == SHEET  # type: ignore[index]


def test_receiving__row_number_column_is_never_serials(st: Service, tmp_path: Path) -> None:
    """``S.No`` numbers the rows; with a real serial column beside it, it is ignored."""
    _posted(st, packing_list(tmp_path / "sno.xlsx", [1, 70001, "CAB-1", 1, "SS-1"], [2, 70001, "CAB-1", 1, "SS-2"],
                             header=["S.No", "PO", "Item", "Qty", "Serial No"]))

    assert st.serials_in_stock("CAB-1") == ["SS-1", "SS-2"]


def test_receiving__row_numbers_alone_are_not_taken_for_serials(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "sno-only.xlsx", [1, 70001, "CAB-1", 1],
                                         header=["S.No", "PO", "Item", "Qty"]))

    assert [(e["code"], e["cell"]) for e in outcome["errors"]] == [("serials-missing", "D2")]
    assert st.lots() == []


def test_receiving__qty_shipped_is_received_not_qty_ordered(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "ordered-shipped.xlsx", [70001, "BOLT-M6", 10, 4, None],
                        header=["PO", "Item", "Qty Ordered", "Qty Shipped", "Serials"])

    outcome = _posted(st, path)

    assert outcome["counts"]["units"] == 4
    assert {"item_code": "BOLT-M6", "office": "Main", "bin": "RECEIVING", "on_hand": 4} in st.stock()

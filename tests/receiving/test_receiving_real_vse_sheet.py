"""A real parts-cage sheet: ``vse_hdd_serial_numbers.xlsx`` (5,112 drive serials, see real-sheets/README.md).

The file is read in place from the shared real-sheets folder (``SERIALTRACK_REAL_SHEETS``, else
``<repo>/../shared/real-sheets``) and never copied; the tests skip when it is absent. The home maps its columns
with a vendor table in ``serialtrack.toml`` (``Serial Number`` -> serials, ``Part Number`` -> item_code).

Decisions about the file's traps, asserted below:

* **No PO column.** It is not a packing list: dropped as receiving it is rejected, precisely, with
  ``required-column-missing`` naming ``po_number`` on its header row (row 2), and nothing is posted.
  Dropped straight into ``inbox/`` it is recognised as what it is, a count sheet (Site -> office,
  Rack -> bin, Part Number, Serial Number), not as a packing list.
* **Header on row 2** under a banner (``Total S/N - 5112``): found; the banner is neither a title-block field
  nor a totals row, and all 5,112 data rows (sheet rows 3..5114) are read, each with its cell.
* **Serials the parser accepts as they are**: 4,981 rows give exactly one serial equal to the cell text; all
  5,112 are distinct. ``2K2101-402`` (row 2280, a part number typed into the serial column) is syntactically
  a serial (a hyphen is never a range) and is accepted: only the ledger or a pattern can tell it is wrong.
* **Stray ``.`` at the end of 130 serials, and ``ZKL%6CFA`` (row 1360, a scanner shift error)**: these must be
  rejected with ``serial-bad-character`` naming their cells, never repaired by stripping (a guess). The
  parser (``serialtrack/ingest/serials.py``) currently accepts every printable ASCII character, so this
  verdict is now a plain test: the serial syntax refuses punctuation at the ends and ``%``.
* **Literal ``None``**: it fills Previous, Rack, Machine, Pipe, TRR, Comment and Task Name in every row and
  never the serial or part-number columns (asserted). The reader keeps cell text verbatim and does not turn
  ``None`` into a blank (that would be a guess); where such a column is mapped (Rack -> bin) the value reaches
  the record as the text ``None``.
* **Date and Time swapped** (``07:35 PM`` under Date, ``06/13/2021`` under Time): the Date column is the
  date field (received date on a packing list); ``07:35 PM`` is refused as ``not-a-date`` naming its cell,
  never swapped back from the Time column, which is not read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from receiving_helpers import Service, errors_table
from support.backends import real_sheets_dir

from serialtrack.ingest.reader import Ingested, VendorMapping, read_file
from serialtrack.ingest.serials import parse_cells
from serialtrack.ingest.values import as_date, convert
from serialtrack.kinds.registry import FIELD_SPECS
from serialtrack.records import Issue

NAME = "vse_hdd_serial_numbers.xlsx"
SHEET = "serial_numbers"
VENDOR_TOML = f"""
[vendors.vse]
file_pattern = "{NAME}"
columns = {{ "Serial Number" = "serials", "Part Number" = "item_code" }}
"""
VENDOR = VendorMapping("vse", file_pattern=NAME, columns={"Serial Number": "serials", "Part Number": "item_code"})
PERCENT_ROW = 1360
PART_NUMBER_ROW = 2280


def _real_sheets() -> Path:
    return real_sheets_dir()


@pytest.fixture(scope="module")
def vse_path() -> Path:
    path = _real_sheets() / NAME
    if not path.is_file():
        pytest.skip(f"real sheet {path} is not available")
    return path


@pytest.fixture(scope="module")
def vse_rows(vse_path: Path) -> Ingested:
    """The file read as the detector sees it when dropped straight into inbox/."""
    return read_file(vse_path, kinds=FIELD_SPECS, vendors=[VENDOR])


def test_receiving__real_vse_sheet_without_po_rejected_by_cli(st: Service, vse_path: Path) -> None:
    st.configure(VENDOR_TOML)
    lots_before = st.lots()

    outcome = st.ingest_one(vse_path, dry_run=True)  # dry run: the original is not even copied to the archive

    assert outcome["status"] == "rejected"
    assert [(e["code"], e["sheet"], e["row"], e["cell"]) for e in outcome["errors"]] == [
        ("required-column-missing", SHEET, 2, None)]
    assert "no PO column: is it one of" in outcome["errors"][0]["message"]
    listed = errors_table(outcome["output"])
    assert [(r["Sheet"], r["Row"], r["Code"]) for r in listed] == [(SHEET, 2, "required-column-missing")]
    assert st.lots() == lots_before
    assert vse_path.is_file()


def test_receiving__real_vse_sheet_read_as_receiving_names_missing_po(vse_path: Path) -> None:
    ingested = read_file(vse_path, kinds=FIELD_SPECS, kind="receiving", vendors=[VENDOR])

    assert ingested.vendor == "vse"
    assert ingested.rows == []
    assert [(i.code, i.source.sheet if i.source else None, i.source.row if i.source else None)
            for i in ingested.issues] == [("required-column-missing", SHEET, 2)]
    assert "po_number" in ingested.issues[0].message


def test_receiving__real_vse_sheet_detected_as_count_sheet_with_header_on_row_2(vse_rows: Ingested) -> None:
    assert (vse_rows.kind, vse_rows.vendor) == ("counts", "vse")
    assert [i for i in vse_rows.issues if i.is_error] == []
    # every column read as no field is named on its header cell, so the clerk sees what was left out
    unread = {i.source.cell: i.message for i in vse_rows.issues if i.code == "column-not-read" and i.source}
    assert set(unread) == {"C2", "E2", "F2", "G2", "I2", "J2", "L2", "M2", "N2", "O2", "P2", "Q2"}
    assert "('Time') was not read" in unread["E2"]
    [table] = vse_rows.tables
    assert table.header_row == 2
    assert table.columns["serials"] == 1 and table.columns["item_code"] == 2
    assert table.title == {}, "the banner row holds no title-block field"
    assert len(vse_rows.rows) == 5112
    assert (vse_rows.rows[0].source.row, vse_rows.rows[-1].source.row) == (3, 5114)


def test_receiving__real_vse_sheet_serial_parser_verdict_on_every_row(vse_rows: Ingested) -> None:
    clean, traps, serials = 0, {}, []
    for row in vse_rows.rows:
        cell = row.get("serials")
        assert cell is not None, f"row {row.source.row} has no serial"
        parsed = parse_cells([(cell.value, cell.source)])
        text = str(cell.value)
        if text.endswith(".") or "%" in text:
            traps[row.source.row] = text
            continue
        assert parsed.issues == [], (row.source.row, parsed.issues)
        assert [u.serial for u in parsed.units] == [text], row.source.row
        assert parsed.units[0].source == cell.source
        serials.append(text)
        clean += 1

    assert clean == 4981
    assert len(traps) == 131 and traps[PERCENT_ROW] == "ZKL%6CFA"
    assert sum(t.endswith(".") for t in traps.values()) == 130
    assert len(set(serials)) == len(serials), "no serial repeats in the file"
    assert "2K2101-402" in serials, "a part number in the serial column is still a well-formed serial"
    assert vse_rows.rows[PART_NUMBER_ROW - 3].get("serials").value == "2K2101-402"  # type: ignore[union-attr]


def test_receiving__real_vse_sheet_stray_dot_and_percent_are_bad_characters(vse_rows: Ingested) -> None:
    expected: dict[str, str] = {}
    found: dict[str, list[Issue]] = {}
    for row in vse_rows.rows:
        cell = row.get("serials")
        assert cell is not None
        text = str(cell.value)
        if text.endswith(".") or "%" in text:
            expected[cell.source.cell or ""] = text
            found[cell.source.cell or ""] = parse_cells([(cell.value, cell.source)]).issues

    assert len(expected) == 131 and expected[f"A{PERCENT_ROW}"] == "ZKL%6CFA"
    assert {cell: [i.code for i in issues] for cell, issues in found.items()} == {
        cell: ["serial-bad-character"] for cell in expected}


def test_receiving__real_vse_sheet_literal_none_is_kept_as_text_outside_serials(vse_rows: Ingested) -> None:
    for row in vse_rows.rows:
        assert row.get("serials").value != "None"  # type: ignore[union-attr]
        assert row.get("item_code").value != "None"  # type: ignore[union-attr]
    first = vse_rows.rows[0]
    assert first.get("bin").value == "None", "the reader never turns text into a blank"  # type: ignore[union-attr]
    assert first.get("bin").source.cell == "H3"  # type: ignore[union-attr]


def test_receiving__real_vse_sheet_swapped_date_refused_by_cell(vse_rows: Ingested) -> None:
    assert "Time" in vse_rows.tables[0].ignored_headers, "the Time column is not read"
    issues: list[Issue] = []
    dates = [convert(row.get("count_date"), as_date, issues, "received date") for row in vse_rows.rows]

    assert dates == [None] * 5112
    assert len(issues) == 5112 and {i.code for i in issues} == {"not-a-date"}
    assert issues[0].source is not None and issues[0].source.cell == "D3"
    assert "'07:35 PM' is not a date" in issues[0].message

"""Every receiving rule, broken once: the WHOLE file is rejected (its valid line does not post either), the
``--json`` error names the sheet, cell and code, the rejected workbook lists the error first and comments
the offending cell in the clerk's own sheet, and the ledger is exactly as it was.

Each packing list has the valid line ``VALID`` on row 2 and the broken line below it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from receiving_helpers import SHEET, Service, error_at, errors_table, packing_list, write_xlsx

VALID = [70001, "CAB-1", 1, "VALID-0001"]
VALID_ON_70002 = [70002, "DC-IP3VO-4", 1, "VALID-0002"]


def assert_whole_file_rejected(st: Service, path: Path, code: str, cell: str, *,
                               valid_serial: str = "VALID-0001") -> dict[str, Any]:
    """Drop ``path``; check the rejection points at ``cell`` with ``code`` everywhere it should."""
    lots_before, stock_before = st.lots(), st.stock()

    outcome = st.ingest_one(path)

    assert outcome["status"] == "rejected", outcome
    assert outcome["batch"] is not None and outcome["counts"] == {}
    error = error_at(outcome, code)
    assert (error["sheet"], error["cell"]) == (SHEET, cell), error
    assert error["row"] == int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    # The rejected workbook: Errors first, listing the cell; the clerk's copy comments the cell.
    output = Path(outcome["output"])
    assert output == st.home / "outbox" / f"{path.stem}.rejected.xlsx"
    listed = [(row["Sheet"], row["Cell"], row["Code"]) for row in errors_table(output)]
    assert (SHEET, cell, code) in listed, listed
    book = openpyxl.load_workbook(output)
    copy = book[SHEET]
    comment = copy[cell].comment
    assert comment is not None, f"{cell} has no comment in the rejected copy"
    assert error["message"] in comment.text
    assert copy[cell].fill.fgColor.rgb == "FFFFC7CE", "the offending cell is filled light red"
    assert (copy["A1"].value, copy["D1"].value) == ("PO", "Serials"), "the clerk's rows keep their addresses"
    assert copy["D2"].value == valid_serial
    # The ledger is unchanged, and the valid line did not post.
    assert st.lots() == lots_before
    assert st.stock() == stock_before
    assert st.serial(valid_serial) is None
    return outcome


def test_receiving__unknown_po_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "po-unknown.xlsx", VALID, [99999, "CAB-1", 1, "X-1"])

    outcome = assert_whole_file_rejected(st, path, "po-unknown", "A3")

    assert "99999" in error_at(outcome, "po-unknown")["message"]


def test_receiving__po_without_the_item_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "po-line-missing.xlsx", VALID, [60006, "BOLT-M6", 5, None])

    outcome = assert_whole_file_rejected(st, path, "po-line-missing", "B3")

    assert "DC-IP3VO-4" in error_at(outcome, "po-line-missing")["message"], "says what the PO does order"


def test_receiving__unknown_item_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "item-unknown.xlsx", VALID, [70001, "NO-SUCH-ITEM", 1, "X-1"])

    assert_whole_file_rejected(st, path, "item-unknown", "B3")


def test_receiving__over_receipt_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "over.xlsx", VALID, [60006, "DC-IP3VO-4", 3, "S-1, S-2, S-3"])

    outcome = assert_whole_file_rejected(st, path, "over-receipt", "C3")

    assert "3 in this file is more than the 2 ordered" in error_at(outcome, "over-receipt")["message"]


def test_receiving__zero_quantity_row_of_a_plain_item_rejected(st: Service, tmp_path: Path) -> None:
    """A packing-list row saying 0 of a plain item receives nothing: the file is refused at that quantity
    (not posted as an empty receipt that would still count as activity on the PO)."""
    path = packing_list(tmp_path / "qty-zero.xlsx", VALID, [70001, "BOLT-M6", 0, None])

    outcome = assert_whole_file_rejected(st, path, "qty-zero", "C3")

    assert "receives nothing" in error_at(outcome, "qty-zero")["message"]
    assert st.lots("--po", "70001") == []


def test_receiving__over_receipt_counts_what_was_received_before(st: Service, tmp_path: Path) -> None:
    assert st.ingest_one(packing_list(tmp_path / "first.xlsx", [60006, "DC-IP3VO-4", 1, "S-1"]))[
        "status"] == "posted"
    path = packing_list(tmp_path / "second.xlsx", VALID, [60006, "DC-IP3VO-4", 2, "S-2, S-3"])

    outcome = assert_whole_file_rejected(st, path, "over-receipt", "C3")

    assert "1 already received + 2 in this file" in error_at(outcome, "over-receipt")["message"]


def test_receiving__over_receipt_within_tolerance_posts(st: Service, tmp_path: Path) -> None:
    st.configure("[receiving]\nover_receipt_tolerance_percent = 10\n")
    eleven = ", ".join(f"T-{n:02d}" for n in range(11))
    path = packing_list(tmp_path / "tolerance.xlsx", [70002, "DC-IP3VO-4", 11, eleven])

    outcome = st.ingest_one(path)

    assert outcome["status"] == "posted", outcome["errors"]
    assert [(lot["document"], lot["qty_ordered"], lot["qty_received"]) for lot in st.lots()] == [
        ("PO-70002", 10, 11)]


def test_receiving__over_receipt_beyond_tolerance_rejected(st: Service, tmp_path: Path) -> None:
    st.configure("[receiving]\nover_receipt_tolerance_percent = 10\n")
    twelve = ", ".join(f"T-{n:02d}" for n in range(12))
    path = packing_list(tmp_path / "beyond.xlsx", VALID, [70002, "DC-IP3VO-4", 12, twelve])

    outcome = assert_whole_file_rejected(st, path, "over-receipt", "C3")

    assert "with 10% tolerance: 11" in error_at(outcome, "over-receipt")["message"]


def test_receiving__serial_count_mismatch_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "count.xlsx", VALID, [70001, "CAB-1", 3, "S-1, S-2"])

    outcome = assert_whole_file_rejected(st, path, "serial-count-mismatch", "D3")

    assert "quantity 3 but lists 2 serials" in error_at(outcome, "serial-count-mismatch")["message"]


def test_receiving__serialized_item_without_serials_rejected(st: Service, tmp_path: Path) -> None:
    """DC-IP3VO-4 has no next serial to generate from, so its serials must be listed."""
    path = packing_list(tmp_path / "missing.xlsx", VALID, [70002, "DC-IP3VO-4", 2, None])

    assert_whole_file_rejected(st, path, "serials-missing", "C3")


def test_receiving__serials_on_non_serialized_item_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "bolts.xlsx", VALID, [70001, "BOLT-M6", 2, "B-1, B-2"])

    assert_whole_file_rejected(st, path, "serials-on-non-serialized-item", "D3")


def test_receiving__duplicate_serial_in_file_rows_of_one_line_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "dup-rows.xlsx", VALID,
                        [70001, "CAB-1", 1, "D-1"], [70001, "CAB-1", 1, "D-2"], [70001, "CAB-1", 1, "D-1"])

    outcome = assert_whole_file_rejected(st, path, "serial-duplicate-in-file", "D5")

    assert "first at D3" in error_at(outcome, "serial-duplicate-in-file")["message"]


def test_receiving__duplicate_serial_in_file_across_purchase_orders_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "dup-pos.xlsx", VALID_ON_70002, [60006, "DC-IP3VO-4", 1, "VALID-0002"])

    assert_whole_file_rejected(st, path, "serial-duplicate-in-file", "D3", valid_serial="VALID-0002")


def test_receiving__duplicate_serial_reported_once_per_cell(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "dup-both.xlsx", [70001, "CAB-1", 1, "D-1"], [70001, "CAB-1", 2, "D-1, D-1"])

    outcome = st.ingest_one(path)

    duplicates = sorted((e["code"], e["cell"]) for e in outcome["errors"] if "duplicate" in e["code"])
    assert duplicates == [("serial-duplicate", "D3"), ("serial-duplicate-in-file", "D3")]


def test_receiving__duplicate_serial_in_one_cell_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "dup-cell.xlsx", VALID, [70001, "CAB-1", 3, "D-1, D-2, D-1"])

    assert_whole_file_rejected(st, path, "serial-duplicate", "D3")


def test_receiving__serial_already_in_ledger_rejected(st: Service, tmp_path: Path) -> None:
    first = st.ingest_one(packing_list(tmp_path / "first.xlsx", [70002, "DC-IP3VO-4", 1, "134593568"]))
    assert first["status"] == "posted", first["errors"]
    path = packing_list(tmp_path / "second.xlsx", VALID, [60006, "DC-IP3VO-4", 1, "134593568"])

    outcome = assert_whole_file_rejected(st, path, "serial-already-in-ledger", "D3")

    message = error_at(outcome, "serial-already-in-ledger")["message"]
    assert "already in stock (lot PO-70002)" in message
    assert st.serial("134593568")["lot"] == "PO-70002"  # type: ignore[index]


def test_receiving__same_serial_on_another_item_posts(st: Service, tmp_path: Path) -> None:
    """(item, serial) is unique, not the serial alone."""
    st.ingest_one(packing_list(tmp_path / "first.xlsx", [70002, "DC-IP3VO-4", 1, "SHARED-1"]))

    outcome = st.ingest_one(packing_list(tmp_path / "second.xlsx", [70001, "CAB-1", 1, "SHARED-1"]))

    assert outcome["status"] == "posted", outcome["errors"]
    assert st.serial("SHARED-1", item="CAB-1")["lot"] == "PO-70001"  # type: ignore[index]
    ambiguous = st.run("serial", "SHARED-1", exit_code=1)
    assert "several items" in ambiguous.output and "--item" in ambiguous.output


def test_receiving__serial_pattern_mismatch_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "pattern.xlsx", VALID, [70001, "PAT-SN", 2, "SN0001, XX0002"])

    outcome = assert_whole_file_rejected(st, path, "serial-pattern-mismatch", "D3")

    assert "XX0002" in error_at(outcome, "serial-pattern-mismatch")["message"]


def test_receiving__serial_pattern_match_posts(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "pattern-ok.xlsx", [70001, "PAT-SN", 2, "sn0001, SN0002"]))

    assert outcome["status"] == "posted", outcome["errors"]
    assert st.serials_in_stock("PAT-SN") == ["SN0001", "SN0002"]


def test_receiving__luhn_check_digit_failure_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "luhn.xlsx", VALID, [70001, "IMEI-PHONE", 2, "490154203237518, 490154203237519"])

    outcome = assert_whole_file_rejected(st, path, "serial-check-digit", "D3")

    assert "490154203237519" in error_at(outcome, "serial-check-digit")["message"]
    assert len([e for e in outcome["errors"] if e["code"] == "serial-check-digit"]) == 1


def test_receiving__luhn_valid_imeis_post(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "imei.xlsx", [70001, "IMEI-PHONE", 2,
                                                                  "490154203237518\n356938035643809"]))

    assert outcome["status"] == "posted", outcome["errors"]


def test_receiving__excel_damage_fraction_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "fraction.xlsx", VALID, [70001, "CAB-1", 1, 134593568.5])

    outcome = assert_whole_file_rejected(st, path, "serial-excel-fraction", "D3")

    assert "format the serial column as Text" in error_at(outcome, "serial-excel-fraction")["message"]


def test_receiving__excel_whole_number_float_posts(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "float.xlsx", [60006, "DC-IP3VO-4", 2, 134593568.0],
                                         [60006, None, None, None]))

    assert outcome["status"] == "rejected", "a row without an item is still an error"
    outcome = st.ingest_one(packing_list(tmp_path / "float2.xlsx", [60006, "DC-IP3VO-4", 1, 134593568.0],
                                         [60006, "DC-IP3VO-4", 1, 200937842]))
    assert outcome["status"] == "posted", outcome["errors"]
    assert st.serials_in_stock("DC-IP3VO-4") == ["134593568", "200937842"]


def test_receiving__excel_damage_scientific_text_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "scientific.xlsx", VALID, [70001, "CAB-1", 1, "1.34594E+11"])

    outcome = assert_whole_file_rejected(st, path, "serial-excel-scientific", "D3")

    assert "Excel" in error_at(outcome, "serial-excel-scientific")["message"]


def test_receiving__excel_damage_date_in_serial_column_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "date.xlsx", VALID, [70001, "CAB-1", 1, dt.datetime(2021, 6, 13)])

    outcome = assert_whole_file_rejected(st, path, "serial-excel-date", "D3")

    assert "2021-06-13" in error_at(outcome, "serial-excel-date")["message"]


def test_receiving__excel_damage_more_than_15_digits_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "digits.xlsx", VALID, [70001, "IMEI-PHONE", 1, 4901542032375180.0])

    assert_whole_file_rejected(st, path, "serial-excel-precision", "D3")


def test_receiving__lost_leading_zeros_rejected(st: Service, tmp_path: Path) -> None:
    """WIDE-8's next serial 00001000 says its serials have 8 digits; the number 1234567 lost a zero."""
    path = packing_list(tmp_path / "zeros.xlsx", VALID, [70001, "WIDE-8", 1, 1234567])

    outcome = assert_whole_file_rejected(st, path, "serial-lost-leading-zeros", "D3")

    assert "01234567" in error_at(outcome, "serial-lost-leading-zeros")["message"]


def test_receiving__full_width_serials_post_for_item_with_width(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "zeros-ok.xlsx", [70001, "WIDE-8", 2, "01234567, 12345678"]))

    assert outcome["status"] == "posted", outcome["errors"]


def test_receiving__span_exceeding_qty_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "span.xlsx", VALID, [70001, "CAB-1", 10, "1...999999999"])

    outcome = assert_whole_file_rejected(st, path, "serial-span-exceeds-qty", "D3")

    assert "nothing was expanded" in error_at(outcome, "serial-span-exceeds-qty")["message"]


def test_receiving__span_without_qty_over_expansion_limit_rejected(st: Service, tmp_path: Path) -> None:
    """With no quantity to check it against, a span is still bounded before it is expanded."""
    path = packing_list(tmp_path / "huge.xlsx", VALID, [70001, "CAB-1", None, "1...999999999"])

    assert_whole_file_rejected(st, path, "serial-expansion-limit", "D3")


def test_receiving__backwards_span_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "backwards.xlsx", VALID, [70001, "CAB-1", 3, "SN0109...SN0107"])

    assert_whole_file_rejected(st, path, "serial-span-backwards", "D3")


def test_receiving__span_with_different_prefixes_rejected(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "prefix.xlsx", VALID, [70001, "CAB-1", 3, "SN0100...SX0102"])

    assert_whole_file_rejected(st, path, "serial-span-prefix-mismatch", "D3")


def test_receiving__rejection_lists_every_error_not_just_the_first(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "many.xlsx", VALID, [99999, "CAB-1", 1, "X-1"],
                        [70001, "BOLT-M6", 1, "B-1"], [70001, "CAB-1", 1, 12.5])

    outcome = st.ingest_one(path)

    found = {(e["code"], e["cell"]) for e in outcome["errors"]}
    assert {("po-unknown", "A3"), ("serials-on-non-serialized-item", "D4"),
            ("serial-excel-fraction", "D5")} <= found
    listed = {(row["Code"], row["Cell"]) for row in errors_table(outcome["output"])}
    assert found <= listed


def test_receiving__unknown_po_in_title_block_names_the_title_cell(st: Service, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "title-po.xlsx", [
        ["Packing list", None, "PO #", 99999],
        [],
        ["Item", "Qty", "Serial"],
        ["CAB-1", 1, "X-1"],
    ])

    outcome = st.ingest_one(path)

    assert outcome["status"] == "rejected"
    assert (error_at(outcome, "po-unknown")["cell"]) == "D1"
    assert st.lots() == []


def test_receiving__uncalculated_formula_rejected_by_cell(st: Service, tmp_path: Path) -> None:
    """openpyxl writes formulas without their results, as any script does: never read as blank."""
    path = packing_list(tmp_path / "script.xlsx", VALID, [70001, "CAB-1", "=1+1", "F-1, F-2"])

    outcome = assert_whole_file_rejected(st, path, "formula-not-calculated", "C3")

    assert "open the file in Excel" in error_at(outcome, "formula-not-calculated")["message"]

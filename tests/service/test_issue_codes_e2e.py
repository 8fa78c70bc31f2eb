"""End to end, one test per issue code that had none: a clerk's file dropped through ``ingest --json``, the
code and the cell it names asserted, and nothing posted. Runs on SQLite and PostgreSQL (``cli`` fixture).

File-level problems (the file cannot be read, or no kind fits) name the file and no cell: ``cell`` is None.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from support.books import po_book, so_book, workbook

from serialtrack.ingest import workbook as workbook_module
from serialtrack.kinds.base import Checked
from serialtrack.kinds.receiving import Receiving

ITEMS = ["Item Code", "Description", "Serialized", "Track Mfr Lot", "Next Serial", "Check Digit"]
PL = ["PO", "Item", "Qty", "Serials", "Mfr Lot"]


def _errors(out: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["cell"]) for e in out["errors"]]


def _rejected(out: dict[str, Any]) -> None:
    """Rejected, the original archived as rejected, and an annotated answer written (a batch id only records
    the rejection)."""
    assert out["status"] == "rejected", out
    assert "/archive/rejected/" in out["archived"] and out["output"].endswith(".rejected.xlsx"), out


@pytest.fixture
def ledger(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Items CAM (serialized), LOT (serialized, tracks manufacturer lots), CBL (plain); PO 1 and SO S1 at Main."""
    cli.ingest(workbook(tmp_path / "items.xlsx", ITEMS, [["CAM", "Camera", "Y", "N", None, None],
                                                         ["LOT", "Drug pump", "Y", "Y", None, None],
                                                         ["CBL", "Cable", "N", "N", None, None]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["1", "Acme", "Main", "CAM", 5, 90], ["1", "Acme", "Main", "LOT", 5, 40],
                                              ["1", "Acme", "Main", "CBL", 10, 1]]), kind="purchase_orders", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["S1", "Bob", "Main", "CAM", 2, 150]]), kind="sales_orders", expect=0)
    return cli


def _ledger_units(cli) -> int:  # type: ignore[no-untyped-def]
    return sum(r["on_hand"] for r in cli.json("stock"))


# -- master data ----------------------------------------------------------------------------------------------


def test_items__duplicate_item_in_one_file_rejected_at_its_second_cell(cli, tmp_path: Path) -> None:
    [out] = cli.ingest(workbook(tmp_path / "items.xlsx", ITEMS, [["CAM", "Camera", "Y", "N", None, None],
                                                                 ["CBL", "Cable", "N", "N", None, None],
                                                                 ["cam", "Camera again", "N", "N", None, None]]),
                       kind="items", expect=1)
    _rejected(out)
    assert _errors(out) == [("duplicate-item", "A4")]
    assert "row 2" in out["errors"][0]["message"]
    assert cli.json("stock") == []


def test_items__unknown_check_digit_and_next_serial_without_digits_rejected(cli, tmp_path: Path) -> None:
    [out] = cli.ingest(workbook(tmp_path / "items.xlsx", ITEMS, [["CAM", "Camera", "Y", "N", "SN-ABC", None],
                                                                 ["IMEI", "Phone", "Y", "N", None, "Verhoeff"]]),
                       kind="items", expect=1)
    _rejected(out)
    assert sorted(_errors(out)) == [("check-digit-unknown", "F3"), ("next-serial-invalid", "E2")]
    # nothing was posted: a PO naming either item is refused as naming an unknown item
    [po] = cli.ingest(po_book(tmp_path / "po.xlsx", [["1", "Acme", "Main", "CAM", 1, 1]]), kind="purchase_orders",
                      expect=1)
    assert _errors(po) == [("item-unknown", "D2")]


def test_orders__one_order_for_two_offices_rejected(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(po_book(tmp_path / "po2.xlsx", [["7", "Acme", "Main", "CAM", 1, 90],
                                                          ["7", "Acme", "Depot", "CBL", 1, 1]]),
                          kind="purchase_orders", expect=1)
    _rejected(out)
    assert _errors(out) == [("order-header-conflict", "C3")]
    assert "order 7 is for office Main on row 2 but Depot here" in out["errors"][0]["message"]


def test_orders__sales_order_for_two_offices_rejected(ledger, home: Path) -> None:
    path = so_book(home / "inbox" / "sales_orders" / "so2.xlsx", [["S7", "Bob", "Main", "CAM", 1, 9],
                                                                      ["S7", "Bob", "North", "CBL", 1, 9],
                                                                      ["S8", "Eve", "North", "CBL", 1, 9]])
    [so] = ledger.ingest(path, expect=1)
    _rejected(so)
    assert _errors(so) == [("order-header-conflict", "C3")]
    [bad] = ledger.ingest(workbook(home / "ship.xlsx", ["SO", "Item", "Qty"], [["S8", "CBL", 1]]), kind="shipping",
                          expect=1)
    assert _errors(bad) == [("so-unknown", "A2")], "nothing of the rejected order file was posted"


def test_items__same_code_twice_in_a_csv_in_the_items_folder_rejected(cli, home: Path) -> None:
    path = home / "inbox" / "items" / "items.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Item Code,Description,Serialized\r\nCAM,Camera,Y\r\nCAM,Camera (dup),Y\r\n", encoding="utf-8")
    [out] = cli.ingest(path, expect=1)
    _rejected(out)
    assert _errors(out) == [("duplicate-item", "A3")]
    assert out["errors"][0]["message"] == "item CAM appears again (first on row 2); list each item once"


def test_orders__office_change_after_receipt_rejected_before_it_allowed(ledger, tmp_path: Path) -> None:
    # before any activity the office may still change
    [moved] = ledger.ingest(po_book(tmp_path / "po-move.xlsx", [["1", "Acme", "Depot", "CAM", 5, 90]]),
                            kind="purchase_orders", expect=0)
    assert moved["status"] == "posted"
    ledger.ingest(po_book(tmp_path / "po-back.xlsx", [["1", "Acme", "Main", "CAM", 5, 90]]), kind="purchase_orders",
                  expect=0)
    ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None]]), kind="receiving", expect=0)
    [out] = ledger.ingest(po_book(tmp_path / "po-late.xlsx", [["1", "Acme Ltd", "Depot", "CAM", 5, 90]]),
                          kind="purchase_orders", expect=1)
    _rejected(out)
    assert _errors(out) == [("order-office-locked", "C2")]
    assert ledger.json("serial", "C1")["office"] == "Main"


def test_orders__sales_order_office_locked_after_a_shipment(ledger, tmp_path: Path) -> None:
    ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None]]), kind="receiving", expect=0)
    ledger.ingest(workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Qty", "Serials"], [["S1", "CAM", 1, "C1"]]),
                  kind="shipping", expect=0)
    [out] = ledger.ingest(so_book(tmp_path / "so-move.xlsx", [["S1", "Bob", "Depot", "CAM", 2, 150]]),
                          kind="sales_orders", expect=1)
    _rejected(out)
    assert _errors(out) == [("order-office-locked", "C2")]
    assert "already has shipped goods at office Main" in out["errors"][0]["message"]


# -- receiving and shipping -----------------------------------------------------------------------------------


def test_receiving__qty_zero_line_rejected(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None], ["1", "CBL", 0, None, None]]),
                          kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("qty-zero", "C3")]
    assert _ledger_units(ledger) == 0


def test_shipping__qty_zero_line_rejected(ledger, tmp_path: Path) -> None:
    ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None]]), kind="receiving", expect=0)
    [out] = ledger.ingest(workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Qty", "Serials"],
                                   [["S1", "CAM", 0, None]]), kind="shipping", expect=1)
    _rejected(out)
    assert ("qty-zero", "C2") in _errors(out)
    assert ledger.json("serial", "C1")["status"] == "in_stock"


def test_receiving__two_manufacturer_lots_on_one_line_rejected(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "LOT", 1, "L1", "M-100"],
                                                              ["1", "LOT", 1, "L2", "M-200"]]),
                          kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("mfr-lot-conflict", "E2")]
    assert "M-100, M-200" in out["errors"][0]["message"]
    assert _ledger_units(ledger) == 0


def test_receiving__lot_tracked_item_without_manufacturer_lot_rejected(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None], ["1", "LOT", 1, "L1", None]]),
                          kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("mfr-lot-missing", "E3")]  # the blank Mfr Lot cell to fill in, not the item
    [ok] = ledger.ingest(workbook(tmp_path / "pl-ok.xlsx", PL, [["1", "LOT", 2, "L1, L2", "M-100"]]),
                         kind="receiving", expect=0)
    assert ok["status"] == "posted" and ok["counts"]["units"] == 2


def test_receiving__lot_tracked_item_on_a_sheet_without_a_mfr_lot_column_names_the_item(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL[:4], [["1", "LOT", 1, "L1"]]), kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("mfr-lot-missing", "B2")]
    assert out["errors"][0]["message"].endswith("give the Mfr Lot for this line (add a Mfr Lot column)")


def test_receiving__quantity_not_a_number_negative_or_fraction_named_by_cell(ledger, tmp_path: Path) -> None:
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CBL", "two", None, None],
                                                              ["1", "CBL", -2, None, None],
                                                              ["1", "CBL", 1.5, None, None]]),
                          kind="receiving", expect=1)
    _rejected(out)
    errors = _errors(out)
    assert {("not-a-number", "C2"), ("qty-negative", "C3"), ("qty-not-whole", "C4")} <= set(errors)
    assert {cell for _, cell in errors} == {"C2", "C3", "C4"}, errors
    assert _ledger_units(ledger) == 0


# -- files no kind can read -----------------------------------------------------------------------------------


def test_inbox__no_header_row_in_a_receiving_file(ledger, tmp_path: Path) -> None:
    book = workbook(tmp_path / "notes.xlsx", ["Colour", "Weight"], [["red", 3], ["blue", 4]])
    [out] = ledger.ingest(book, kind="receiving", expect=1)
    _rejected(out)
    assert [(e["code"], e["sheet"], e["cell"]) for e in out["errors"]] == [("header-not-found", None, None)]
    assert "it needs columns PO, Item" in out["errors"][0]["message"]


def test_inbox__file_two_kinds_fit_equally_is_rejected_naming_both(ledger, home: Path, tmp_path: Path) -> None:
    book = workbook(home / "inbox" / "mixed.xlsx", ["PO", "SO", "Item", "Serials"], [["1", "S1", "CAM", "C1"]])
    [out] = ledger.ingest(book, expect=1)
    _rejected(out)
    assert _errors(out) == [("kind-ambiguous", None)]
    assert "receiving and shipping" in out["errors"][0]["message"]
    assert _ledger_units(ledger) == 0


@pytest.mark.parametrize(("line", "where"), [(2, "in its opening lines"), (60, "at line 60")])
def test_inbox__csv_with_an_overlong_field_is_malformed(ledger, tmp_path: Path, line: int, where: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A field the csv module refuses (here: over its default 131,072-character limit, which the reader normally
    raises to the file-size limit so long serial cells post) is a clear rejection, not an internal error,
    whether it sits in the lines read to guess the delimiter or further down."""
    monkeypatch.setattr(workbook_module, "_allow_long_cells", lambda limits: None)
    previous = csv.field_size_limit(131_072)
    path = tmp_path / "pl.csv"
    rows = ["1,CBL,1,\r\n" for _ in range(line - 2)] + ["1,CAM,1," + "C" * 140_000 + "\r\n"]
    path.write_text("PO,Item,Qty,Serials\r\n" + "".join(rows), encoding="utf-8")
    try:
        [out] = ledger.ingest(path, kind="receiving", expect=1)
    finally:
        csv.field_size_limit(previous)
    _rejected(out)
    assert _errors(out) == [("csv-malformed", None)]
    assert where in out["errors"][0]["message"]
    assert _ledger_units(ledger) == 0


def test_inbox__unsupported_file_type_rejected(ledger, tmp_path: Path) -> None:
    path = tmp_path / "packing-list.pdf"
    path.write_bytes(b"%PDF-1.4\n% a packing list printed to PDF\n")
    [out] = ledger.ingest(path, kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("unsupported-file-type", None)]
    assert ".pdf" in out["errors"][0]["message"]


def test_inbox__file_over_the_size_limit_rejected(ledger, home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text("[limits]\nmax_file_mb = 0.01\n", encoding="utf-8")
    path = tmp_path / "big.csv"
    path.write_text("PO,Item,Qty,Serials\r\n" + "".join(f"1,CAM,1,C{i:06d}\r\n" for i in range(2000)),
                    encoding="utf-8")
    [out] = ledger.ingest(path, kind="receiving", expect=1)
    _rejected(out)
    assert _errors(out) == [("file-too-large", None)]
    assert _ledger_units(ledger) == 0


def test_inbox__file_gone_before_it_is_read(ledger, home: Path) -> None:
    """The watcher lists a file that the clerk deletes before it is read: ``process_file`` (what the watcher and
    ``ingest`` call) answers file-missing, and nothing is posted (the CLI itself refuses a missing path)."""
    from serialtrack.service.context import open_context
    from serialtrack.service.home import Home
    from serialtrack.service.pipeline import process_file

    ctx = open_context(Home(home))
    try:
        outcome = process_file(ctx, home / "inbox" / "receiving" / "vanished.xlsx", kind="receiving")
    finally:
        ctx.close()
    assert outcome.status == "rejected"
    assert [(e.code, e.source.column if e.source else None) for e in outcome.errors] == [("file-missing", None)]
    assert _ledger_units(ledger) == 0


def test_pipeline__a_check_with_no_plan_and_no_error_still_rejects_nothing_to_post(
        ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``nothing-to-post`` is the pipeline's guard for a kind whose check returns no plan and no error (no clerk's
    file reaches it today; a defect in a new kind could). Injected at that boundary, the file is rejected with
    that code, its original archived, and nothing is posted, never posted blank nor crashed."""
    monkeypatch.setattr(Receiving, "check", lambda self, ingested, env: Checked(None, []))
    [out] = ledger.ingest(workbook(tmp_path / "pl.xlsx", PL, [["1", "CAM", 1, "C1", None]]), kind="receiving",
                          expect=1)
    _rejected(out)
    assert _errors(out) == [("nothing-to-post", None)]
    assert _ledger_units(ledger) == 0


def test_inbox__a_report_that_only_master_data_fits_is_never_guessed(ledger, home: Path) -> None:
    """SPEC: a file in inbox/ itself that only a master-data kind fits is rejected, naming the subfolder; a report
    with an Item column must not rewrite the item list."""
    book = workbook(home / "inbox" / "stock-report.xlsx", ["Item", "Description", "On Hand"],
                    [["CAM", "renamed by a report", 3]])
    [out] = ledger.ingest(book, expect=1)
    _rejected(out)
    assert _errors(out) == [("kind-master-data", None)]
    assert "inbox/items/" in out["errors"][0]["message"]
    [again] = ledger.ingest(workbook(home / "inbox" / "items" / "items-fix.xlsx", ITEMS,
                                     [["CAM", "Camera v2", "Y", "N", None, None]]), expect=0)
    assert (again["kind"], again["status"]) == ("items", "posted")

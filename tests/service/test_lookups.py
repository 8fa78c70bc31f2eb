"""Lookups (issue 17): a list of serials dropped as a question, answered with a workbook; nothing posts.

Driven as customer service would: a scan log saved as a sheet and dropped into ``inbox/`` (detected as a
lookup: serials are all it names), then the answer workbook read back. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.books import po_book, so_book, workbook

from serialtrack.ledger.warranty import add_months, warranty_state, warranty_until


def _sheet(path: str, name: str) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in book[name].iter_rows()]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def ledger(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """MBP (12 months' warranty, 24 months' vendor warranty) and CAM (none); units in every status:
    000101 in stock, 000102 shipped on SO 500 to Contoso, 000103 returned to vendor, 000104 scrapped,
    000105 of a reversed receipt; 000101 is also a CAM serial."""
    items = workbook(tmp_path / "items.xlsx", ["Item", "Description", "Serialized", "Warranty Months",
                                                "Vendor Warranty Months"],
                     [["MBP", "Laptop", "Y", 12, 24], ["CAM", "Camera", "Y", None, None]])
    cli.ingest(items, kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["100", "Acme", "Main", "MBP", 10, 900], ["100", "Acme", "Main", "CAM", 5, 50]]),
               kind="purchase_orders", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["500", "Contoso", "Main", "MBP", 5, 1500]]), kind="sales_orders",
               expect=0)
    cli.ingest(workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials", "Received Date"],
                        [["100", "MBP", 4, "000101...000104", "2024-01-31"], ["100", "CAM", 1, "000101", "2024-02-29"]]),
               kind="receiving", expect=0)
    [late] = cli.ingest(workbook(tmp_path / "pl2.xlsx", ["PO", "Item", "Qty", "Serials", "Received Date"],
                                 [["100", "MBP", 1, "000105", "2024-03-01"]]), kind="receiving", expect=0)
    cli("reverse", str(late["batch"]), "--reason", "wrong PO")
    cli.ingest(workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Serials", "Ship Date"],
                        [["500", "MBP", "000102...000104", "2024-02-29"]]), kind="shipping", expect=0)
    cli.ingest(workbook(tmp_path / "ret.xlsx", ["SO", "Item", "Serials", "Disposition", "Return Date"],
                        [["500", "MBP", "000103", "return_to_vendor", "2024-03-10"],
                         ["500", "MBP", "000104", "scrap", "2024-03-10"]]), kind="returns", expect=0)
    return cli


def test_lookup__scan_log_dropped_in_the_inbox_is_answered_and_posts_nothing(ledger, home: Path) -> None:
    stock_before, lots_before = ledger.json("stock"), ledger.json("lots")
    path = workbook(home / "inbox" / "which-units.xlsx", ["Serial Number"],
                    [["000101"], ["000102"], ["000103"], ["000104"], ["000105"], [101], ["1.34594E+11"], ["NOPE-1"]],
                    sheet="Scans")
    [out] = ledger.ingest(path, expect=0)
    assert (out["kind"], out["status"], out["batch"]) == ("lookups", "answered", None)
    assert out["counts"] == {"rows": 8, "asked": 8, "found": 5, "not_found": 2, "not_read": 1}
    assert Path(out["output"]).name == "which-units.answer.xlsx"
    assert "/archive/answered/" in out["archived"] and not path.exists()
    assert ledger.json("stock") == stock_before and ledger.json("lots") == lots_before

    answers = _sheet(out["output"], "Answers")
    got = [(a["Asked"], a["Item"], a["Status"]) for a in answers]
    assert got == [("000101", "CAM", "in stock"), ("000101", "MBP", "in stock"), ("000102", "MBP", "shipped"),
                   ("000103", "MBP", "returned to vendor"), ("000104", "MBP", "scrapped"),
                   ("000105", "MBP", "reversed"), ("101", None, "not in the ledger"), ("1.34594E+11", None, "not read"),
                   ("NOPE-1", None, "not in the ledger")]
    by = {(a["Asked"], a["Item"]): a for a in answers}
    shipped = by[("000102", "MBP")]
    assert (shipped["SO"], shipped["Customer"], shipped["PO"], shipped["Vendor"]) == ("500", "Contoso", "100", "Acme")
    assert shipped["Shipped"].date() == dt.date(2024, 2, 29) and shipped["Unit Cost"] == 900
    assert shipped["Warranty Until"].date() == dt.date(2025, 2, 28)  # 29 February + 12 months
    assert shipped["Vendor Warranty Until"].date() == dt.date(2026, 1, 31)  # 31 January + 24 months
    assert by[("000101", "MBP")]["Note"] == "held by 2 items"
    near = by[("101", None)]["Note"]
    assert "000101 (CAM), 000101 (MBP)" in near and "leading zeros" in near
    assert "Excel turned this serial into the number" in by[("1.34594E+11", None)]["Note"]
    assert (by[("NOPE-1", None)]["Sheet"], by[("NOPE-1", None)]["Row"]) == ("Scans", 9)

    history = _sheet(out["output"], "Serial History")
    shipped_history = [(h["Type"], h["Document"], h["Source File"]) for h in history
                       if h["Serial"] == "000102" and h["Item"] == "MBP"]
    assert shipped_history == [("receipt", "PO-100", "pl.xlsx"), ("shipment", "SO-500", "ship.xlsx")]
    assert {h["Type"] for h in history if h["Serial"] == "000105"} == {"receipt", "reversal"}


def test_lookup__a_sheet_naming_another_kinds_field_is_never_guessed_to_be_a_question(ledger, home: Path) -> None:
    """Serials and a quantity, no order: a shipping sheet that lost its SO column, not a question."""
    path = workbook(home / "inbox" / "half-a-shipment.xlsx", ["Serial", "Qty"], [["000101", 1]])
    [out] = ledger.ingest(path, expect=1)
    assert (out["kind"], out["status"]) == (None, "rejected")
    assert [e["code"] for e in out["errors"]] == ["kind-unknown"]


def test_lookup__an_item_column_narrows_the_answer(ledger, home: Path) -> None:
    path = workbook(home / "inbox" / "lookups" / "cams.xlsx", ["Item", "Serial"], [["CAM", "000101"], ["CAM", "000102"]])
    [out] = ledger.ingest(path, expect=0)
    answers = _sheet(out["output"], "Answers")
    assert [(a["Item"], a["Status"]) for a in answers] == [("CAM", "in stock"), ("CAM", "not in the ledger")]
    assert answers[1]["Note"] == "not on item CAM: held by item MBP"


def test_lookup__same_question_asked_again_is_answered_again(ledger, home: Path, tmp_path: Path) -> None:
    first = workbook(tmp_path / "q.xlsx", ["Serial"], [["000101"]])
    [a] = ledger.ingest(first, kind="lookups", expect=0)
    [b] = ledger.ingest(first, kind="lookups", expect=0)
    assert (a["status"], b["status"]) == ("answered", "answered") and a["output"] != b["output"]


def test_serial_json_gives_both_warranty_dates(ledger) -> None:  # type: ignore[no-untyped-def]
    shipped = ledger.json("serial", "000102", "--item", "MBP")
    assert (shipped["warranty_until"], shipped["vendor_warranty_until"]) == ("2025-02-28", "2026-01-31")
    in_stock = ledger.json("serial", "000101", "--item", "MBP")
    assert (in_stock["warranty_until"], in_stock["vendor_warranty_until"]) == (None, "2026-01-31")
    assert ledger.json("serial", "000101", "--item", "CAM")["vendor_warranty_until"] is None


@pytest.mark.parametrize(("start", "months", "until"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),   # a leap year's February
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
    (dt.date(2026, 4, 30), 1, dt.date(2026, 5, 30)),   # the same day, not the month's end
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),  # across a year end
    (dt.date(2026, 8, 31), 0, dt.date(2026, 8, 31)),
])
def test_warranty__months_land_on_the_same_day_or_the_shorter_months_end(start: dt.date, months: int,
                                                                        until: dt.date) -> None:
    assert add_months(start, months) == until
    assert warranty_until(start, months) == until
    assert warranty_state(until, until) == "in" and warranty_state(until, until + dt.timedelta(days=1)) == "out"
    assert warranty_until(start, None) is None and warranty_until(None, months) is None


def test_returns_answer_marks_each_unit_in_or_out_of_warranty(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """000101 ships on 2024-02-29 with 12 months' warranty (to 2025-02-28): back on 2025-02-28 it is in
    warranty; a CAM (no warranty) says so."""
    ledger.ingest(so_book(tmp_path / "so2.xlsx", [["501", "Fabrikam", "Main", "MBP", 1, 1500],
                                                  ["501", "Fabrikam", "Main", "CAM", 1, 90]]),
                  kind="sales_orders", expect=0)
    ledger.ingest(workbook(tmp_path / "ship2.xlsx", ["SO", "Item", "Serials", "Ship Date"],
                           [["501", "MBP", "000101", "2024-02-29"], ["501", "CAM", "000101", "2024-02-29"]]),
                  kind="shipping", expect=0)
    [out] = ledger.ingest(workbook(tmp_path / "ret2.xlsx", ["SO", "Item", "Serials", "Disposition", "Return Date"],
                                   [["501", "MBP", "000101", "restock", "2025-02-28"],
                                    ["501", "CAM", "000101", "restock", "2025-03-01"]]), kind="returns", expect=0)
    rows = {(r["Item"], r["Serial"]): r for r in _sheet(out["output"], "Returns")}
    mbp, cam = rows[("MBP", "000101")], rows[("CAM", "000101")]
    assert (mbp["Warranty Until"].date(), mbp["Warranty"]) == (dt.date(2025, 2, 28), "in warranty")
    assert (cam["Warranty Until"], cam["Warranty"]) == (None, "no warranty")


def _warranty_rows(cli, day: str) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    data = cli.json("reconcile", "--date", day)
    book = openpyxl.load_workbook(data["workbook"], read_only=True)
    try:
        rows = list(book["Warranties"].iter_rows(values_only=True))
    finally:
        book.close()
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Warranty")
    header = rows[at]
    keep = [header.index(h) for h in ("Warranty", "Customer or Vendor", "SO or PO", "Item", "Serial",
                                      "Warranty Until", "Days Left")]
    return [tuple(r[i].date() if isinstance(r[i], dt.datetime) else r[i] for i in keep)
            for r in rows[at + 1:] if r and r[0] in ("customer", "vendor")]


def test_reconciliation_warranties_sheet_lists_what_lapses_within_the_horizon(ledger, home: Path) -> None:  # type: ignore[no-untyped-def]
    # 000102 shipped 2024-02-29 to Contoso: its 12 months end 2025-02-28, 27 days after 2025-02-01
    assert _warranty_rows(ledger, "2025-02-01") == [
        ("customer", "Contoso", "500", "MBP", "000102", dt.date(2025, 2, 28), 27)]
    # 000101 in stock since 2024-01-31: its vendor's 24 months end 2026-01-31, 61 days after 2025-12-01
    assert _warranty_rows(ledger, "2025-12-01") == [
        ("vendor", "Acme", "100", "MBP", "000101", dt.date(2026, 1, 31), 61)]
    (home / "serialtrack.toml").write_text("[reconciliation]\nwarranty_horizon_days = 30\n", encoding="utf-8")
    assert _warranty_rows(ledger, "2025-12-01") == []

"""A serial's life through the CLI: received, shipped, returned, restocked, shipped again; reversals."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from support.books import workbook
from support.invariants import check_invariants

SHIP = ["SO #", "Item", "Qty", "Serials", "Carrier", "Tracking"]
RET = ["SO", "Item", "Serial", "Disposition", "Reason"]


def ship(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return workbook(tmp_path / name, SHIP, rows, sheet="Shipped")


def ret(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return workbook(tmp_path / name, RET, rows, sheet="Returns")


def serial(cli, s: str) -> dict:  # type: ignore[no-untyped-def]
    return cli.json("serial", s)


def test_lifecycle__receive_ship_return_restock_ship_again(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(ship(tmp_path, "s1.xlsx", [["S1", "CAM", 2, "C1, C2", "UPS", "1Z9"], ["S1", "CBL", 4, None, None, None]]))
    assert out["status"] == "posted" and out["kind"] == "shipping" and out["counts"]["units"] == 6
    assert serial(cli, "C1")["status"] == "shipped"
    wb = load_workbook(out["output"])
    assert wb.sheetnames == ["Summary", "Lines", "Serials"]
    assert [c.value for c in wb["Serials"][2]][:5] == ["C1", "CAM", "S1", "PO-1", 90]
    [back] = cli.ingest(ret(tmp_path, "r1.xlsx", [["S1", "CAM", "C1", "Restock", "DOA"], ["S1", "CAM", "C2", "scrap", None]]))
    assert back["status"] == "posted", back["errors"]
    c1, c2 = serial(cli, "C1"), serial(cli, "C2")
    assert (c1["status"], c1["office"], c1["bin"]) == ("in_stock", "Main", "RETURNS")
    assert c2["status"] == "scrapped" and c2["office"] is None
    check_invariants(db_url)
    [again] = cli.ingest(ship(tmp_path, "s2.xlsx", [["S1", "CAM", 1, "C1", None, None]]))
    assert again["status"] == "posted", again["errors"]
    history = [h["type"] for h in serial(cli, "C1")["history"]]
    assert history == ["receipt", "shipment", "return", "shipment"]
    lots = {lot["document"] + lot["item_code"]: lot for lot in cli.json("lots")}
    # shipped C1 and C2, C1 restocked (used again 1), C2 scrapped (stays used), C1 shipped again
    assert lots["PO-1CAM"]["qty_used"] == 2 and lots["PO-1CAM"]["qty_remaining"] == 2
    assert lots["PO-1CBL"]["qty_remaining"] == 6


def _errors(out: dict) -> set[tuple[str, str]]:
    return {(e["code"], e["cell"]) for e in out["errors"]}


def test_shipping__each_rule_rejects_whole_file_naming_the_cell(stocked, tmp_path: Path) -> None:
    cli = stocked
    cases = {
        "so-unknown": ([["S9", "CAM", 1, "C1", None, None]], ("so-unknown", "A2")),
        "so-line-missing": ([["S2", "CBL", 1, None, None, None]], ("so-line-missing", "B2")),
        "over-shipment": ([["S1", "CBL", 5, None, None, None]], ("over-shipment", "C2")),
        "serials-missing": ([["S1", "CAM", 1, None, None, None]], ("serials-missing", "C2")),
        "count-mismatch": ([["S1", "CAM", 2, "C1", None, None]], ("serial-count-mismatch", "D2")),
        "unknown-serial": ([["S1", "CAM", 1, "NOPE1", None, None]], ("serial-unknown", "D2")),
        "wrong-office": ([["S1", "CAM", 1, "X1", None, None]], ("serial-wrong-office", "D2")),
        "duplicate": ([["S1", "CAM", 1, "C1", None, None], ["S1", "CAM", 1, "C1", None, None]],
                      ("serial-duplicate-in-file", "D3")),
        "serials-on-plain": ([["S1", "CBL", 1, "Z1", None, None]], ("serials-on-non-serialized-item", "D2")),
    }
    for name, (rows, expected) in cases.items():
        good = [["S1", "CBL", 1, None, None, None]] if name not in ("over-shipment", "serials-on-plain") else []
        [out] = cli.ingest(ship(tmp_path, f"bad-{name}.xlsx", rows + good), expect=1)
        assert expected in _errors(out), (name, out["errors"])
        wb = load_workbook(out["output"])
        assert wb.sheetnames[0] == "Errors"
    stock = {(r["item_code"], r["office"], r["bin"]): r["on_hand"] for r in cli.json("stock")}
    assert stock == {("CAM", "Main", "RECEIVING"): 4, ("CAM", "Depot", "RECEIVING"): 1, ("CBL", "Main", "RECEIVING"): 10}


def test_shipping__serial_already_shipped_is_not_in_stock(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(ship(tmp_path, "a.xlsx", [["S1", "CAM", 1, "C3", None, None]]), expect=0)
    [out] = cli.ingest(ship(tmp_path, "b.xlsx", [["S1", "CAM", 1, "C3", "DHL", None]]), expect=1)
    [error] = out["errors"]
    assert error["code"] == "serial-not-in-stock" and "shipped on SO-S1" in error["message"]


def test_shipping__plain_item_beyond_stock_rejected(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "so3.xlsx", ["SO #", "Customer", "Office", "Item", "Qty"],
                        [["S3", "Bob", "Main", "CBL", 50]]), kind="sales_orders", expect=0)
    [out] = cli.ingest(ship(tmp_path, "big.xlsx", [["S3", "CBL", 11, None, None, None]]), expect=1)
    assert ("insufficient-stock", "C2") in _errors(out)


def test_returns__only_units_shipped_on_that_order(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(ship(tmp_path, "s.xlsx", [["S1", "CAM", 1, "C1", None, None]]), expect=0)
    [out] = cli.ingest(ret(tmp_path, "r.xlsx", [["S1", "CAM", "C2", "restock", None], ["S2", "CAM", "C1", "restock", None],
                                                ["S1", "CAM", "C3", "burn it", None]]), expect=1)
    assert {e["code"] for e in out["errors"]} == {"serial-not-shipped", "serial-not-shipped-on-order",
                                                   "disposition-unknown"}
    assert serial(cli, "C1")["status"] == "shipped"
    cli.ingest(ret(tmp_path, "ok.xlsx", [["S1", "CAM", "C1", "Return to vendor", "faulty"]]), expect=0)
    assert serial(cli, "C1")["status"] == "returned_to_vendor"
    [twice] = cli.ingest(ret(tmp_path, "twice.xlsx", [["S1", "CAM", "C1", "scrap", None]]), expect=1)
    assert "already returned" in twice["errors"][0]["message"]


def test_returns__a_blank_disposition_is_named_at_its_cell(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(ship(tmp_path, "s.xlsx", [["S1", "CAM", 1, "C1", None, None]]), expect=0)
    [out] = cli.ingest(ret(tmp_path, "r.xlsx", [["S1", "CAM", "C1", None, "faulty"]]), expect=1)
    assert [(e["code"], e["cell"], e["message"]) for e in out["errors"]] == [
        ("required-value-missing", "D2", "disposition empty on this row; write restock, scrap or return to vendor")]
    assert serial(cli, "C1")["status"] == "shipped"


def test_counts__stored_with_duplicate_scans_warned(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    book = workbook(tmp_path / "count.xlsx", ["Office", "Bin", "Item", "Serial"],
                    [["Main", "RECEIVING", "CAM", "C1"], ["Main", "RECEIVING", "CAM", "C1"], ["Main", "A-1", "CAM", "Q9"]])
    [out] = cli.ingest(book)
    assert out["kind"] == "counts" and out["status"] == "posted"
    assert [(w["code"], w["cell"]) for w in out["warnings"]] == [("count-duplicate-scan", "D3")]
    assert out["warnings"][0]["message"] == "serial C1 of item CAM was scanned again (first at D2); it is counted once"
    assert out["counts"]["units"] == 2
    [bad] = cli.ingest(workbook(tmp_path / "c2.xlsx", ["Office", "Item", "Serial"], [["Mars", "CAM", "C1"]]),
                       kind="counts", expect=1)
    assert _errors(bad) == {("office-unknown", "A2")}


def test_reverse__receipt_blocked_by_later_shipment_then_allowed(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [shipped] = cli.ingest(ship(tmp_path, "s.xlsx", [["S1", "CAM", 1, "C1", None, None]]), expect=0)
    receipt_batch = cli.json("serial", "C1")["history"][0]["batch"]
    refused = cli("reverse", str(receipt_batch), expect=1)
    assert "cannot be reversed" in refused.stderr and "C1" in refused.stderr and "shipment" in refused.stderr
    cli("reverse", str(shipped["batch"]), "--reason", "wrong pick")
    assert serial(cli, "C1")["status"] == "in_stock"
    check_invariants(db_url)
    result = cli.json("reverse", str(receipt_batch))
    assert result["kind"] == "receiving" and result["transactions"] == 5
    stock = {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}
    assert stock == {("CAM", "Depot"): 1}
    history = [h["type"] for h in serial(cli, "C1")["history"]]
    assert history == ["receipt", "shipment", "reversal", "reversal"]
    assert serial(cli, "C1")["status"] == "reversed"
    check_invariants(db_url)
    # the same packing list may now be received again, units reuse their rows
    [again] = cli.ingest(tmp_path / "pl1.xlsx", kind="receiving", expect=0)
    assert again["status"] == "posted" and serial(cli, "C4")["status"] == "in_stock"


def test_reverse__master_data_and_unknown_batches_refused(stocked) -> None:
    cli = stocked
    assert "master data" in cli("reverse", "1", expect=1).stderr
    assert "does not exist" in cli("reverse", "999", expect=1).stderr


def test_counts__file_serial_budget_refuses_before_expanding(stocked, tmp_path: Path, home: Path) -> None:
    cli = stocked
    (home / "serialtrack.toml").write_text("[limits]\nmax_serials_per_file = 1000\n", encoding="utf-8")
    book = workbook(tmp_path / "huge-count.xlsx", ["Office", "Item", "Serial"],
                    [["Main", "CAM", "Q000001...Q900000"], ["Main", "CAM", "C1"]])
    [out] = cli.ingest(book, kind="counts", expect=1)
    assert ("too-many-serials", "C2") in _errors(out)

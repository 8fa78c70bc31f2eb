"""Transfers through the CLI: serials and quantities move between offices and bins with their lots and cost;
each rule rejects the whole file naming the cell; a transfer is reversed, or refused when later activity
depends on it. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import create_engine, select
from support.books import workbook
from support.invariants import check_invariants
from transfer_support import transfer_book

from serialtrack.ledger import schema as t
from serialtrack.ledger.lookups import units_for

SHIP = ["SO #", "Item", "Qty", "Serials"]


def _place(cli: Any, serial: str) -> tuple[str, str | None, str | None]:
    found = cli.json("serial", serial)
    return found["status"], found["office"], found["bin"]


def _stock(cli: Any) -> dict[tuple[str, str, str | None], int]:
    return {(r["item_code"], r["office"], r["bin"]): r["on_hand"] for r in cli.json("stock")}


def _errors(out: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], e["cell"]) for e in out["errors"]}


def test_transfer__wrong_office_receipt_fixed_then_shipped_from_the_right_office(stocked, tmp_path: Path,
                                                                                 db_url: str) -> None:
    """C3 was received at Main but belonged to Depot: a transfer moves it, with its lot and cost, and it ships on
    a Depot sales order."""
    cli = stocked
    [before] = cli.ingest(workbook(tmp_path / "s0.xlsx", SHIP, [["S2", "CAM", 1, "C3"]]), kind="shipping", expect=1)
    assert ("serial-wrong-office", "D2") in _errors(before)
    [moved] = cli.ingest(transfer_book(tmp_path / "t1.xlsx", [["CAM", "Main", "Depot", 1, "C3", None, None, "TR-9"]]),
                         kind="transfers", expect=0)
    assert moved["status"] == "posted" and moved["counts"]["units"] == 1 and moved["counts"]["lots"] == 1
    assert _place(cli, "C3") == ("in_stock", "Depot", "RECEIVING")
    found = cli.json("serial", "C3")
    assert [(h["type"], h["document"]) for h in found["history"]] == [
        ("receipt", "PO-1"), ("transfer_out", "TR-9"), ("transfer_in", "TR-9")]
    assert found["lot"] == "PO-1"
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            [facts] = units_for(conn, ["C3"])["C3"]
    finally:
        engine.dispose()
    assert (facts.po_number, facts.vendor, facts.unit_cost) == ("1", "Acme", 90), "the PO through the origin lot"
    stock = _stock(cli)
    assert stock[("CAM", "Main", "RECEIVING")] == 3 and stock[("CAM", "Depot", "RECEIVING")] == 2
    lots = [lot for lot in cli.json("lots") if lot["item_code"] == "CAM" and lot["document"] == "PO-1"]
    assert [(lot["office"], lot["qty_received"], lot["qty_used"], lot["qty_remaining"], str(lot["unit_cost"]))
            for lot in lots] == [("Main", 4, 1, 3, "90.0000"), ("Depot", 1, 0, 1, "90.0000")]
    assert lots[1]["serials_remaining"] == ["C3"]
    book = load_workbook(moved["output"])
    assert book.sheetnames == ["Summary", "Transfers"]
    rows = list(book["Transfers"].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Serial"))
    assert rows[header + 1][:9] == ("C3", "CAM", 1, "Main", "RECEIVING", "Depot", "RECEIVING", "PO-1", 90)
    assert rows[header + 1][10:12] == ("TR-9", "Transfers")
    check_invariants(db_url)
    [shipped] = cli.ingest(workbook(tmp_path / "s1.xlsx", SHIP, [["S2", "CAM", 1, "C3"]]), kind="shipping", expect=0)
    assert shipped["status"] == "posted"
    assert _place(cli, "C3") == ("shipped", None, None)
    check_invariants(db_url)


def test_transfer__plain_quantity_first_in_first_out_to_a_named_bin(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", [["CBL", "Main", "Depot", 4, None, None, "SHELF", None]]),
                       kind="transfers", expect=0)
    assert out["status"] == "posted", out["errors"]
    stock = _stock(cli)
    assert stock[("CBL", "Main", "RECEIVING")] == 6 and stock[("CBL", "Depot", "SHELF")] == 4
    [lot] = [lot for lot in cli.json("lots") if lot["item_code"] == "CBL" and lot["office"] == "Depot"]
    assert (lot["document"], lot["qty_received"], str(lot["unit_cost"])) == ("PO-1", 4, "1.5000")
    [shipped] = cli.ingest(workbook(tmp_path / "s.xlsx", SHIP, [["S2", "CBL", 3, None]]), kind="shipping", expect=0)
    assert shipped["status"] == "posted", shipped["errors"]
    check_invariants(db_url)


def test_transfer__plain_quantity_from_a_named_bin_is_warned_the_bin_is_not_checked(stocked, tmp_path: Path) -> None:
    cli = stocked
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", [["CBL", "Main", "Depot", 2, None, "SHELF", None, None]]),
                       kind="transfers", expect=0)
    assert out["status"] == "posted"
    assert [(w["code"], w["cell"]) for w in out["warnings"]] == [("from-bin-not-used", "F2")]


def test_transfer__bin_move_inside_one_office(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    rows = [["CAM", "Main", "Main", 2, "C1, C2", "RECEIVING", "A-01", None]]
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", rows), kind="transfers", expect=0)
    assert out["status"] == "posted", out["errors"]
    assert _place(cli, "C1") == ("in_stock", "Main", "A-01")
    assert _stock(cli)[("CAM", "Main", "A-01")] == 2
    # a bin named in another case is the same bin
    back = [["CAM", "main", "MAIN", 1, "C2", "a-01", "receiving", None]]
    [again] = cli.ingest(transfer_book(tmp_path / "t2.xlsx", back), kind="transfers", expect=0)
    assert again["status"] == "posted", again["errors"]
    assert _place(cli, "C2") == ("in_stock", "Main", "RECEIVING")
    check_invariants(db_url)


def test_transfer__each_rule_rejects_the_file_naming_the_cell(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "s.xlsx", SHIP, [["S1", "CAM", 1, "C4"]]), kind="shipping", expect=0)
    cases: dict[str, tuple[list[list[Any]], tuple[str, str]]] = {
        "unknown-office": ([["CAM", "Main", "Nowhere", 1, "C1", None, None, None]], ("office-unknown", "C2")),
        "unknown-from": ([["CAM", "Nowhere", "Main", 1, "C1", None, None, None]], ("office-unknown", "B2")),
        "unknown-item": ([["NOPE", "Main", "Depot", 1, "C1", None, None, None]], ("item-unknown", "A2")),
        "same-place": ([["CAM", "Main", "main", 1, "C1", None, None, None]], ("transfer-same-place", "C2")),
        "same-bin": ([["CAM", "Main", "Main", 1, "C1", "RECEIVING", "receiving", None]],
                     ("transfer-same-place", "G2")),
        "already-there": ([["CAM", "Main", "Main", 1, "C1", None, "RECEIVING", None]], ("transfer-same-place", "E2")),
        "elsewhere": ([["CAM", "Main", "Depot", 1, "X1", None, None, None]], ("serial-wrong-office", "E2")),
        "other-bin": ([["CAM", "Main", "Depot", 1, "C1", "A-01", None, None]], ("serial-wrong-bin", "E2")),
        "shipped": ([["CAM", "Main", "Depot", 1, "C4", None, None, None]], ("serial-not-in-stock", "E2")),
        "unknown-serial": ([["CAM", "Main", "Depot", 1, "C9", None, None, None]], ("serial-unknown", "E2")),
        "count": ([["CAM", "Main", "Depot", 2, "C1", None, None, None]], ("serial-count-mismatch", "E2")),
        "no-serials": ([["CAM", "Main", "Depot", 1, None, None, None, None]], ("serials-missing", "D2")),
        "plain-serials": ([["CBL", "Main", "Depot", 1, "Z1", None, None, None]],
                          ("serials-on-non-serialized-item", "E2")),
        "too-many": ([["CBL", "Main", "Depot", 7, None, None, None, None],
                      ["CBL", "Main", "Depot", 4, None, None, None, None]], ("insufficient-stock", "D2")),
        "zero": ([["CBL", "Main", "Depot", 0, None, None, None, None]], ("qty-zero", "D2")),
        # a row that moves nothing beside rows of the same line is named too, not merged away in silence
        "zero-among": ([["CBL", "Main", "Depot", 2, None, None, None, None],
                        ["CBL", "Main", "Depot", 0, None, None, None, None]], ("qty-zero", "D3")),
        "empty-among": ([["CAM", "Main", "Depot", None, "C1", None, None, None],
                         ["CAM", "Main", "Depot", None, None, None, None, None]], ("qty-zero", "A3")),
        "twice": ([["CAM", "Main", "Depot", 1, "C1", None, None, None],
                   ["CAM", "Main", "East", 1, "C1", None, None, None]], ("serial-duplicate-in-file", "E3")),
        "no-to": ([["CAM", "Main", None, 1, "C1", None, None, None]], ("required-value-missing", "C2")),
        "no-from": ([["CAM", None, "Depot", 1, "C1", None, None, None]], ("required-value-missing", "B2")),
    }
    for name, (rows, expected) in cases.items():
        [out] = cli.ingest(transfer_book(tmp_path / f"bad-{name}.xlsx", rows), kind="transfers", expect=1)
        assert expected in _errors(out), (name, out["errors"])
    shipped = next(e for e in cli.ingest(transfer_book(tmp_path / "again.xlsx", cases["shipped"][0]),
                                         kind="transfers", expect=1)[0]["errors"])
    assert "was shipped on SO-S1" in shipped["message"]
    [elsewhere] = cli.ingest(transfer_book(tmp_path / "again2.xlsx", cases["elsewhere"][0]), kind="transfers",
                             expect=1)
    assert "serial X1 is at Depot, bin RECEIVING" in elsewhere["errors"][0]["message"]
    assert _place(cli, "C1") == ("in_stock", "Main", "RECEIVING")


def test_transfer__lost_leading_zeros_caught(cli, tmp_path: Path, db_url: str) -> None:
    from support.books import items_book, po_book
    cli.ingest(items_book(tmp_path / "items.xlsx", [["PH", "Phone", "Y", 10, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["7", "Acme", "Main", "PH", 2, 9], ["8", "Acme", "Depot", "PH", 1, 9]]),
               expect=0)
    cli.ingest(workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serial"], [["7", "PH", 2, "000101, 000102"]]),
               kind="receiving", expect=0)
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", [["PH", "Main", "Depot", 1, 101, None, None, None]]),
                       kind="transfers", expect=1)
    assert [e["cell"] for e in out["errors"]] == ["E2"]
    assert "zero" in out["errors"][0]["message"]
    check_invariants(db_url)


def test_transfer__detected_from_its_headers_in_the_inbox(stocked, home: Path) -> None:
    cli = stocked
    cli("init")
    book = transfer_book(home / "inbox" / "move.xlsx", [["CAM", "Main", "Depot", 1, "C2", None, None, None]])
    [out] = cli.ingest(book, expect=0)
    assert (out["kind"], out["status"]) == ("transfers", "posted")


def test_transfer__reversed_puts_units_and_quantities_back(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    rows = [["CAM", "Main", "Depot", 2, "C1, C2", None, "B-1", None], ["CBL", "Main", "Depot", 5, None, None, None, None]]
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", rows), kind="transfers", expect=0)
    check_invariants(db_url)
    undone = cli.json("reverse", str(out["batch"]), "--reason", "wrong office")
    assert (undone["kind"], undone["units"], undone["transactions"]) == ("transfers", 2, 6)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            units = dict(conn.execute(select(t.batches.c.id, t.batches.c.units).where(
                t.batches.c.id.in_([out["batch"], undone["reversal_batch"]]))).all())
    finally:
        engine.dispose()
    assert units == {out["batch"]: 7, undone["reversal_batch"]: 7}  # the reversal undoes what the batch moved
    assert _place(cli, "C1") == ("in_stock", "Main", "RECEIVING")
    stock = _stock(cli)
    assert stock[("CAM", "Main", "RECEIVING")] == 4 and stock[("CBL", "Main", "RECEIVING")] == 10
    assert not any(office == "Depot" and item == "CBL" for item, office, _ in stock)
    depot = [lot for lot in cli.json("lots") if lot["office"] == "Depot" and lot["document"] == "PO-1"]
    assert depot and all(lot["reversed"] and lot["qty_remaining"] == 0 for lot in depot)
    assert [h["type"] for h in cli.json("serial", "C1")["history"]][-2:] == ["reversal", "reversal"]
    check_invariants(db_url)
    # the same bytes move them again
    [again] = cli.ingest(transfer_book(tmp_path / "t.xlsx", rows), kind="transfers", expect=0)
    assert again["status"] == "posted"
    check_invariants(db_url)


def test_transfer__reversal_refused_once_a_moved_unit_shipped(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", [["CAM", "Main", "Depot", 1, "C3", None, None, None]]),
                       kind="transfers", expect=0)
    cli.ingest(workbook(tmp_path / "s.xlsx", SHIP, [["S2", "CAM", 1, "C3"]]), kind="shipping", expect=0)
    refused = cli("reverse", str(out["batch"]), expect=1)
    assert "cannot be reversed" in refused.stderr and "C3" in refused.stderr and "shipment" in refused.stderr
    check_invariants(db_url)


def test_transfer__reversal_refused_once_a_moved_quantity_shipped(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(transfer_book(tmp_path / "t.xlsx", [["CBL", "Main", "Depot", 4, None, None, None, None]]),
                       kind="transfers", expect=0)
    cli.ingest(workbook(tmp_path / "s.xlsx", SHIP, [["S2", "CBL", 3, None]]), kind="shipping", expect=0)
    refused = cli("reverse", str(out["batch"]), expect=1)
    assert "3 of item CBL (lot PO-1) moved to Depot" in refused.stderr
    check_invariants(db_url)


def test_transfer__a_counts_proposed_transfers_dropped_back_close_the_count(stocked, home: Path, tmp_path: Path,
                                                                            db_url: str) -> None:
    """X1 sits at Depot in the ledger but was counted at Main: the count's answer proposes the transfer; the
    answer dropped into inbox/transfers/ as it is posts that transfer (only its Proposed transfers sheet is a
    transfer table), and the same count again finds nothing to fix."""
    cli = stocked
    cli("init")
    rows = [["Main", "CAM", s] for s in ("C1", "C2", "C3", "C4", "X1")]
    [count] = cli.ingest(workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"], rows), kind="counts",
                         expect=0)
    assert count["counts"]["misplaced"] == 1
    answer = home / "inbox" / "transfers" / "count-answer.xlsx"
    answer.parent.mkdir(parents=True, exist_ok=True)
    answer.write_bytes(Path(count["output"]).read_bytes())
    [moved] = cli.ingest(answer, expect=0)
    assert (moved["kind"], moved["status"], moved["counts"]["units"]) == ("transfers", "posted", 1), moved["errors"]
    assert _place(cli, "X1") == ("in_stock", "Main", "RECEIVING")
    assert cli.json("serial", "X1")["history"][-1]["document"] == f"COUNT-{count['batch']}"
    [again] = cli.ingest(workbook(tmp_path / "count-2.xlsx", ["Office", "Item", "Serial"], rows, sheet="Recount"),
                         kind="counts", expect=0)
    assert again["status"] == "posted" and again["counts"]["differences"] == 0
    check_invariants(db_url)

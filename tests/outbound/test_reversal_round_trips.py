"""Reverse, then do the same thing again: for every kind ``reverse`` accepts (receiving, shipping, returns,
counts here; transfers, adjustments and vendor returns in their own folders, listed in ``ROUND_TRIPS``), a posted file is reversed and the same business event is dropped again; it must post, and the ledger
must read as if the reversed file had never posted. On SQLite and PostgreSQL (``stocked`` uses ``cli``).

``stocked`` (conftest): CAM C1..C4 and CBL x10 received at Main on PO 1 (pl1.xlsx), CAM X1 at Depot on PO 2;
SO S1 (Main) orders CAM 3 and CBL 4, SO S2 (Depot) CAM 1.
"""

from __future__ import annotations

from pathlib import Path

from support.books import workbook
from support.invariants import check_invariants

from serialtrack.kinds.registry import KINDS

SHIP = ["SO #", "Item", "Qty", "Serials"]
RET = ["SO", "Item", "Serial", "Disposition"]


def _statuses(cli) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """serial -> status, for the four CAM units received at Main."""
    return {s: cli.json("serial", s)["status"] for s in ("C1", "C2", "C3", "C4")}


def _on_hand(cli) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}


def test_round_trip__receiving_reversed_then_received_again(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    batch = cli.json("serial", "C1")["history"][0]["batch"]
    cli("reverse", str(batch), "--reason", "wrong PO")
    assert _on_hand(cli) == {("CAM", "Depot"): 1}
    reversed_lots = [lot for lot in cli.json("lots") if lot["document"] == "PO-1"]
    assert sorted(lot["item_code"] for lot in reversed_lots) == ["CAM", "CBL"]
    assert [lot["qty_remaining"] for lot in reversed_lots] == [0, 0]
    # the same bytes post again (a reversed file is not a duplicate), the full PO quantity is open again
    [again] = cli.ingest(tmp_path / "pl1.xlsx", kind="receiving", expect=0)
    assert again["status"] == "posted" and again["counts"]["units"] == 14
    assert _on_hand(cli) == {("CAM", "Main"): 4, ("CBL", "Main"): 10, ("CAM", "Depot"): 1}
    # and the PO is full again: one more unit is an over-receipt
    [over] = cli.ingest(workbook(tmp_path / "pl-more.xlsx", ["PO", "Item", "Qty", "Serial"], [["1", "CAM", 1, "C5"]]),
                        kind="receiving", expect=1)
    assert [(e["code"], e["cell"]) for e in over["errors"]] == [("over-receipt", "C2")]
    check_invariants(db_url)


def test_round_trip__shipping_reversed_then_the_same_units_ship_again(stocked, tmp_path: Path, db_url: str) -> None:
    """The whole open quantity ships, is reversed, and ships again: the reversal must give the sales order its
    open quantity back, or the second shipment is refused as an over-shipment."""
    cli = stocked
    book = workbook(tmp_path / "ship.xlsx", SHIP, [["S1", "CAM", 3, "C1, C2, C3"], ["S1", "CBL", 4, None]])
    [first] = cli.ingest(book, kind="shipping", expect=0)
    cli("reverse", str(first["batch"]), "--reason", "truck did not leave")
    assert _statuses(cli) == {"C1": "in_stock", "C2": "in_stock", "C3": "in_stock", "C4": "in_stock"}
    assert _on_hand(cli)[("CBL", "Main")] == 10
    check_invariants(db_url)
    [again] = cli.ingest(book, kind="shipping")
    assert again["status"] == "posted", again["errors"]
    assert again["counts"]["units"] == 7
    assert _statuses(cli) == {"C1": "shipped", "C2": "shipped", "C3": "shipped", "C4": "in_stock"}
    # other serials for the same full line, in a different file: the order is now full, so refused
    [over] = cli.ingest(workbook(tmp_path / "ship-more.xlsx", SHIP, [["S1", "CAM", 1, "C4"]]), kind="shipping",
                        expect=1)
    assert [(e["code"], e["cell"]) for e in over["errors"]] == [("over-shipment", "C2")]
    check_invariants(db_url)


def test_round_trip__shipping_reversed_then_other_units_fill_the_order(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [first] = cli.ingest(workbook(tmp_path / "ship.xlsx", SHIP, [["S1", "CAM", 3, "C1...C3"]]), kind="shipping",
                         expect=0)
    cli("reverse", str(first["batch"]))
    [again] = cli.ingest(workbook(tmp_path / "ship2.xlsx", SHIP, [["S1", "CAM", 3, "C2...C4"]]), kind="shipping")
    assert again["status"] == "posted", again["errors"]
    assert _statuses(cli) == {"C1": "in_stock", "C2": "shipped", "C3": "shipped", "C4": "shipped"}
    check_invariants(db_url)


def test_round_trip__return_reversed_then_returned_again(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "ship.xlsx", SHIP, [["S1", "CAM", 2, "C1, C2"]]), kind="shipping", expect=0)
    book = workbook(tmp_path / "ret.xlsx", RET, [["S1", "CAM", "C1", "restock"], ["S1", "CAM", "C2", "scrap"]])
    [first] = cli.ingest(book, kind="returns", expect=0)
    assert cli.json("serial", "C1")["status"] == "in_stock"
    cli("reverse", str(first["batch"]))
    assert (cli.json("serial", "C1")["status"], cli.json("serial", "C2")["status"]) == ("shipped", "shipped")
    check_invariants(db_url)
    [again] = cli.ingest(book, kind="returns")
    assert again["status"] == "posted", again["errors"]
    c1, c2 = cli.json("serial", "C1"), cli.json("serial", "C2")
    assert (c1["status"], c1["office"], c1["bin"]) == ("in_stock", "Main", "RETURNS")
    assert c2["status"] == "scrapped"
    lots = {lot["document"] + lot["item_code"]: lot for lot in cli.json("lots")}
    assert lots["PO-1CAM"]["qty_used"] == 1 and lots["PO-1CAM"]["qty_remaining"] == 3
    check_invariants(db_url)


def test_round_trip__count_reversed_then_counted_again(stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    book = workbook(tmp_path / "count.xlsx", ["Office", "Bin", "Item", "Serial"],
                    [["Main", "RECEIVING", "CAM", "C1"], ["Main", "RECEIVING", "CAM", "C2"]])
    [first] = cli.ingest(book, kind="counts", expect=0)
    [duplicate] = cli.ingest(book, kind="counts", expect=0)
    assert duplicate["status"] == "duplicate"
    result = cli.json("reverse", str(first["batch"]))
    assert result["kind"] == "counts"
    [again] = cli.ingest(book, kind="counts")
    assert again["status"] == "posted", again["errors"]
    assert again["counts"]["units"] == 2 and again["batch"] != first["batch"]
    assert _on_hand(cli) == {("CAM", "Main"): 4, ("CBL", "Main"): 10, ("CAM", "Depot"): 1}
    check_invariants(db_url)


#: Where each reversible kind's round trip (reverse, then the same business event again) is tested.
ROUND_TRIPS = {
    "receiving": "outbound/test_reversal_round_trips.py::test_round_trip__receiving_reversed_then_received_again",
    "shipping": "outbound/test_reversal_round_trips.py::test_round_trip__shipping_reversed_then_the_same_units_ship_again",
    "returns": "outbound/test_reversal_round_trips.py::test_round_trip__return_reversed_then_returned_again",
    "counts": "outbound/test_reversal_round_trips.py::test_round_trip__count_reversed_then_counted_again",
    "transfers": "transfers/test_transfers.py::test_transfer__reversed_puts_units_and_quantities_back",
    "adjustments": "moves/test_adjustments.py::test_adjustments__scrap_from_stock_then_reverse_and_scrap_again",
    "vendor_returns": "moves/test_vendor_returns.py::"
                      "test_vendor_return__doa_unit_back_and_replacement_received_on_the_same_po",
}


def test_round_trip__every_reversible_kind_has_one() -> None:
    """A new kind that ``reverse`` accepts fails here until its round trip is written and listed."""
    assert {name.value for name, kind in KINDS.items() if kind.reversal() is not None} == set(ROUND_TRIPS)
    tests = Path(__file__).resolve().parents[1]
    for where in ROUND_TRIPS.values():
        file, function = where.split("::")
        assert f"def {function}(" in (tests / file).read_text(encoding="utf-8"), where

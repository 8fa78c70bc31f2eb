"""``stock`` and ``lots`` as a clerk reads them: non-serialized stock in the bin the packing list put it in,
a filter naming nothing known is an error rather than an empty answer, and a reversed lot says so."""

from __future__ import annotations

from pathlib import Path

from support.books import items_book, po_book, so_book, workbook

PL = ["PO #", "Item", "Qty", "Serial No", "Bin"]
SHIP = ["SO #", "Item", "Qty", "Serials"]


def _stocked(cli, tmp_path: Path) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """Items CAT6-3M (plain) and CAM (serialized); PO 70001 at Main; packing list putting CAT6-3M in C-10."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAT6-3M", "Patch cable 3 m", "N", 2.10, None],
                                                    ["CAM", "IP camera", "Y", 118, None]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["70001", "Acme", "Main", "CAT6-3M", 80, 1.95],
                                              ["70001", "Acme", "Main", "CAM", 2, 112.5]]),
               kind="purchase_orders", expect=0)
    return cli.ingest(workbook(tmp_path / "pl-1.xlsx", PL, [["70001", "CAT6-3M", 50, None, "C-10"],
                                                           ["70001", "CAM", 2, "S1, S2", "A-01"]]),
                      kind="receiving", expect=0)


def test_stock__non_serialized_item_is_reported_in_its_bin(cli, tmp_path: Path) -> None:
    _stocked(cli, tmp_path)
    # a second packing list without a Bin column: the office's receiving bin
    cli.ingest(workbook(tmp_path / "pl-2.xlsx", ["PO #", "Item", "Qty"], [["70001", "CAT6-3M", 30]]),
               kind="receiving", expect=0)

    assert cli.json("stock", "--item", "CAT6-3M") == [
        {"item_code": "CAT6-3M", "office": "Main", "bin": "C-10", "on_hand": 50},
        {"item_code": "CAT6-3M", "office": "Main", "bin": "RECEIVING", "on_hand": 30}]
    text = cli("stock").stdout.splitlines()
    assert "CAT6-3M @ Main / C-10: 50" in text and "CAT6-3M @ Main / RECEIVING: 30" in text
    assert "CAM @ Main / A-01: 2" in text


def test_stock__shipping_a_plain_item_takes_from_the_oldest_lot_s_bin(cli, tmp_path: Path) -> None:
    _stocked(cli, tmp_path)
    cli.ingest(workbook(tmp_path / "pl-2.xlsx", PL, [["70001", "CAT6-3M", 30, None, "D-02"]]),
               kind="receiving", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["S1", "Ann", "Main", "CAT6-3M", 60, 4]]), kind="sales_orders",
               expect=0)
    cli.ingest(workbook(tmp_path / "ship.xlsx", SHIP, [["S1", "CAT6-3M", 55, None]]), kind="shipping", expect=0)

    assert cli.json("stock", "--item", "CAT6-3M") == [
        {"item_code": "CAT6-3M", "office": "Main", "bin": "D-02", "on_hand": 25}]


def test_stock__unknown_item_or_office_is_exit_1(cli, tmp_path: Path) -> None:
    _stocked(cli, tmp_path)
    result = cli("stock", "--item", "NOPE", expect=1)
    assert (result.stdout, result.stderr) == ("", "Error: unknown item NOPE\n")
    assert cli("stock", "--office", "Nowhere", "--json", expect=1).stderr == "Error: unknown office Nowhere\n"
    assert cli.json("stock", "--office", "MAIN", "--item", "CAM")[0]["serials"] == ["S1", "S2"]
    # an item known but not in stock is an empty answer, not an error
    cli.ingest(items_book(tmp_path / "more.xlsx", [["SPARE", "Spare part", "N", 1, None]]), kind="items", expect=0)
    assert cli("stock", "--item", "SPARE").stdout == "nothing in stock\n"


def test_lots__unknown_item_or_po_is_exit_1(cli, tmp_path: Path) -> None:
    _stocked(cli, tmp_path)
    assert cli("lots", "--item", "NOPE", expect=1).stderr == "Error: unknown item NOPE\n"
    assert cli("lots", "--po", "99999", expect=1).stderr == "Error: unknown purchase order 99999\n"
    assert [lot["item_code"] for lot in cli.json("lots", "--po", "70001")] == ["CAT6-3M", "CAM"]


def test_lots__a_reversed_lot_says_so_in_text_and_json(cli, tmp_path: Path) -> None:
    [posted] = _stocked(cli, tmp_path)
    reversal = cli.json("reverse", str(posted["batch"]))["reversal_batch"]

    lots = cli.json("lots")
    assert [(lot["item_code"], lot["reversed"], lot["reversed_batch_id"], lot["qty_remaining"]) for lot in lots] == [
        ("CAT6-3M", True, reversal, 0), ("CAM", True, reversal, 0)]
    lines = cli("lots").stdout.splitlines()
    assert lines[0].startswith(f"PO-70001 CAT6-3M @ Main received {lots[0]['received_date']} "
                               f"(REVERSED by batch {reversal}: holds nothing): ordered 80, received 50")

    # received again: the new lot stands, the reversed one still says it was reversed
    cli.ingest(workbook(tmp_path / "pl-again.xlsx", PL, [["70001", "CAT6-3M", 50, None, "C-10"]]),
               kind="receiving", expect=0)
    text = cli("lots", "--item", "CAT6-3M").stdout.splitlines()
    assert len(text) == 2 and "REVERSED" in text[0] and "REVERSED" not in text[1]
    assert [lot["reversed"] for lot in cli.json("lots", "--item", "CAT6-3M")] == [True, False]

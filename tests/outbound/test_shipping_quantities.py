"""Shipping quantities: a row that ships nothing is refused by its cell, and the file's other rows do not post."""

from __future__ import annotations

from pathlib import Path

from support.books import workbook


def test_shipping__zero_quantity_of_a_plain_item_rejected_whole_file(stocked, tmp_path: Path) -> None:
    cli = stocked
    book = workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty", "Serials"],
                    [["S1", "CAM", 1, "C1"], ["S1", "CBL", 0, None]])
    [out] = cli.ingest(book, kind="shipping", expect=1)
    assert out["status"] == "rejected"
    assert [(e["code"], e["cell"]) for e in out["errors"]] == [("qty-zero", "C3")]
    assert out["errors"][0]["message"] == "SO S1 line CBL ships nothing (quantity 0)"
    assert cli.json("serial", "C1")["status"] == "in_stock"
    on_hand = {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}
    assert on_hand[("CBL", "Main")] == 10

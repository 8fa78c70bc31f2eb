"""Count sheets: every row with an unknown office or item is named (one bad row does not hide the next), in
the clerk's words, and nothing is stored. Found by mutation testing (docs/testing.md)."""

from __future__ import annotations

from pathlib import Path

from support.books import workbook


def test_counts__each_unknown_office_and_item_named_by_cell(stocked, tmp_path: Path) -> None:
    cli = stocked
    book = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"],
                    [["Mars", "CAM", "C1"], ["Main", "NOPE", "C2"], ["Pluto", "CAM", "C3"], ["Main", "CAM", "C4"]])
    [out] = cli.ingest(book, kind="counts", expect=1)
    assert out["status"] == "rejected"
    assert [(e["code"], e["cell"]) for e in out["errors"]] == [
        ("office-unknown", "A2"), ("item-unknown", "B3"), ("office-unknown", "A4")]
    assert out["errors"][0]["message"] == ("office Mars is not in the ledger; check the name, or drop an offices "
                                           "file that creates it first")
    assert out["errors"][1]["message"] == "item NOPE is not in the item list"

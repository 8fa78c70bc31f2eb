"""A posted file whose receipt went missing (the run stopped between commit and report) gets it written again
from the ledger when the same bytes come back."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from support.books import items_book, po_book, workbook


def test_receipt__written_again_from_the_ledger_when_missing(cli, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "i.xlsx", [["CAM", "Camera", "Y", 10, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["7", "Acme", "Main", "CAM", 3, 9]]), expect=0)
    pl = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serial", "Bin"], [["7", "CAM", 3, "A1...A3", "B-9"]])
    [first] = cli.ingest(pl, kind="receiving", expect=0)
    Path(first["output"]).unlink()  # as if the run had stopped before writing it
    [again] = cli.ingest(pl, kind="receiving", expect=0)
    assert again["status"] == "duplicate" and again["batch"] == first["batch"]
    assert again["output"] and Path(again["output"]).exists()
    wb = load_workbook(again["output"])
    serials = [(r[0], r[2], r[3]) for r in wb["Serials"].iter_rows(min_row=2, values_only=True)]
    assert serials == [("A1", "PO-7", "B-9"), ("A2", "PO-7", "B-9"), ("A3", "PO-7", "B-9")]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Units received"] == 3 and "written again" in " ".join(str(v) for v in summary.values())

"""Shipping a plain (non-serialized) item takes units first in, first out: the oldest lot at the office is used
up before the next one is touched, and the answer names the lot each unit leaves from, at its cost."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from support.books import po_book, so_book, workbook
from support.invariants import check_invariants

SHIP = ["SO #", "Item", "Qty", "Serials"]


def _lots(cli) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """lot document -> (used, remaining), for CBL at Main."""
    return {lot["document"]: (lot["qty_used"], lot["qty_remaining"]) for lot in cli.json("lots")
            if lot["item_code"] == "CBL"}


def test_shipping_fifo__oldest_lot_first_then_the_next(stocked, tmp_path: Path, db_url: str) -> None:
    """CBL: lot PO-1 (10 at 1.50, received first) and lot PO-3 (10 at 2.50). 12 shipped take all of PO-1 and 2
    of PO-3; 3 more take 3 of PO-3 (PO-1 is empty)."""
    cli = stocked
    cli.ingest(po_book(tmp_path / "po3.xlsx", [["3", "Acme", "Main", "CBL", 10, 2.5]]), kind="purchase_orders", expect=0)
    cli.ingest(workbook(tmp_path / "pl3.xlsx", ["PO", "Item", "Qty"], [["3", "CBL", 10]]), kind="receiving", expect=0)
    cli.ingest(so_book(tmp_path / "so3.xlsx", [["S3", "Ann", "Main", "CBL", 15, 4]]), kind="sales_orders", expect=0)
    assert _lots(cli) == {"PO-1": (0, 10), "PO-3": (0, 10)}

    [first] = cli.ingest(workbook(tmp_path / "s1.xlsx", SHIP, [["S3", "CBL", 12, None]]), kind="shipping", expect=0)
    assert _lots(cli) == {"PO-1": (10, 0), "PO-3": (2, 8)}
    # one shipment transaction per lot the units left from (10 from PO-1, 2 from PO-3)
    book = load_workbook(first["output"], read_only=True)
    try:
        summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    assert (summary["Units shipped"], summary["Transactions created"]) == (12, 2)
    assert first["counts"]["transactions"] == 2

    [second] = cli.ingest(workbook(tmp_path / "s2.xlsx", SHIP, [["S3", "CBL", 3, None]]), kind="shipping", expect=0)
    assert second["status"] == "posted"
    assert _lots(cli) == {"PO-1": (10, 0), "PO-3": (5, 5)}
    assert second["counts"]["transactions"] == 1
    # a third shipment beyond what S3 still has open is refused, and no lot moves
    [over] = cli.ingest(workbook(tmp_path / "s3.xlsx", SHIP, [["S3", "CBL", 1, None]]), kind="shipping", expect=1)
    assert [(e["code"], e["cell"]) for e in over["errors"]] == [("over-shipment", "C2")]
    assert _lots(cli) == {"PO-1": (10, 0), "PO-3": (5, 5)}
    check_invariants(db_url)

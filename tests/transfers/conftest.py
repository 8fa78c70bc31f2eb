"""A home with items, offices, received stock and sales orders for the transfer tests; every test ends by
checking the ledger invariants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.books import items_book, po_book, so_book, workbook
from support.invariants import check_invariants


@pytest.fixture
def stocked(cli, tmp_path: Path, db_url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """CAM (serialized) C1..C4 and CBL (plain) 10 received at Main (PO 1); CAM X1 at Depot (PO 2).
    SO S1 (Main): CAM 3, CBL 4. SO S2 (Depot): CAM 2, CBL 3."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM", "Camera", "Y", 100, None], ["CBL", "Cable", "N", 2, None]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["1", "Acme", "Main", "CAM", 4, 90], ["1", "Acme", "Main", "CBL", 10, 1.5],
                                              ["2", "Acme", "Depot", "CAM", 1, 95]]), expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["S1", "Bob", "Main", "CAM", 3, 150], ["S1", "Bob", "Main", "CBL", 4, 3],
                                              ["S2", "Eve", "Depot", "CAM", 2, 150],
                                              ["S2", "Eve", "Depot", "CBL", 3, 3]]), expect=0)
    cli.ingest(workbook(tmp_path / "pl1.xlsx", ["PO", "Item", "Qty", "Serial"],
                        [["1", "CAM", 4, "C1...C4"], ["1", "CBL", 10, None]]), kind="receiving", expect=0)
    cli.ingest(workbook(tmp_path / "pl2.xlsx", ["PO", "Item", "Qty", "Serial"], [["2", "CAM", 1, "X1"]]),
               kind="receiving", expect=0)
    check_invariants(db_url)
    yield cli
    check_invariants(db_url)

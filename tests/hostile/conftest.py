"""Fixtures for tests/hostile: ``stocked``, a home (on each backend) holding the master data every hostile case
is checked against, driven through the CLI. Helpers live in ``hostile_support`` and ``hostile_books``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from support.books import items_book, po_book  # noqa: E402


@pytest.fixture
def stocked(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """CAM (serialized) and CBL (plain); PO 1 at Main orders 10 of each."""
    master = tmp_path / "master"
    cli.ingest(items_book(master / "items.xlsx", [["CAM", "Camera", "Y", 100, None],
                                                  ["CBL", "Cable", "N", 2, None]]), kind="items", expect=0)
    cli.ingest(po_book(master / "po.xlsx", [["1", "Acme", "Main", "CAM", 10, 90],
                                            ["1", "Acme", "Main", "CBL", 10, 1.5]]), expect=0)
    return cli

"""Fixtures for tests/watcher: ``watched_home`` (a home with one serialized item and one open PO, posted
through the CLI, and a watcher config with a short minimum age) and ``big_book`` (a 20,000-serial packing
list, built once). Helpers live in ``watcher_support`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from support.books import items_book, po_book  # noqa: E402
from watcher_support import BIG_SERIALS, ITEM, PO, receiving_xlsx, write_watcher_config  # noqa: E402


@pytest.fixture
def watched_home(home: Path, cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    cli("init")
    write_watcher_config(home)
    items = items_book(tmp_path / "items.xlsx", [(ITEM, "Camera", "Y", 10, None)])
    orders = po_book(tmp_path / "orders.xlsx", [(PO, "Acme", "Main", ITEM, 1_000_000, 10)])
    assert cli.ingest(items, kind="items")[0]["status"] == "posted"
    assert cli.ingest(orders, kind="purchase_orders")[0]["status"] == "posted"
    return home


@pytest.fixture(scope="session")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.xlsx"
    return receiving_xlsx(path, [f"BG{n:06d}" for n in range(BIG_SERIALS)])

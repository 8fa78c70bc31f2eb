"""Fixtures for tests/access: ``shop``, a home holding one serialized item and PO 100 (2 units), posted by the
operator before any ``[access]`` table exists. Helpers live in ``access_support`` beside this file.

These tests hand files to other users with ``os.chown`` (numeric ids need no real users), which takes root:
CI runs as root; elsewhere they are skipped, visibly."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from access_support import ITEM, PO  # noqa: E402
from support.books import items_book, po_book  # noqa: E402

if os.geteuid() != 0:
    pytest.skip("giving files to other users (os.chown) needs root, as in CI", allow_module_level=True)


@pytest.fixture
def shop(home: Path, cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    cli("init")
    items = items_book(tmp_path / "items.xlsx", [(ITEM, "Camera", "Y", 10, None)])
    orders = po_book(tmp_path / "orders.xlsx", [(PO, "Acme", "Main", ITEM, 2, 10)])
    assert cli.ingest(items, kind="items")[0]["status"] == "posted"
    assert cli.ingest(orders, kind="purchase_orders")[0]["status"] == "posted"
    return home

"""Fixtures for tests/receiving: ``master_home`` (built once per session) and ``st`` (a copy per test).

The helpers they use live in ``receiving_helpers`` (a uniquely named module beside this file).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from receiving_helpers import MASTER_ITEMS, MASTER_POS, Service, write_xlsx  # noqa: E402


@pytest.fixture(scope="session")
def master_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the standard items and purchase orders posted through the CLI (built once)."""
    root = tmp_path_factory.mktemp("master")
    service = Service(root / "home", CliRunner())
    service.run("init")
    items = write_xlsx(root / "items.xlsx", MASTER_ITEMS, sheet="Items")
    pos = write_xlsx(root / "purchase-orders.xlsx", MASTER_POS, sheet="POs")
    assert service.ingest_one(items, kind="items")["status"] == "posted"
    assert service.ingest_one(pos, kind="purchase_orders")["status"] == "posted"
    return service.home


@pytest.fixture
def st(master_home: Path, tmp_path: Path) -> Service:
    """A fresh copy of the master home for one test."""
    home = tmp_path / "home"
    shutil.copytree(master_home, home, ignore=shutil.ignore_patterns("archive", "outbox"))
    for folder in ("outbox", "archive/posted", "archive/rejected", "archive/duplicates"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return Service(home, CliRunner())

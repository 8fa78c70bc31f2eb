"""Fixtures for tests/receiving: ``master_home`` (built once per session) and ``st`` (a copy per test).

``st`` runs each test on both backends: on SQLite it copies the session's master home (the ledger file comes
with it); on PostgreSQL (``SERIALTRACK_TEST_POSTGRES_URL``; otherwise a visible skip) it gives the test its
own schema and posts the same master data into it through the CLI.

The helpers they use live in ``receiving_helpers`` (a uniquely named module beside this file).
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from support.backends import BACKENDS, PG_URL, pg_schema_url

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest's default import mode puts it there; other modes may not
    sys.path.insert(0, HERE)

from receiving_helpers import MASTER_ITEMS, MASTER_POS, Service, write_xlsx  # noqa: E402


def _post_master_data(root: Path) -> Service:
    """``init`` a home under ``root`` and post the standard items and purchase orders through the CLI."""
    service = Service(root / "home", CliRunner())
    service.run("init")
    items = write_xlsx(root / "items.xlsx", MASTER_ITEMS, sheet="Items")
    pos = write_xlsx(root / "purchase-orders.xlsx", MASTER_POS, sheet="POs")
    assert service.ingest_one(items, kind="items")["status"] == "posted"
    assert service.ingest_one(pos, kind="purchase_orders")["status"] == "posted"
    return service


def _fresh_outputs(home: Path) -> None:
    """Empty outbox and archive, as a test expects them (the master data's answers are not its own)."""
    for folder in ("outbox", "archive"):
        shutil.rmtree(home / folder, ignore_errors=True)
    for folder in ("outbox", "archive/posted", "archive/rejected", "archive/duplicates"):
        (home / folder).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def master_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite home with the standard items and purchase orders posted through the CLI (built once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SERIALTRACK_DATABASE_URL", raising=False)
        return _post_master_data(tmp_path_factory.mktemp("master")).home


@pytest.fixture(params=BACKENDS)
def st(request: pytest.FixtureRequest, master_home: Path, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """A fresh home holding the master data, for one test, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        monkeypatch.delenv("SERIALTRACK_DATABASE_URL", raising=False)
        home = tmp_path / "home"
        shutil.copytree(master_home, home, ignore=shutil.ignore_patterns("archive", "outbox"))
        _fresh_outputs(home)
        yield Service(home, CliRunner())
        return
    schema = f"r_{uuid.uuid4().hex[:12]}"
    assert PG_URL
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    monkeypatch.setenv("SERIALTRACK_DATABASE_URL", pg_schema_url(schema))
    try:
        service = _post_master_data(tmp_path)
        _fresh_outputs(service.home)
        yield service
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

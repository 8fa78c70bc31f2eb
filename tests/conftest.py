"""Shared fixtures: a database URL per backend (SQLite always; PostgreSQL when SERIALTRACK_TEST_POSTGRES_URL
is set, as .ci/run does), a fresh home wired to it, and a CLI runner.

Without the URL the PostgreSQL variants are still collected and reported as SKIPPED (marker ``postgres``), so
a run shows what it did not check. With ``SERIALTRACK_FAIL_ON_SKIP=1`` (set by ``.ci/run``) any skipped test
fails the run: CI must have PostgreSQL, LibreOffice and the real sheets.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from support.backends import BACKENDS, PG_URL, pg_schema_url

from serialtrack.service.cli import main

FAIL_ON_SKIP = os.environ.get("SERIALTRACK_FAIL_ON_SKIP") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test parametrized on a backend named ``postgresql`` carries the ``postgres`` marker."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in str(callspec.id).split("-"):
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With ``SERIALTRACK_FAIL_ON_SKIP=1`` a skip is a failure that says what was missing."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if FAIL_ON_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and SERIALTRACK_FAIL_ON_SKIP=1 forbids skips: {reason}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def home(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder whose ledger is ``db_url``."""
    root = tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("SERIALTRACK_DATABASE_URL", db_url)
    monkeypatch.delenv("SERIALTRACK_HOME", raising=False)
    return root


class Cli:
    """Runs ``serialtrack --home HOME ...`` in-process, as a user would from a shell."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0) -> Result:
        result = self.runner.invoke(main, ["--home", str(self.home), *args], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.output)
        return result

    def json(self, *args: str, expect: int | None = 0) -> Any:
        return json.loads(self(*args, "--json", expect=expect).stdout)

    def ingest(self, *files: Path | str, expect: int | None = None, **options: str) -> list[dict[str, Any]]:
        extra = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
        result = self("ingest", *map(str, files), *extra, "--json", expect=expect)
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)

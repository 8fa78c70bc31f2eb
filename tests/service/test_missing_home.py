"""The read-only commands on a folder that is no home (a mistyped ``--home``, or before ``init``): one
``Error:`` line, exit 2, and nothing created, neither folders nor a ledger. What counts as a home: its
``serialtrack.toml``, its ``inbox/`` or its SQLite ``serialtrack.db`` (README, "A home")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from serialtrack.service.cli import main

READ_ONLY = [["stock"], ["stock", "--json"], ["serial", "00042"], ["lots"], ["lots", "--json"], ["reconcile"],
             ["reverse", "1"]]


def _tables(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: "-".join(c))
def test_missing_home__mistyped_home_is_exit_2_and_creates_nothing(home: Path, db_url: str,
                                                                    command: list[str]) -> None:
    typo = home.parent / "hmoe"
    result = CliRunner().invoke(main, ["--home", str(typo), *command])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: no serialtrack home at {typo}: run `serialtrack init`\n"
    assert result.stdout == ""
    assert not typo.exists()
    if db_url.startswith("sqlite"):
        assert not Path(db_url.removeprefix("sqlite:///")).exists()
    else:
        assert _tables(db_url) == []  # not even migrated


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: "-".join(c))
def test_missing_home__empty_folder_before_init_is_refused(cli, home: Path, command: list[str]) -> None:
    result = cli(*command, expect=2)
    assert result.stderr == f"Error: no serialtrack home at {home}: run `serialtrack init`\n"
    assert list(home.iterdir()) == []


def test_missing_home__without_a_database_url_no_sqlite_ledger_appears(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERIALTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SERIALTRACK_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["stock"])  # the current folder, not a home
    assert result.exit_code == 2
    assert "no serialtrack home at" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("marker", ["serialtrack.toml", "inbox"])
def test_missing_home__a_config_or_an_inbox_makes_a_home(cli, home: Path, marker: str) -> None:
    """A home on PostgreSQL (``SERIALTRACK_DATABASE_URL``, or ``database.url`` in its config) has no
    ``serialtrack.db``: its config file or its inbox says it is a home."""
    if marker == "inbox":
        (home / "inbox").mkdir()
    else:
        (home / "serialtrack.toml").write_text("# the database comes from SERIALTRACK_DATABASE_URL\n")
    assert cli("stock").stdout == "nothing in stock\n"
    assert cli.json("lots") == []


def test_missing_home__the_sqlite_ledger_alone_makes_a_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERIALTRACK_DATABASE_URL", raising=False)
    root = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(root), "init"]).exit_code == 0
    for made in ("inbox", "outbox", "work", "archive", "templates", "serialtrack.toml"):
        path = root / made
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    assert {p.name for p in root.iterdir()} <= {"serialtrack.db", "serialtrack.db.migrate-lock"}
    result = runner.invoke(main, ["--home", str(root), "stock"])
    assert (result.exit_code, result.stdout) == (0, "nothing in stock\n")


@pytest.mark.parametrize("command", [["init"], ["demo"]])
def test_missing_home__commands_that_make_the_home_still_make_it(home: Path, command: list[str]) -> None:
    fresh = home.parent / "new-home"
    result = CliRunner().invoke(main, ["--home", str(fresh), *command])
    assert result.exit_code == 0, result.output
    assert (fresh / "inbox" / "receiving").is_dir() and (fresh / "serialtrack.toml").is_file()

"""The ``[access]`` table is validated on load (an unknown kind is a configuration error naming it), covers
every kind of the registry (so kinds added later are covered without edits), and the start warns when
``serialtrack.toml`` holds the database password where other users can read it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from serialtrack.kinds.registry import NAMES, kind_named
from serialtrack.service.config import ConfigError, exposed_password, load_settings
from serialtrack.service.context import open_context
from serialtrack.service.home import Home


def _write(home: Path, text: str) -> None:
    (home / "serialtrack.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command", [["ingest", "x.csv"], ["watch", "--once"], ["stock"]])
def test_config__unknown_kind_in_access_is_one_error_line_exit_2(home: Path, cli: Any, command: list[str],
                                                                 tmp_path: Path) -> None:
    (home / "x.csv").write_text("PO,Item\n1,A\n", encoding="utf-8")
    _write(home, '[access]\npurchase_order = { groups = ["purchasing"] }\n')
    args = [str(home / a) if a == "x.csv" else a for a in command]
    result = cli(*args, expect=2)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "unknown kind 'purchase_order'" in lines[0] and "purchase_orders" in lines[0]


@pytest.mark.parametrize("text, said", [
    ('[access]\nreceiving = { user = ["ana"] }\n', "receiving.user"),
    ('[access]\nreceiving = { users = [true] }\n', "neither a name nor a numeric id"),
    ('[access]\nreceiving = { groups = [""] }\n', "an empty name"),
    ('[access]\nreceiving = { users = [-1] }\n', "not a user or group id"),
])
def test_config__bad_access_entries_are_named(home: Path, text: str, said: str) -> None:
    _write(home, text)
    with pytest.raises(ConfigError, match=said):
        load_settings(home)


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_config__every_registered_kind_may_have_an_entry(home: Path, kind: str) -> None:
    _write(home, f'[access]\n{kind} = {{ users = ["ana", 1001], groups = ["warehouse"] }}\n')
    rule = load_settings(home).access[kind]
    assert rule.users == ("ana", "1001") and rule.groups == ("warehouse",)
    assert kind_named(kind).label  # a phrase for "may not post ..."


def test_config__labels_read_as_a_sentence() -> None:
    assert kind_named("purchase_orders").label == "purchase orders"
    assert kind_named("receiving").label == "receiving files"


PASSWORD_URL = '[database]\nurl = "postgresql+psycopg://serialtrack:s3cret@db.example/serialtrack"\n'


def test_config__password_in_a_world_readable_file_warns_at_start(home: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    _write(home, PASSWORD_URL)  # SERIALTRACK_DATABASE_URL (set by the fixture) is the one used
    (home / "serialtrack.toml").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="serialtrack.config"):
        open_context(Home(home)).close()
    [record] = [r for r in caplog.records if r.name == "serialtrack.config"]
    assert "holds the database password" in record.getMessage() and "0644" in record.getMessage()
    assert "SERIALTRACK_DATABASE_URL" in record.getMessage() and ".pgpass" in record.getMessage()


@pytest.mark.parametrize("text, mode", [(PASSWORD_URL, 0o640), (PASSWORD_URL, 0o600),
                                        ('[database]\nurl = "postgresql+psycopg://serialtrack@db/x"\n', 0o644),
                                        ("", 0o644)])
def test_config__no_warning_without_a_password_others_can_read(home: Path, text: str, mode: int) -> None:
    _write(home, text)
    (home / "serialtrack.toml").chmod(mode)
    assert exposed_password(home, load_settings(home)) is None

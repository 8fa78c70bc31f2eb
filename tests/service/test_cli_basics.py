"""The CLI's contract: help on every command, init idempotent, documented exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from serialtrack.service.cli import main

COMMANDS = main.list_commands(click.Context(main))  # loaded by name when run (cli.COMMANDS)


def test_cli__has_the_issue_commands() -> None:
    assert {"init", "ingest", "demo", "serial", "lots", "stock"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_cli__every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_init__idempotent_and_creates_the_home(cli, home: Path) -> None:
    first = cli("init").output
    assert "created" in first
    for folder in ("inbox/receiving", "inbox/shipping", "inbox/items", "inbox/purchase_orders", "outbox",
                   "archive/posted", "archive/rejected"):
        assert (home / folder).is_dir(), folder
    config = (home / "serialtrack.toml").read_text()
    assert "[vendors.acme]" in config and config.lstrip().startswith("#")
    (home / "serialtrack.toml").write_text(config + "\n# mine\n")
    second = cli("init").output
    assert "created" not in second
    assert (home / "serialtrack.toml").read_text().endswith("# mine\n")


def test_cli__bad_config_is_exit_2_with_one_line(cli, home: Path) -> None:
    (home / "serialtrack.toml").write_text("[receiving]\nover_receipt_tolerance_percent = -5\n")
    result = cli("stock", expect=2)
    assert result.stderr.startswith("Error: ") and "over_receipt_tolerance_percent" in result.stderr


def test_cli__unknown_option_is_exit_2(cli) -> None:
    assert cli("ingest", "--frobnicate", expect=2).exit_code == 2


def test_serial__unknown_exits_1(cli) -> None:
    cli("init")
    result = cli("serial", "NOPE-1", expect=1)
    assert result.stderr.strip() == "Error: serial NOPE-1 is not in the ledger"


def test_demo__runs_in_a_fresh_home_from_a_real_process(tmp_path: Path) -> None:
    home = tmp_path / "demo-home"
    proc = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "demo"],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    outputs = sorted(p.name for p in (home / "outbox").iterdir())
    assert "demo-packing-list-0425.posted.xlsx" in outputs
    assert "demo-packing-list-0426-with-mistakes.rejected.xlsx" in outputs
    again = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "demo"],
                           capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert again.returncode == 2 and again.stderr.startswith("Error: the demo already ran in ")
    assert len(again.stderr.splitlines()) == 1

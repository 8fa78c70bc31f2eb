"""The root command loads command modules by name: --help lists every command without importing them, and
what it lists is what the commands themselves say."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from serialtrack.service.cli import COMMANDS, load_command, main

HEAVY = ("sqlalchemy", "alembic", "openpyxl", "xlsxwriter", "python_calamine", "watchdog", "rich", "pydantic")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_lazy__listed_help_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert " ".join((command.help or "").split("\n\n")[0].split()) == COMMANDS[name][1]


def test_cli_lazy__help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].split()
    assert [word for word in listed if word in COMMANDS] == sorted(COMMANDS)


def test_cli_lazy__help_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom serialtrack.service.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
            "    pass\nprint('LOADED', sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))")
    result = subprocess.run([sys.executable, "-c", code, *HEAVY], capture_output=True, text=True, check=True)
    assert "Commands:" in result.stdout
    assert result.stdout.splitlines()[-1] == "LOADED []"

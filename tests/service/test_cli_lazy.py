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


#: What a command that only reads the ledger needs no part of: the workbook writers and readers, the file
#: watcher, the migrations (a ledger at the newest revision is opened without them) and the kinds.
NOT_FOR_READING = ("xlsxwriter", "openpyxl", "python_calamine", "watchdog", "alembic", "serialtrack.kinds",
                   "serialtrack.exporters.xlsx")


@pytest.mark.parametrize("args", [["serial", "SN-1"], ["stock"], ["lots"]])
def test_cli_lazy__a_ledger_query_imports_no_writer(tmp_path, args: list[str]) -> None:
    """``serial``, ``stock`` and ``lots`` start without importing a workbook writer or reader (each costs
    start-up time on every lookup); they still answer from a real, migrated ledger."""
    home = tmp_path / "home"
    subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "init"], capture_output=True,
                   check=True)
    code = ("import sys\nfrom serialtrack.service.cli import main\ntry:\n    main(sys.argv[2:])\n"
            "except SystemExit as exc:\n    print('EXIT', exc.code)\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[1].split(',')\n"
            "      or any(m == p or m.startswith(p + '.') for p in sys.argv[1].split(',') if '.' in p)))")
    result = subprocess.run([sys.executable, "-c", code, ",".join(NOT_FOR_READING), "--home", str(home), *args],
                            capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[-1] == "LOADED []", result.stdout
    # the command ran to its answer: an unknown serial exits 1 with its message, an empty ledger answers 0
    assert lines[-2] == ("EXIT 1" if args[0] == "serial" else "EXIT 0"), result.stdout + result.stderr

"""The command line: each command is a few lines over a library function that tests also call directly.

Exit codes: 0 success; 1 a file was rejected, or a looked-up thing does not exist; 2 usage or configuration
errors (printed as one ``Error: ...`` line).

This root command imports only click. Each command lives in a command module (``cli_ingest``, ``cli_demo``,
``cli_queries``, ``cli_reconcile``, ``cli_template``, ``cli_watch``) that is imported by name, from ``COMMANDS``,
when that command runs, so ``serialtrack --help`` does not load the database, spreadsheet and watcher libraries.
``COMMANDS`` is the one place such by-name imports are allowed; the
import-graph test counts them as edges (docs/architecture.md, "Lazy commands").
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import click

#: command -> (module defining it, as a function of that name; the first paragraph of its help, as --help lists
#: it without importing the module: tests/service/test_cli_lazy.py checks both against the commands themselves)
COMMANDS: Mapping[str, tuple[str, str]] = {
    "demo": ("serialtrack.service.cli_demo",
             "Build sample master data and packing lists in the home and run them through. Only in a new or empty "
             "home (no file in its ledger or inbox): exit 2 otherwise."),
    "ingest": ("serialtrack.service.cli_ingest",
               "Process FILES now, exactly as the watcher would. Exit 1 when any file was rejected."),
    "init": ("serialtrack.service.cli_ingest",
             "Create the home's folders, a commented serialtrack.toml, the database and a blank fill-in template per "
             "kind in templates/ (safe to run again: nothing that exists is touched)."),
    "lots": ("serialtrack.service.cli_queries",
             "Lots with ordered, received, used and remaining quantities and values, and the serials remaining; a lot "
             "whose receipt was reversed says so. Exit 1 when --item or --po names nothing the ledger knows."),
    "reconcile": ("serialtrack.service.cli_reconcile",
                  "Write outbox/reconciliation-<date>.xlsx (summary, open orders, lots, serials on hand, exceptions, "
                  "activity, valuation, COGS) and print its path. A rerun for the same date replaces it."),
    "reverse": ("serialtrack.service.cli_reverse",
                "Undo posted BATCH (receiving, shipping, returns, counts, transfers, adjustments or vendor returns) "
                "with compensating transactions."),
    "serial": ("serialtrack.service.cli_queries", "Where SERIAL is now and everything that happened to it."),
    "stock": ("serialtrack.service.cli_queries",
              "On-hand quantities per item, office and bin, with serials for serialized items. Exit 1 when --item "
              "or --office names nothing the ledger knows."),
    "template": ("serialtrack.service.cli_template",
                 "Write a fill-in workbook for KIND to outbox/ and print its path: the kind's columns (required ones "
                 "marked), Text-formatted serial and code columns, drop-down lists from the ledger, and with --po, "
                 "--so or --office the lines still expected. Fill it in and drop it into inbox/KIND/."),
    "watch": ("serialtrack.service.cli_watch",
              "Watch inbox/ and process each dropped file once it is complete; stop cleanly on SIGTERM or SIGINT "
              "(after the file in hand). Logs go to stderr."),
}
#: Where the home is resolved (by name too: it imports the configuration and the kinds).
HOME_MODULE = "serialtrack.service.home"


class LazyGroup(click.Group):
    """A group whose commands are imported from their modules when run, and listed in --help from
    ``COMMANDS`` without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)) for name in names
                if name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_command(name: str) -> click.Command:
    """The command ``name``, imported from its module in ``COMMANDS``."""
    module, _ = COMMANDS[name]
    command = getattr(importlib.import_module(module), name)
    if not isinstance(command, click.Command):
        raise TypeError(f"{module}.{name} is not a click command")
    return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Deployment folder (default: $SERIALTRACK_HOME, else the current folder).")
@click.option("-v", "--verbose", is_flag=True, help="Log each step to stderr.")
@click.version_option(package_name="serialtrack")
@click.pass_context
def main(click_ctx: click.Context, home: Path | None, verbose: bool) -> None:
    """serialtrack: drop packing lists and shipping sheets into inbox/, get posted lots and Excel answers
    in outbox/."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    resolve_home: Callable[[Path | None], object] = importlib.import_module(HOME_MODULE).resolve_home
    click_ctx.obj = resolve_home(home)

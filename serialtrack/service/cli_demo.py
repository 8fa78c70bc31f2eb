"""The ``demo`` command (loaded by name by the root command in ``cli``; it builds workbooks with openpyxl, which
``ingest`` does not need to import)."""

from __future__ import annotations

import json

import click

from serialtrack.service.cli_common import EXIT_USAGE, UserError, context_for
from serialtrack.service.cli_ingest import echo_outcome
from serialtrack.service.demo import DemoRefused, run_demo
from serialtrack.service.home import Home, init_home


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
@click.pass_obj
def demo(home: Home, as_json: bool) -> None:
    """Build sample master data and packing lists in the home and run them through. Only in a new or empty
    home (no file in its ledger or inbox): exit 2 otherwise."""
    init_home(home)
    with context_for(home) as ctx:
        try:
            outcomes = run_demo(ctx)
        except DemoRefused as exc:
            raise UserError(str(exc), EXIT_USAGE) from exc
    for outcome in outcomes:
        click.echo(json.dumps(outcome.as_json(), default=str)) if as_json else echo_outcome(outcome)
    if not as_json:
        click.echo(f"\nOpen the workbooks in {home.outbox} to see what a clerk gets back.")

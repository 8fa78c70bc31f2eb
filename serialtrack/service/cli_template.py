"""``serialtrack template``: a fill-in workbook for a kind, written to outbox/."""

from __future__ import annotations

import click

from serialtrack.kinds.registry import NAMES
from serialtrack.service.cli_common import EXIT_FAILED, UserError, context_for, print_json
from serialtrack.service.home import Home, init_home
from serialtrack.service.templates import TemplateRequestError, write_kind_template

HELP = ("Write a fill-in workbook for KIND to outbox/ and print its path: the kind's columns (required ones "
        "marked), Text-formatted serial and code columns, drop-down lists from the ledger, and with --po, --so or "
        "--office the lines still expected. Fill it in and drop it into inbox/KIND/.\n\nKIND is one of: "
        + ", ".join(sorted(k.value for k in NAMES)) + ".")


@click.command(help=HELP)
@click.argument("kind", type=click.Choice(sorted(k.value for k in NAMES)), metavar="KIND")
@click.option("--po", help="Receiving: one row per open line of this purchase order, with the quantity still "
                           "expected.")
@click.option("--so", help="Shipping: one row per open line of this sales order; returns: one row per item "
                           "still out on it.")
@click.option("--office", help="Counts: one row per item and bin in stock at this office.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"path\": ...} as JSON.")
@click.pass_obj
def template(home: Home, kind: str, po: str | None, so: str | None, office: str | None, as_json: bool) -> None:
    """The command over ``templates.write_kind_template`` (its help is ``HELP``)."""
    given = [(name, value) for name, value in (("po", po), ("so", so), ("office", office)) if value is not None]
    if len(given) > 1:
        raise click.UsageError("give one of --po, --so and --office")
    option, value = given[0] if given else (None, None)
    init_home(home)
    with context_for(home) as ctx:
        try:
            path, rows = write_kind_template(home, ctx.store.engine, kind, today=ctx.today, option=option,
                                             value=value)
        except TemplateRequestError as exc:
            if exc.usage:
                raise click.UsageError(str(exc)) from exc
            raise UserError(str(exc), EXIT_FAILED) from exc
    if as_json:
        print_json({"path": str(path), "kind": kind, "rows": rows})
    else:
        click.echo(str(path))

"""``serialtrack reverse BATCH``: its own module, since it needs every kind's undo (the registry), which the
query commands (``serial``, ``stock``, ``lots``) start without."""

from __future__ import annotations

import click

from serialtrack.kinds.registry import reversal_for
from serialtrack.ledger.reverse_store import ReverseRefused, reverse_batch
from serialtrack.records import plural
from serialtrack.service.access import current_user
from serialtrack.service.cli_common import EXIT_FAILED, UserError, context_for, print_json
from serialtrack.service.home import Home


@click.command()
@click.argument("batch", type=int)
@click.option("--reason", help="Why, kept on every compensating transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def reverse(home: Home, batch: int, reason: str | None, as_json: bool) -> None:
    """Undo posted BATCH (receiving, shipping, returns, counts, transfers, adjustments or vendor returns) with
    compensating transactions.

    Refused, with the reason, when later activity depends on it (a received serial that has since shipped).
    Exit 1 when refused.
    """
    with context_for(home) as ctx:
        try:
            result = reverse_batch(ctx.store, batch, reversal_for, reason=reason, run_by=current_user())
        except ReverseRefused as exc:
            raise UserError(str(exc), EXIT_FAILED) from exc
    if as_json:
        print_json({"batch": result.batch, "reversal_batch": result.reversal_batch, "kind": result.kind,
                    "transactions": result.transactions, "units": result.units, "run_by": result.run_by})
    else:
        click.echo(f"batch {result.batch} ({result.kind}) reversed by batch {result.reversal_batch}: "
                   f"{plural(result.transactions, 'compensating transaction')}, {plural(result.units, 'serial unit')}")

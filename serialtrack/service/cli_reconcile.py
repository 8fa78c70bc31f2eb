"""``serialtrack reconcile``: the accountants' reconciliation workbook, now, for a date."""

from __future__ import annotations

import datetime as dt

import click

from serialtrack.service.cli_common import EXIT_USAGE, UserError, context_for, print_json
from serialtrack.service.home import Home
from serialtrack.service.reconcile import PeriodError
from serialtrack.service.reconcile import reconcile as run


@click.command()
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Report date, YYYY-MM-DD (default: today): the day's activity and the end of the COGS period.")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day of the COGS period (default: the first of the report date's month).")
@click.option("--csv", "with_csv", is_flag=True,
              help="Also write the tables as CSV files in outbox/reconciliation-<date>/.")
@click.option("--json", "as_json", is_flag=True, help="Print the paths and sheet sizes as JSON.")
@click.pass_obj
def reconcile(home: Home, day: dt.datetime | None, start: dt.datetime | None, with_csv: bool,
              as_json: bool) -> None:
    """Write outbox/reconciliation-<date>.xlsx (summary, open orders, lots, serials on hand, exceptions,
    activity, valuation, COGS) and print its path. A rerun for the same date replaces it."""
    with context_for(home) as ctx:
        try:
            out = run(ctx, day.date() if day else None, start=start.date() if start else None, csv=with_csv)
        except PeriodError as exc:
            raise UserError(str(exc), EXIT_USAGE) from exc
    if as_json:
        print_json({"workbook": str(out.workbook), "csv": str(out.csv_folder) if out.csv_folder else None,
                    "sheets": [{"sheets": list(s.names), "tables": list(s.table_names), "rows": s.rows}
                               for s in out.sheets]})
        return
    click.echo(str(out.workbook))
    if out.csv_folder:
        click.echo(str(out.csv_folder))
    for result in out.split:
        click.echo(f"note: {result.names[0]} has {result.rows:,} rows, more than an Excel sheet holds; it "
                   f"continues on {', '.join(result.names[1:])}", err=True)

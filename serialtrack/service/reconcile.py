"""The reconciliation run: ``outbox/reconciliation-<date>.xlsx`` from one consistent read of the ledger.

``run_reconciliation(ctx, date)`` is what the CLI's ``reconcile`` and the watcher's nightly schedule call.
``date`` (default: today, local) picks the day's Activity, the file name, the age of stock and the end of the
COGS period, which by default is the month to date (``start`` overrides its first day). Balances (open
orders, lots, serials on hand, valuation, exceptions) are the ledger as it stands when the report runs.

A rerun for the same date replaces that date's workbook (atomically: a reader never sees half a file). With
``csv=True`` the same tables also go to ``outbox/reconciliation-<date>/``, one CSV per sheet
(``01-summary.csv``, ``02-open-pos.csv``, ...), replaced as a whole the same way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from serialtrack.exporters.reconciliation import ReconciliationOutput, write_reconciliation
from serialtrack.exporters.reconciliation_sheets import data_sheets
from serialtrack.ledger.reconcile_queries import Period, snapshot
from serialtrack.service.context import Context


class PeriodError(ValueError):
    """The COGS period would start after the report's date."""


def reconciliation_path(ctx: Context, day: dt.date) -> Path:
    return ctx.home.outbox / f"reconciliation-{day.isoformat()}.xlsx"


def reconcile(ctx: Context, day: dt.date | None = None, *, start: dt.date | None = None,
              csv: bool = False) -> ReconciliationOutput:
    """Write the reconciliation for ``day`` (and its CSV folder when ``csv``); returns where it went."""
    period = Period.month_to_date(day or ctx.today, start)
    if period.start > period.day:
        raise PeriodError(f"the period cannot start ({period.start.isoformat()}) after the report's date "
                          f"({period.day.isoformat()})")
    path = reconciliation_path(ctx, period.day)
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = ctx.clock().astimezone().replace(tzinfo=None)
    with snapshot(ctx.store.engine) as conn:
        sheets = data_sheets(conn, period,
                             warranty_horizon_days=ctx.settings.reconciliation.warranty_horizon_days)
        return write_reconciliation(path, period, sheets, generated=generated,
                                    csv_folder=path.with_suffix("") if csv else None)


def run_reconciliation(ctx: Context, date: dt.date | None = None) -> Path:
    """The nightly job: the workbook for ``date`` (default today); returns its path."""
    return reconcile(ctx, date).workbook

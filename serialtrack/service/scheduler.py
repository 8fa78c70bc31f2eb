"""The nightly reconciliation inside the watcher: a cron expression from the config
(``[reconciliation] schedule``, minute hour day month weekday, local time) read with croniter.

``Nightly.tick()`` is called from the watch loop; when an occurrence has come, it writes that day's
reconciliation once. Several watchers (one host or several on one PostgreSQL) share the outbox: the one that
finds no workbook for the day writes it, under a PostgreSQL advisory lock where there is one, so two hosts
never write it at the same moment. ``serialtrack reconcile`` runs the same job by hand (cron, systemd timers).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from croniter import croniter
from sqlalchemy import text

from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconciliation_path, run_reconciliation

log = logging.getLogger("serialtrack.scheduler")
_PG_RECONCILE_LOCK = 72_417_002


def parse_schedule(expression: str) -> str | None:
    """The cron expression (checked when the config is read), or None when the nightly run is off."""
    return expression.strip() or None


class Nightly:
    def __init__(self, ctx: Context, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.ctx = ctx
        self.clock = clock or (lambda: ctx.clock().astimezone())
        self.expression = parse_schedule(ctx.settings.reconciliation.schedule)
        self.next_at = self._next(self.clock()) if self.expression else None

    def _next(self, after: dt.datetime) -> dt.datetime:
        return croniter(self.expression, after).get_next(dt.datetime)

    def seconds_left(self) -> float | None:
        if self.next_at is None:
            return None
        return max((self.next_at - self.clock()).total_seconds(), 0.0)

    def tick(self) -> bool:
        """Run the reconciliation if its time has come; True when this call wrote it."""
        if self.next_at is None:
            return False
        now = self.clock()
        if now < self.next_at:
            return False
        day = self.next_at.date()
        self.next_at = self._next(now)
        return self._run_once(day)

    def _run_once(self, day: dt.date) -> bool:
        engine = self.ctx.store.engine
        postgres = engine.dialect.name == "postgresql"
        with engine.connect() as conn:
            if postgres and not conn.execute(text(f"SELECT pg_try_advisory_lock({_PG_RECONCILE_LOCK})")).scalar():
                log.info("reconciliation for %s: another watcher is writing it", day)
                return False
            try:
                if reconciliation_path(self.ctx, day).exists():
                    log.info("reconciliation for %s: already written", day)
                    return False
                path = run_reconciliation(self.ctx, day)
                log.info("reconciliation for %s written: %s", day, path)
                return True
            finally:
                if postgres:
                    conn.execute(text(f"SELECT pg_advisory_unlock({_PG_RECONCILE_LOCK})"))

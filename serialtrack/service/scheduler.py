"""The nightly reconciliation inside the watcher: a cron expression from the config
(``[reconciliation] schedule``, minute hour day month weekday, local time) read with croniter.

``Nightly.tick()`` is called from the watch loop; when an occurrence has come, it writes that day's
reconciliation, replacing a workbook that ``serialtrack reconcile`` wrote by hand earlier (the rest of the day
belongs in it). Several watchers (one host or several on one PostgreSQL) share the home: the first to claim
the occurrence writes it; the others skip it. An occurrence is claimed by creating
``work/reconciliation-<occurrence>.run`` with ``O_EXCL`` (atomic on one volume and on network shares), under
a PostgreSQL advisory lock where there is one; a hand run never creates one, so it never suppresses the
scheduled run. Claims older than ``KEEP_CLAIMS_DAYS`` are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from croniter import croniter
from sqlalchemy import text

from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconciliation_path, run_reconciliation

log = logging.getLogger("serialtrack.scheduler")
_PG_RECONCILE_LOCK = 72_417_002
KEEP_CLAIMS_DAYS = 40
CLAIM_PREFIX = "reconciliation-"
CLAIM_SUFFIX = ".run"


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
        occurrence = self.next_at
        self.next_at = self._next(now)
        return self._run_once(occurrence)

    def _claim(self, occurrence: dt.datetime) -> Path | None:
        """Create this occurrence's claim file; None when another watcher's run already made it."""
        work = self.ctx.home.work
        work.mkdir(parents=True, exist_ok=True)
        path = work / f"{CLAIM_PREFIX}{occurrence.strftime('%Y-%m-%dT%H-%M%z')}{CLAIM_SUFFIX}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return None
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{socket.gethostname()} {os.getpid()} {self.clock().isoformat()}\n")
        self._prune(work, path)
        return path

    @staticmethod
    def _prune(work: Path, keep: Path) -> None:
        cutoff = time.time() - KEEP_CLAIMS_DAYS * 86_400
        for old in work.glob(f"{CLAIM_PREFIX}*{CLAIM_SUFFIX}"):
            with contextlib.suppress(OSError):
                if old != keep and old.stat().st_mtime < cutoff:
                    old.unlink()

    def _run_once(self, occurrence: dt.datetime) -> bool:
        engine = self.ctx.store.engine
        day = occurrence.date()
        postgres = engine.dialect.name == "postgresql"
        with engine.connect() as conn:  # the claim file alone is enough; the lock keeps two hosts' writes apart
            if postgres and not conn.execute(text(f"SELECT pg_try_advisory_lock({_PG_RECONCILE_LOCK})")).scalar():
                log.info("reconciliation for %s: another watcher is writing it", day)
                return False
            try:
                claim = self._claim(occurrence)
                if claim is None:
                    log.info("reconciliation for %s: another watcher's run of %s wrote it", day, occurrence)
                    return False
                replaced = " (replacing an earlier run by hand)" if reconciliation_path(self.ctx, day).exists() else ""
                try:
                    path = run_reconciliation(self.ctx, day)
                except BaseException:
                    claim.unlink(missing_ok=True)  # nothing was written: a watcher not yet past it may write it
                    raise
                log.info("reconciliation for %s written: %s%s", day, path, replaced)
                return True
            finally:
                if postgres:
                    conn.execute(text(f"SELECT pg_advisory_unlock({_PG_RECONCILE_LOCK})"))

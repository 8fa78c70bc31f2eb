"""The watcher service: it decides when a dropped file is ready, claims it, and hands it to
``pipeline.process_file``, which does all the work exactly as ``ingest`` does.

When a file is ready is decided in ``readiness``; claiming and crash recovery live in ``claims``. A full scan
runs every ``poll_seconds``; file-system events (watchdog) only wake the loop early, since network shares
send none. Failure, rejection, duplicate and archive handling are the pipeline's alone: an internal error is
answered by ``pipeline.fail_file`` (``archive/failed`` and an answer in ``outbox/``), as under ``ingest``; a
database that is away is waited for, never blamed on the file. SIGTERM and SIGINT stop the loop after the file in hand.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from serialtrack.kinds.registry import NAMES
from serialtrack.records import plural
from serialtrack.service.claims import ClaimArea, Claimed, Locks, LostOwnership, open_locks
from serialtrack.service.context import Context
from serialtrack.service.pipeline import TRANSIENT, Outcome, fail_file, file_sha256, process_file
from serialtrack.service.readiness import Readiness, Seen, scan_inbox, signature_of
from serialtrack.service.scheduler import Nightly

log = logging.getLogger("serialtrack.watcher")

ADOPT_EVERY_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 60.0

class WatcherError(Exception):
    """The watcher cannot run on this home (reported as a usage error)."""


class _Hint(FileSystemEventHandler):
    """A file-system event only wakes the loop; the scan decides."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not event.is_directory and event.event_type in ("created", "modified", "moved", "closed"):
            self.wake.set()


def start_observer(inbox: Path, wake: threading.Event) -> Any:
    try:
        observer = Observer()
        observer.schedule(_Hint(wake), str(inbox), recursive=True)
        observer.start()
    except Exception as exc:  # noqa: BLE001 (inotify limits, unsupported file system: scan only)
        log.warning("no file-system events for %s (%s); relying on the periodic scan", inbox, exc)
        return None
    return observer


def _reason(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


class Watcher:
    """The loop: adopt dead watchers' leftovers, retry what waits, scan, claim and process ready files."""

    def __init__(self, ctx: Context, *, poll: float | None = None, once: bool = False,
                 locks: Locks | None = None) -> None:
        settings = ctx.settings.watcher
        self.ctx, self.once = ctx, once
        self.poll = poll or settings.poll_seconds
        self.gap = min(self.poll, 0.1)  # the least time between two scans
        self.lock_max_age = settings.lock_max_age_seconds
        self.readiness = Readiness(settings.min_age_seconds, settings.unfinished_line_seconds)
        self.locks = locks or open_locks(ctx.store.engine, ctx.home.work)
        self.claims = ClaimArea(ctx.home, self.locks)
        self.pending: list[Claimed] = []  # claimed files to (re)try: leftovers, database outages
        self.retry_at = 0.0
        self.backoff = 0.0
        self.failed = False  # a file was rejected: the exit code of --once
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.signal_name: str | None = None
        self.nightly = None if once else Nightly(ctx)

    def run(self) -> int:
        """Run until stopped (or, with ``once``, until the inbox holds nothing that may become ready)."""
        self._check_volume()
        self.claims.open()
        observer = None if self.once else start_observer(self.ctx.home.inbox, self.wake)
        restore = self._install_signals()
        log.info("watching %s as %s (full scan every %gs)", self.ctx.home.inbox, self.claims.owner, self.poll)
        try:
            self._loop()
        finally:
            restore()
            if observer is not None:
                # watchdog logs a harmless error when its inotify thread races its own stop
                logging.getLogger("watchdog.observers.inotify").setLevel(logging.CRITICAL)
                observer.stop()
                observer.join(5)
            try:
                self.claims.close()
            except Exception as exc:  # noqa: BLE001 (a leftover folder is adopted at the next start)
                log.warning("could not tidy work/%s (%s)", self.claims.owner, _reason(exc))
            self.locks.close()
        log.info("stopped%s", f" ({self.signal_name})" if self.signal_name else "")
        return 1 if self.failed else 0

    def _check_volume(self) -> None:
        home = self.ctx.home
        home.work.mkdir(parents=True, exist_ok=True)
        device = home.work.stat().st_dev
        for folder in [home.inbox, *(home.inbox / kind for kind in NAMES)]:
            if folder.is_dir() and folder.stat().st_dev != device:
                raise WatcherError(f"{folder} is not on the volume of {home.work}: the watcher claims a file by "
                                   "renaming it into work/, so both must live on one volume")

    def _install_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def on_signal(signum: int, _frame: Any) -> None:
            self.signal_name = signal.Signals(signum).name
            self.stop.set()
            self.wake.set()
            for sig, handler in previous.items():  # a second signal acts at once
                signal.signal(sig, handler)

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        for sig in previous:
            signal.signal(sig, on_signal)
        return restore

    def _loop(self) -> None:
        next_adoption = 0.0
        while not self.stop.is_set():
            try:
                self.locks.check()
                if time.monotonic() >= next_adoption:
                    self.pending.extend(self.claims.adopt_orphans())
                    next_adoption = time.monotonic() + ADOPT_EVERY_SECONDS
                self._retry_pending()
                seen = scan_inbox(self.ctx.home.inbox, self.lock_max_age)
                for item in self.readiness.update(seen, time.monotonic()):
                    if self.stop.is_set():
                        break
                    self._take(item)
            except LostOwnership as exc:
                log.error("lost the lock on work/%s (the database went away); carrying on as a new owner", exc)
                self.pending = []
                self.claims.reopen()
            except Exception as exc:  # noqa: BLE001 (the service keeps going; the cause is logged)
                self.backoff = min(MAX_BACKOFF_SECONDS, max(self.poll, self.backoff * 2))
                log.error("the watch loop failed (%s); trying again in %.0fs", _reason(exc), self.backoff,
                          exc_info=not isinstance(exc, TRANSIENT))
                self.stop.wait(self.backoff)
                continue
            if self.once and self._once_done():
                return
            self._tick_nightly()
            self._sleep()

    def _tick_nightly(self) -> None:
        if self.nightly is None or self.stop.is_set():
            return
        try:
            self.nightly.tick()
        except Exception as exc:  # noqa: BLE001 (a failed report never stops the service; it is logged)
            log.error("the nightly reconciliation failed (%s)", _reason(exc), exc_info=True)

    def _once_done(self) -> bool:
        if self.pending or self.readiness.waiting():
            return False
        for path in self.readiness.locked():
            log.info("%s: open in Excel or LibreOffice (a fresh lock file is beside it); left in the inbox",
                     path.name)
        return True

    def _sleep(self) -> None:
        now = time.monotonic()
        timeout = self.poll
        due = self.readiness.next_due(now)
        if due is not None:
            timeout = min(timeout, max(due, self.gap))
        if self.pending:
            timeout = min(timeout, max(self.retry_at - now, self.gap))
        left = self.nightly.seconds_left() if self.nightly is not None else None
        if left is not None:
            timeout = min(timeout, max(left, self.gap))
        if self.wake.wait(timeout) and not self.stop.is_set():
            self.stop.wait(self.gap)  # let a burst of events settle into one scan
        self.wake.clear()

    def _retry_pending(self) -> None:
        if not self.pending or time.monotonic() < self.retry_at:
            return
        pending, self.pending = self.pending, []
        for index, claimed in enumerate(pending):
            if self.stop.is_set():
                self.pending.extend(pending[index:])
                return
            self._handle(claimed)

    def _take(self, item: Seen) -> None:
        """Claim a ready file, unless it changed since the scan (size, mtime, owner or group: it is then not
        ready, and waits again), then process it."""
        try:
            stat = item.path.stat()
        except FileNotFoundError:
            return
        if signature_of(stat) != item.signature:
            return
        try:
            claimed = self.claims.claim(item.path, item.kind)
        except OSError as exc:
            self.readiness.block(item.path)
            log.error("%s: cannot claim it (%s); it stays in the inbox until it changes", item.path.name, exc)
            return
        self.readiness.forget(item.path)
        if claimed is not None:  # else another watcher was faster
            self._handle(claimed)

    def _handle(self, claimed: Claimed) -> None:
        """Process one claimed file; whatever happens, the loop goes on."""
        started = time.monotonic()
        if not claimed.path.exists():
            log.warning("%s: no longer in %s; nothing to do", claimed.name, claimed.path.parent)
            return
        try:
            sha = file_sha256(claimed.path)
            if not self.locks.hold_content(sha):
                log.info("%s: another watcher is processing the same bytes; waiting", claimed.name)
                self._defer(claimed, self.poll)
                return
            try:
                outcome = process_file(self.ctx, claimed.path, kind=claimed.kind, display_name=claimed.name,
                                       move=True, recovered=claimed.recovered, reraise_transient=True)
            finally:
                self.locks.release_content(sha)
            if outcome.retry:  # it changed while it was read: a copy still under way into the claimed file
                self._defer(claimed, max(self.poll, self.readiness.unfinished_line))
                return
        except TRANSIENT as exc:
            self.backoff = min(MAX_BACKOFF_SECONDS, max(self.poll, self.backoff * 2))
            log.error("%s: the database is not available (%s); %s", claimed.name, _reason(exc),
                      "left in work/ for the next run" if self.once else f"trying again in {self.backoff:.0f}s")
            if self.once:
                self.failed = True
            else:
                self._defer(replace(claimed, recovered=True), self.backoff)
            return
        except Exception as exc:  # noqa: BLE001 (a defect outside the pipeline: answered by the pipeline's path)
            outcome = fail_file(self.ctx, claimed.path, claimed.name, claimed.kind, exc, move=True)
        self.backoff = 0.0
        outcome.seconds = time.monotonic() - started
        self._log_outcome(outcome)

    def _defer(self, claimed: Claimed, delay: float) -> None:
        self.pending.append(claimed)
        self.retry_at = time.monotonic() + delay

    def _log_outcome(self, outcome: Outcome) -> None:
        """One line per file, for a person and (``extra``) for the JSON log."""
        self.failed = self.failed or not outcome.ok
        fields = {"file": outcome.file, "kind": outcome.kind, "status": outcome.status, "batch": outcome.batch,
                  "rows": outcome.counts.get("rows", 0), "units": outcome.counts.get("units", 0),
                  "errors": len(outcome.errors), "seconds": round(outcome.seconds, 3), "output": outcome.output,
                  "dropped_by": outcome.dropped_by.as_json() if outcome.dropped_by else None}
        batch = f" batch {outcome.batch}" if outcome.batch else ""
        causes = f": {outcome.top_errors()}" if outcome.errors else ""
        if outcome.errors:
            fields["top_errors"] = outcome.top_errors()
        log.log(logging.INFO if outcome.ok else logging.WARNING,
                "%s: %s [%s]%s, %s, %s, %s%s, %.2fs", outcome.file, outcome.status,
                outcome.kind or "unknown kind", batch, plural(outcome.counts.get("rows", 0), "row"),
                plural(outcome.counts.get("units", 0), "unit"), plural(len(outcome.errors), "error"), causes,
                outcome.seconds, extra={"fields": fields})


def run_watcher(ctx: Context, *, poll: float | None = None, once: bool = False) -> int:
    """The ``watch`` command: 0 when every file posted or was a duplicate, 1 when any was rejected."""
    return Watcher(ctx, poll=poll, once=once).run()

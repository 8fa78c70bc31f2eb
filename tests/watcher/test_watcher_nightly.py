"""The nightly reconciliation the watcher runs from the configured cron schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from serialtrack.service.context import open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.scheduler import Nightly


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _ctx(home: Path, schedule: str):  # type: ignore[no-untyped-def]
    init_home(Home(home))
    (home / "serialtrack.toml").write_text(f'[reconciliation]\nschedule = "{schedule}"\n')
    return open_context(Home(home))


def test_nightly__runs_once_when_due_and_not_again(home: Path) -> None:
    ctx = _ctx(home, "0 2 * * *")
    local = dt.datetime(2026, 11, 25, 1, 59).astimezone()
    clock = Clock(local)
    nightly = Nightly(ctx, clock=clock)
    assert not nightly.tick()
    assert 55 <= (nightly.seconds_left() or 0) <= 61
    clock.now = local + dt.timedelta(minutes=1, seconds=30)
    assert nightly.tick()
    assert (home / "outbox" / "reconciliation-2026-11-25.xlsx").exists()
    assert not nightly.tick(), "one run per occurrence"
    other = Nightly(ctx, clock=Clock(local))  # a second watcher sharing the outbox
    other.clock = clock  # type: ignore[method-assign]
    assert not other.tick(), "the day's workbook is already there"
    assert nightly.next_at is not None and nightly.next_at.date() == dt.date(2026, 11, 26)
    ctx.close()


def test_nightly__empty_schedule_turns_it_off(home: Path) -> None:
    ctx = _ctx(home, "")
    nightly = Nightly(ctx)
    assert nightly.next_at is None and nightly.seconds_left() is None and not nightly.tick()
    ctx.close()


def test_nightly__bad_cron_is_a_config_error(cli, home: Path) -> None:
    (home / "serialtrack.toml").write_text('[reconciliation]\nschedule = "every night"\n')
    result = cli("watch", "--once", expect=2)
    assert result.stderr.startswith("Error: ") and "not a cron expression" in result.stderr


def test_nightly__a_hand_run_reconcile_does_not_suppress_the_scheduled_run(home: Path) -> None:
    """Issue 13, defect 9: ``reconcile`` run by hand in the afternoon writes the day's workbook; the scheduled
    run that night writes it again (the rest of the day's activity belongs in it). A second watcher's
    Nightly for the same occurrence then skips it."""
    from serialtrack.service.reconcile import run_reconciliation

    ctx = _ctx(home, "30 23 * * *")
    evening = dt.datetime(2026, 11, 25, 23, 29).astimezone()
    clock = Clock(evening)
    nightly = Nightly(ctx, clock=clock)
    other = Nightly(ctx, clock=clock)
    path = run_reconciliation(ctx, dt.date(2026, 11, 25))  # the hand run
    by_hand = path.stat()
    clock.now = evening + dt.timedelta(minutes=2)
    assert nightly.tick(), "the scheduled run writes the day's workbook over the hand-run one"
    scheduled = path.stat()
    assert (scheduled.st_ino, scheduled.st_mtime_ns) != (by_hand.st_ino, by_hand.st_mtime_ns)
    assert not other.tick(), "another watcher's run of the same occurrence is not repeated"
    assert path.stat().st_ino == scheduled.st_ino
    assert [p.name for p in (home / "outbox").iterdir()] == ["reconciliation-2026-11-25.xlsx"]
    ctx.close()

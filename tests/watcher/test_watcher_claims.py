"""Claims, in-process: one claim per file, a living watcher's folder is left alone, a dead one's files are
adopted; and the watcher's per-file trap turns a defect into a failed file and a rejected report."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from watcher_support import files_under, receiving_csv, wait_for

from serialtrack.ledger.db import open_engine
from serialtrack.service import watcher as watcher_module
from serialtrack.service.claims import ClaimArea, FileLocks, LostOwnership, PostgresLocks
from serialtrack.service.context import open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.watcher import Watcher


@pytest.fixture
def plain_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    init_home(home)
    return home


def test_claim__two_watchers_race_for_one_file_and_one_wins(plain_home: Home) -> None:
    first, second = (ClaimArea(plain_home, FileLocks(plain_home.work)) for _ in range(2))
    first.open()
    second.open()
    dropped = plain_home.inbox / "receiving" / "PL-1.xlsx"
    dropped.write_bytes(b"bytes")
    won = first.claim(dropped, "receiving")
    assert second.claim(dropped, "receiving") is None
    assert won is not None and won.name == "PL-1.xlsx" and won.kind == "receiving"
    assert won.path == first.folder / "receiving" / "PL-1.xlsx" and won.path.read_bytes() == b"bytes"


def test_claim__a_name_still_in_the_folder_is_never_overwritten(plain_home: Home) -> None:
    area = ClaimArea(plain_home, FileLocks(plain_home.work))
    area.open()
    paths = []
    for content in (b"one", b"two"):
        (plain_home.inbox / "PL.csv").write_bytes(content)
        claimed = area.claim(plain_home.inbox / "PL.csv", None)
        assert claimed is not None
        paths.append(claimed.path)
    assert paths[0] != paths[1] and [p.read_bytes() for p in paths] == [b"one", b"two"]
    assert {p.name for p in paths} == {"PL.csv"}


def test_adopt__a_living_watchers_files_are_left_a_dead_ones_are_taken(plain_home: Home) -> None:
    alive, dead, heir = (ClaimArea(plain_home, FileLocks(plain_home.work)) for _ in range(3))
    for area in (alive, dead, heir):
        area.open()
    for area, name in ((alive, "A.xlsx"), (dead, "D.xlsx")):
        (plain_home.inbox / "receiving" / name).write_bytes(name.encode())
        assert area.claim(plain_home.inbox / "receiving" / name, "receiving")
    dead.locks.close()  # the process died: the kernel dropped its flock
    adopted = heir.adopt_orphans()
    assert [(c.name, c.kind, c.recovered) for c in adopted] == [("D.xlsx", "receiving", True)]
    assert adopted[0].path.parent == heir.folder / "receiving"
    assert not dead.folder.exists() and (alive.folder / "receiving" / "A.xlsx").exists()
    assert heir.adopt_orphans() == []


def test_watch__an_internal_error_sets_the_file_aside_and_the_loop_goes_on(
        watched_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    inbox = watched_home / "inbox" / "receiving"
    receiving_csv(inbox / "pl-boom.csv", ["IE0001"])
    receiving_csv(inbox / "pl-fine.csv", ["IE0002"])
    real = watcher_module.process_file

    def explode_on_boom(ctx, path, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("display_name") == "pl-boom.csv":
            raise RuntimeError("a defect")
        return real(ctx, path, **kwargs)

    monkeypatch.setattr(watcher_module, "process_file", explode_on_boom)
    ctx = open_context(Home(watched_home))
    try:
        with caplog.at_level(logging.INFO, logger="serialtrack.watcher"):
            code = Watcher(ctx, poll=0.05, once=True).run()
    finally:
        ctx.close()
    assert code == 1
    assert [p.name for p in files_under(watched_home / "archive" / "failed")] == ["pl-boom.csv"]
    assert "pl-fine.csv" in [p.name for p in files_under(watched_home / "archive" / "posted")]
    report = load_workbook(watched_home / "outbox" / "pl-boom.rejected.xlsx", read_only=True)
    cells = " ".join(str(c) for ws in report.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    assert "internal error" in cells and "internal-error" in cells
    boom = [r for r in caplog.records if r.getMessage().startswith("pl-boom.csv: internal error")]
    assert boom and boom[0].exc_info is not None  # logged with its traceback
    assert not files_under(watched_home / "inbox") and not [
        p for p in files_under(watched_home / "work") if p.suffix != ".lock"]



def test_watch__a_database_outage_is_never_blamed_on_the_file(watched_home: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    receiving_csv(watched_home / "inbox" / "receiving" / "pl-wait.csv", ["DB0001"])
    real = watcher_module.process_file

    def database_away(ctx, path, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    def run_once() -> int:
        ctx = open_context(Home(watched_home))
        try:
            return Watcher(ctx, poll=0.05, once=True).run()
        finally:
            ctx.close()

    monkeypatch.setattr(watcher_module, "process_file", database_away)
    assert run_once() == 1
    assert [p.name for p in files_under(watched_home / "work") if p.suffix != ".lock"] == ["pl-wait.csv"]
    assert not files_under(watched_home / "archive" / "failed")
    assert not (watched_home / "outbox" / "pl-wait.rejected.xlsx").exists()
    monkeypatch.setattr(watcher_module, "process_file", real)
    assert run_once() == 0  # the next run adopts the leftover and posts it
    assert "pl-wait.csv" in [p.name for p in files_under(watched_home / "archive" / "posted")]
    assert not [p for p in files_under(watched_home / "work") if p.suffix != ".lock"]

needs_postgres = pytest.mark.skipif(not os.environ.get("SERIALTRACK_TEST_POSTGRES_URL"),
                                    reason="needs SERIALTRACK_TEST_POSTGRES_URL")


@needs_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_locks__one_holder_per_owner_and_per_content(db_url: str) -> None:
    engine = open_engine(db_url)
    first, second = PostgresLocks(engine), PostgresLocks(engine)
    try:
        assert first.hold("w-a") and not second.hold("w-a")
        assert first.hold_content("ab" * 32) and not second.hold_content("ab" * 32)
        first.release_content("ab" * 32)
        assert second.hold_content("ab" * 32)
        first.close()  # the session ends (the server notices a moment later): everything it held is free
        wait_for(lambda: second.hold("w-a"), "the closed session's lock to be freed")
    finally:
        first.close()
        second.close()
        engine.dispose()


@needs_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_locks__a_lost_session_is_reconnected_and_the_folder_lock_taken_again(db_url: str) -> None:
    engine = open_engine(db_url)
    locks, rival = PostgresLocks(engine), PostgresLocks(engine)

    def lose_the_session() -> None:
        pid = locks._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()

    try:
        assert locks.hold("w-a")
        lose_the_session()
        with pytest.raises(OperationalError):
            locks.hold_content("cd" * 32)
        assert locks.hold_content("cd" * 32)  # a new session, which does not hold w-a yet
        locks.check()  # ... until the loop's check takes it again
        assert not rival.hold("w-a")
        lose_the_session()
        wait_for(lambda: rival.hold("w-a"), "the lost session's lock to be freed")  # another watcher got in
        with pytest.raises(LostOwnership):
            locks.check()
    finally:
        locks.close()
        rival.close()
        engine.dispose()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user (os.chown) needs root, as in CI")
def test_watch__an_owner_change_between_scan_and_claim_is_not_ready(watched_home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner is who dropped the file: one that changes after the scan that found the file ready is treated
    like a size change (it waits for two more scans and its minimum age), and the owner recorded is the one of
    the file as claimed."""
    path = receiving_csv(watched_home / "inbox" / "receiving" / "pl-owner.csv", ["OW0001"])
    ctx = open_context(Home(watched_home))
    watcher = Watcher(ctx, poll=0.05, once=True)
    updates: list[int] = []
    claims: list[int] = []
    real_update, real_claim = watcher.readiness.update, watcher.claims.claim

    def update(seen, now):  # type: ignore[no-untyped-def]
        ready = real_update(seen, now)
        updates.append(len(ready))
        if ready and updates.count(1) == 1:
            os.chown(path, 4201, 4200)  # handed to someone else between the scan and the claim
        return ready

    def claim(source, kind):  # type: ignore[no-untyped-def]
        claims.append(len(updates))
        return real_claim(source, kind)

    monkeypatch.setattr(watcher.readiness, "update", update)
    monkeypatch.setattr(watcher.claims, "claim", claim)
    try:
        assert watcher.run() == 0
        with ctx.store.engine.connect() as conn:
            owner = conn.execute(text("SELECT dropped_by_user, dropped_by_group FROM batches "
                                      "WHERE file_name = 'pl-owner.csv'")).one()
    finally:
        ctx.close()
    changed_at = updates.index(1) + 1
    assert claims and claims[0] >= changed_at + 2, (updates, claims)  # not claimed at the scan it changed
    assert tuple(owner) == ("4201", "4200")

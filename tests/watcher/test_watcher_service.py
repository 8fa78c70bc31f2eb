"""The watcher as a real process: files are read only once complete and unlocked, every dropped file is
processed exactly once, a backlog is processed at start, ``--once`` exits like ``ingest``, and SIGTERM
finishes the file in hand. Readiness and claiming do not depend on the database, so these run on SQLite;
the PostgreSQL paths are covered by test_watcher_crash and test_watcher_two_watchers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from watcher_support import (
    WatcherProcess,
    batches,
    files_under,
    receiving_csv,
    receiving_xlsx,
    wait_for,
    watch_command,
    work_files,
    write_watcher_config,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _drop(source: Path, target: Path) -> Path:
    """Drop a file the way a finished copy appears: written beside the inbox, then renamed in."""
    staging = target.parent.parent.parent / "staging"
    staging.mkdir(exist_ok=True)
    shutil.copyfile(source, staging / target.name)
    os.rename(staging / target.name, target)
    return target


def _archived(home: Path, status: str) -> list[str]:
    return [p.name for p in files_under(home / "archive" / status)]


def test_watch__slow_chunked_copy_processed_once_when_complete(watched_home: Path, tmp_path: Path) -> None:
    write_watcher_config(watched_home, min_age_seconds=2.0)
    data = receiving_xlsx(tmp_path / "pl-slow.xlsx", [f"SL{n:04d}" for n in range(50)]).read_bytes()
    target = watched_home / "inbox" / "receiving" / "pl-slow.xlsx"
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        watcher.wait_started()
        step = len(data) // 6 + 1
        with open(target, "wb") as out:
            for start in range(0, len(data), step):  # several scans see it grow
                out.write(data[start:start + step])
                out.flush()
                time.sleep(0.35)
        complete_at = time.time()
        outcome = watcher.wait_outcome("pl-slow.xlsx")
        assert dt.datetime.fromisoformat(outcome["ts"]).timestamp() >= complete_at
    assert outcome["status"] == "posted" and outcome["units"] == 50
    assert len(watcher.outcomes("pl-slow.xlsx")) == 1
    assert [b for b in batches(watched_home) if b[0] == "pl-slow.xlsx"] == [("pl-slow.xlsx", "posted")]
    assert "pl-slow.xlsx" in _archived(watched_home, "posted")


def test_watch__excel_style_save_waits_for_the_lock_then_posts_once(watched_home: Path, tmp_path: Path) -> None:
    folder = watched_home / "inbox" / "receiving"
    data = receiving_xlsx(tmp_path / "book.xlsx", ["EX0001", "EX0002"]).read_bytes()
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        watcher.wait_started()
        owner_lock = folder / "~$pl-excel.xlsx"
        owner_lock.write_bytes(b"clerk")  # Excel has the workbook open
        (folder / "5A3F0C21").write_bytes(data)  # Excel saves to a temp file ...
        os.replace(folder / "5A3F0C21", folder / "pl-excel.xlsx")  # ... and renames it over the name
        # A later drop goes through: the locked file, older, would have gone first had it not waited.
        _drop(receiving_xlsx(tmp_path / "pl-after.xlsx", ["EX0003"]), folder / "pl-after.xlsx")
        assert watcher.wait_outcome("pl-after.xlsx")["status"] == "posted"
        assert (folder / "pl-excel.xlsx").exists() and not watcher.outcomes("pl-excel.xlsx")
        owner_lock.unlink()  # Excel closes
        outcome = watcher.wait_outcome("pl-excel.xlsx")
    assert outcome["status"] == "posted" and outcome["units"] == 2
    assert len(watcher.outcomes("pl-excel.xlsx")) == 1 and not watcher.outcomes("5A3F0C21")
    assert sorted(b[0] for b in batches(watched_home) if b[0].startswith(("pl-", "5A"))) == [
        "pl-after.xlsx", "pl-excel.xlsx"]


def test_watch__lock_and_temp_files_are_never_read(watched_home: Path, tmp_path: Path) -> None:
    write_watcher_config(watched_home, lock_max_age_seconds=60)
    inbox = watched_home / "inbox"
    data = receiving_xlsx(tmp_path / "book.xlsx", ["LK0001"]).read_bytes()
    ignored = [inbox / "receiving" / name for name in
               ("~$pl-a.xlsx", ".~lock.pl-a.xlsx#", "pl-a.tmp", "ABCDEF12", ".hidden.xlsx", "~WRL0001.tmp")]
    ignored.append(inbox / ".hidden-top.xlsx")
    for path in ignored:
        path.write_bytes(data)
    stale = inbox / "receiving" / ".~lock.pl-stale.xlsx#"  # LibreOffice crashed long ago
    stale.write_text("clerk,host,1;")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    receiving_xlsx(inbox / "receiving" / "pl-stale.xlsx", ["LK0002"])
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        watcher.wait_started()
        assert watcher.wait_outcome("pl-stale.xlsx")["status"] == "posted"
        _drop(receiving_xlsx(tmp_path / "pl-b.xlsx", ["LK0003"]), inbox / "receiving" / "pl-b.xlsx")
        assert watcher.wait_outcome("pl-b.xlsx")["status"] == "posted"
    assert all(path.read_bytes() == data for path in ignored)
    assert stale.exists()
    assert {o["file"] for o in watcher.outcomes()} == {"pl-stale.xlsx", "pl-b.xlsx"}
    assert not [line for line in watcher.lines() if line.get("level") in ("error", "raw")]


def test_watch__two_hundred_files_dropped_at_once_all_processed(watched_home: Path, tmp_path: Path) -> None:
    staging = watched_home / "staging"
    names = [f"pl-{n:03d}.csv" for n in range(200)]
    for n, name in enumerate(names):
        receiving_csv(staging / name, [f"HN{n:05d}"])
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        watcher.wait_started()
        for name in names:
            os.rename(staging / name, watched_home / "inbox" / "receiving" / name)
        wait_for(lambda: len(watcher.outcomes()) >= 200, "200 outcomes", timeout=120, log=watcher)
    assert watcher.proc.returncode == 0
    assert sorted(o["file"] for o in watcher.outcomes()) == names
    assert {o["status"] for o in watcher.outcomes()} == {"posted"}
    assert sorted(b[0] for b in batches(watched_home) if b[0].startswith("pl-")) == names
    assert sorted(n for n in _archived(watched_home, "posted") if n.startswith("pl-")) == names
    assert not files_under(watched_home / "inbox") and not work_files(watched_home)


def test_watch__backlog_dropped_while_down_is_processed_at_start(watched_home: Path, tmp_path: Path) -> None:
    inbox = watched_home / "inbox"
    receiving_xlsx(inbox / "receiving" / "pl-early.xlsx", ["BL0001", "BL0002"])
    receiving_csv(inbox / "pl-plain.csv", ["BL0003"])  # straight in inbox/: the kind is detected
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        early = watcher.wait_outcome("pl-early.xlsx")
        plain = watcher.wait_outcome("pl-plain.csv")
    assert (early["status"], early["kind"], early["units"]) == ("posted", "receiving", 2)
    assert (plain["status"], plain["kind"], plain["units"]) == ("posted", "receiving", 1)
    assert not files_under(inbox) and not work_files(watched_home)


def test_watch_once__exits_0_when_all_posted_and_1_when_any_rejected(watched_home: Path) -> None:
    inbox = watched_home / "inbox" / "receiving"
    receiving_csv(inbox / "pl-good.csv", ["ON0001"])
    run = subprocess.run(watch_command(watched_home, "--once"), capture_output=True, text=True, timeout=60,
                         env=dict(os.environ))
    assert run.returncode == 0, run.stderr
    assert "pl-good.csv" in _archived(watched_home, "posted")
    receiving_csv(inbox / "pl-again.csv", ["ON0002"])
    with open(inbox / "pl-bad.csv", "w") as handle:
        handle.write("PO,Item,Qty,Serials\n999,CAM-1,1,ON0003\n")  # no such purchase order
    run = subprocess.run(watch_command(watched_home, "--once"), capture_output=True, text=True, timeout=60,
                         env=dict(os.environ))
    assert run.returncode == 1, run.stderr
    assert "pl-again.csv" in _archived(watched_home, "posted")
    assert "pl-bad.csv" in _archived(watched_home, "rejected")
    assert (watched_home / "outbox" / "pl-bad.rejected.xlsx").exists()
    assert not files_under(watched_home / "inbox") and not work_files(watched_home)


def test_watch__sigterm_finishes_the_file_in_hand(watched_home: Path, tmp_path: Path, big_book: Path) -> None:
    with WatcherProcess(watched_home, tmp_path / "watch.log") as watcher:
        watcher.wait_started()
        _drop(big_book, watched_home / "inbox" / "receiving" / "big.xlsx")
        wait_for(lambda: work_files(watched_home), "the watcher to claim big.xlsx", log=watcher)
        code = watcher.stop(timeout=90)
    assert code == 0, watcher.text()
    outcome = watcher.outcomes("big.xlsx")
    assert [o["status"] for o in outcome] == ["posted"] and outcome[0]["units"] == 20_000
    assert "big.xlsx" in _archived(watched_home, "posted") and not work_files(watched_home)
    assert watcher.lines()[-1]["message"] == "stopped (SIGTERM)"

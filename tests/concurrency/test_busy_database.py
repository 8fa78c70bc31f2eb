"""A SQLite write lock held by another process for longer than the busy timeout (issue 13, defect 2): the file is
tried again with a growing pause and posts once the lock is gone, through ``ingest`` and ``watch`` alike; it is
never stranded, rejected or answered as an internal error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from race_support import ITEM, po_csv, receipt_csv, run_together, seed_items
from support.invariants import check_invariants, files_in
from watcher_support import WatcherProcess, wait_for

HOLD_SECONDS = 15.0  # longer than a loaded machine takes to start the command
HOLDER = """
import sqlite3, sys, time, pathlib
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
pathlib.Path(sys.argv[2]).write_text("held")
time.sleep(float(sys.argv[3]))
conn.execute("ROLLBACK")
"""


def _hold_write_lock(db_url: str, marker: Path) -> subprocess.Popen[bytes]:
    """Another process takes SQLite's write lock and keeps it ``HOLD_SECONDS``."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db_url.removeprefix("sqlite:///"), str(marker),
                               str(HOLD_SECONDS)])
    wait_for(marker.exists, "the other process to hold the write lock", timeout=60)
    return holder


@pytest.fixture
def busy_home(home: Path, cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    cli("init")
    (home / "serialtrack.toml").write_text("[database]\nbusy_timeout_seconds = 0.3\nretry_seconds = 60\n\n"
                                           "[watcher]\nmin_age_seconds = 0.2\n", encoding="utf-8")
    seed_items(cli, tmp_path)
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("B1", ITEM, 100)]), kind="purchase_orders")[0]["status"] == "posted"
    return home


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_busy_sqlite__ingest_waits_out_a_lock_held_past_the_busy_timeout(busy_home: Path, tmp_path: Path,
                                                                        db_url: str) -> None:
    path = receipt_csv(busy_home / "inbox" / "receiving" / "busy.csv", "B1", ["BZ001", "BZ002"])
    holder = _hold_write_lock(db_url, tmp_path / "held")
    began = time.monotonic()
    [done] = run_together(busy_home, [([path], {})], verbose=True)
    holder.wait(30)
    assert [o["status"] for o in done.outcomes] == ["posted"], (done.outcomes, done.stderr[-2000:])
    assert "busy or away" in done.stderr, "it met the lock and tried again"
    assert time.monotonic() - began >= HOLD_SECONDS * 0.5
    assert not files_in(busy_home / "inbox")
    assert [p.name for p in files_in(busy_home / "archive") if p.name.startswith("busy")] == ["busy.csv"]
    check_invariants(db_url, po_tolerance_percent=0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_busy_sqlite__watch_once_waits_out_a_lock_held_past_the_busy_timeout(busy_home: Path, tmp_path: Path,
                                                                            db_url: str) -> None:
    receipt_csv(busy_home / "inbox" / "receiving" / "busy.csv", "B1", ["BW001", "BW002"])
    holder = _hold_write_lock(db_url, tmp_path / "held")
    with WatcherProcess(busy_home, tmp_path / "w.log", "--once") as watcher:
        code = watcher.proc.wait(120)
        holder.wait(30)
        outcomes = watcher.outcomes()
        log = watcher.text()
    assert code == 0, log[-3000:]
    assert [o["status"] for o in outcomes] == ["posted"], log[-3000:]
    assert "busy or away" in log, "it met the lock and tried again"
    assert not files_in(busy_home / "inbox") and not [p for p in files_in(busy_home / "work")
                                                      if p.parent != busy_home / "work"]
    check_invariants(db_url, po_tolerance_percent=0)

"""A watcher killed (SIGKILL) in the middle of a large file leaves it in work/; the next start resolves it
against the ledger: posted exactly once and archived, whether the kill came before or after the commit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from watcher_support import BIG_SERIALS, WatcherProcess, batches, files_under, scalar, wait_for, work_files


def _posted_batch_visible() -> bool:
    return bool(scalar("SELECT count(*) FROM batches WHERE file_name = 'big.xlsx' AND status = 'posted'"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # before the commit, the database plays no part
def test_watch__sigkill_before_the_commit_then_restart_posts_once(watched_home: Path, tmp_path: Path,
                                                                  big_book: Path) -> None:
    _kill_restart_and_check(watched_home, tmp_path, big_book, "claimed")


def test_watch__sigkill_after_the_commit_then_restart_archives_it_once(watched_home: Path, tmp_path: Path,
                                                                       big_book: Path) -> None:
    _kill_restart_and_check(watched_home, tmp_path, big_book, "committed")


def _kill_restart_and_check(watched_home: Path, tmp_path: Path, big_book: Path, moment: str) -> None:
    staging = watched_home / "staging"
    staging.mkdir()
    shutil.copyfile(big_book, staging / "big.xlsx")
    with WatcherProcess(watched_home, tmp_path / "first.log") as first:
        first.wait_started()
        os.rename(staging / "big.xlsx", watched_home / "inbox" / "receiving" / "big.xlsx")
        if moment == "claimed":
            wait_for(lambda: work_files(watched_home), "the watcher to claim big.xlsx", log=first)
        else:
            wait_for(_posted_batch_visible, "the posting to commit", timeout=90, log=first)
        first.kill()
    left = work_files(watched_home)
    assert [p.name for p in left] == ["big.xlsx"], "the kill should catch the file in hand"

    with WatcherProcess(watched_home, tmp_path / "second.log") as second:
        outcome = second.wait_outcome("big.xlsx", timeout=90)
    assert second.proc.returncode == 0, second.text()
    assert outcome["status"] == "posted"
    assert any("resolving it against the ledger" in line.get("message", "") for line in second.lines())
    assert [b for b in batches(watched_home) if b[0] == "big.xlsx"] == [("big.xlsx", "posted")]
    assert scalar("SELECT count(*) FROM serial_units") == BIG_SERIALS
    archived = [p.name for p in files_under(watched_home / "archive")]
    assert archived.count("big.xlsx") == 1 and "big.xlsx" in [p.name for p in files_under(
        watched_home / "archive" / "posted")]
    assert not work_files(watched_home) and not files_under(watched_home / "inbox")

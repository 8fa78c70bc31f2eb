"""Readiness, in-process: which names are never read, when a candidate is ready, what a scan sees."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from serialtrack.service.readiness import Readiness, Seen, is_ignored, scan_inbox


@pytest.mark.parametrize("name", ["~$PL-0425.xlsx", ".~lock.PL-0425.xlsx#", "~WRL0001.tmp", "5A3F0C21",
                                  "PL-0425.tmp", "PL-0425.xlsx.part", "report.crdownload", ".hidden.xlsx",
                                  "PL-0425.csv~", "Thumbs"])
def test_is_ignored__lock_temp_and_hidden_files(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["PL-0425.xlsx", "pick list.XLSM", "counts.csv", "notes.pdf", "a.b.xlsx"])
def test_is_ignored__real_files_are_candidates(name: str) -> None:
    assert not is_ignored(name)


def _seen(size: int = 10, mtime: int = 1, lock: str | None = None) -> list[Seen]:
    return [Seen(Path("/inbox/receiving/a.xlsx"), "receiving", size, mtime, lock)]


def test_readiness__needs_two_equal_scans_and_the_minimum_age() -> None:
    readiness = Readiness(min_age=2.0)
    assert readiness.update(_seen(), now=100.0) == []
    assert readiness.update(_seen(), now=101.0) == []  # unchanged, but too young
    assert readiness.next_due(101.0) == pytest.approx(1.0)
    assert [s.path.name for s in readiness.update(_seen(), now=102.0)] == ["a.xlsx"]


def test_readiness__a_change_starts_the_clock_again() -> None:
    readiness = Readiness(min_age=1.0)
    readiness.update(_seen(size=10), now=100.0)
    assert readiness.update(_seen(size=20), now=105.0) == []  # grew: first sight of this size
    assert readiness.update(_seen(size=20, mtime=2), now=110.0) == []  # touched
    assert readiness.update(_seen(size=20, mtime=2), now=111.0) != []


def test_readiness__zero_minimum_age_still_needs_two_scans() -> None:
    readiness = Readiness(min_age=0.0)
    assert readiness.update(_seen(), now=1.0) == []
    assert readiness.update(_seen(), now=1.0) != []


def test_readiness__a_locked_file_waits_and_does_not_keep_the_loop_busy() -> None:
    readiness = Readiness(min_age=0.0)
    for now in (1.0, 2.0, 3.0):
        assert readiness.update(_seen(lock="~$a.xlsx"), now=now) == []
    assert readiness.waiting() == 0 and readiness.next_due(3.0) is None
    assert readiness.update(_seen(), now=4.0) != []  # the lock went away


def test_readiness__a_vanished_file_is_forgotten() -> None:
    readiness = Readiness(min_age=0.0)
    readiness.update(_seen(), now=1.0)
    readiness.update([], now=2.0)
    assert readiness.update(_seen(), now=3.0) == []  # first sight again


def test_scan_inbox__kinds_from_subfolders_locks_fresh_and_stale(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "receiving" / "deeper").mkdir(parents=True)
    (inbox / "receiving" / "PL-1.xlsx").write_bytes(b"12345")
    (inbox / "receiving" / "~$PL-1.xlsx").write_bytes(b"owner")
    (inbox / "receiving" / "PL-2.xlsx").write_bytes(b"1")
    stale = inbox / "receiving" / ".~lock.PL-2.xlsx#"
    stale.write_text("x")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    (inbox / "receiving" / "deeper" / "PL-3.xlsx").write_bytes(b"1")
    (inbox / "plain.csv").write_text("a")
    (inbox / "unknown-kind").mkdir()
    (inbox / "unknown-kind" / "PL-4.xlsx").write_bytes(b"1")
    seen = {s.path.name: s for s in scan_inbox(inbox, lock_max_age=600)}
    assert sorted(seen) == ["PL-1.xlsx", "PL-2.xlsx", "plain.csv"]
    assert (seen["PL-1.xlsx"].kind, seen["PL-1.xlsx"].size, seen["PL-1.xlsx"].lock) == ("receiving", 5, "~$PL-1.xlsx")
    assert seen["PL-2.xlsx"].lock is None and seen["plain.csv"].kind is None


def test_readiness__an_owner_change_starts_the_clock_again() -> None:
    """A file whose owner or group changes is still being handed over: not ready, like one that grew."""
    path = Path("/inbox/receiving/a.xlsx")
    readiness = Readiness(min_age=1.0)
    readiness.update([Seen(path, "receiving", 10, 1, None, 4301, 4300)], now=100.0)
    assert readiness.update([Seen(path, "receiving", 10, 1, None, 4201, 4300)], now=105.0) == []  # new owner
    assert readiness.update([Seen(path, "receiving", 10, 1, None, 4201, 4200)], now=110.0) == []  # new group
    assert readiness.update([Seen(path, "receiving", 10, 1, None, 4201, 4200)], now=111.0) != []


def test_scan_inbox__sees_owner_and_group(tmp_path: Path) -> None:
    (tmp_path / "PL-1.xlsx").write_bytes(b"1")
    [seen] = scan_inbox(tmp_path, lock_max_age=600)
    assert (seen.uid, seen.gid) == (os.getuid(), os.getgid())

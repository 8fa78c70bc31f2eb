"""Faults: the process killed (SIGKILL, which nothing can catch) at each named point, a full disk or a denied
write while the report is written, a SQLite database held busy by another writer.

After each fault, and after the restart that follows (``serialtrack ingest`` run again on the file where it
was left, or ``serialtrack watch --once``): every file has zero or one posted batch, never a partial one
(a batch's units are all there or none are), and its bytes still exist exactly once, in the inbox until it
is answered, in ``archive/`` after. The ledger invariants hold throughout.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter.workbook
from hostile_books import PL_HEADER, plain_book
from hostile_support import copies_of, files_under, ledger_state, posted_count, run_bounded, sha256_of
from support.invariants import check_invariants

from serialtrack.faults import CRASH_ENV

POINTS = ["reading", "planned", "before-commit", "after-commit", "writing-report"]
POSTED_BEFORE_RESTART = {"after-commit", "writing-report"}
SERIALS = ["K1", "K2", "K3"]


def _packing_list(home: Path, name: str = "pl.xlsx") -> Path:
    return plain_book(home / "inbox" / "receiving" / name, [PL_HEADER, ["1", "CAM", 3, ", ".join(SERIALS)]])


def _units(db_url: str) -> int:
    """Serial units of the test's packing list in the ledger (all of them, or none: never some)."""
    return sum(1 for row in ledger_state(db_url)["serial_units"] if row[2] in SERIALS)  # (id, item_id, serial


def _crash(home: Path, path: Path, point: str, *extra_env: tuple[str, str]) -> None:
    env = {**os.environ, CRASH_ENV: point, **dict(extra_env)}
    run = run_bounded(["--home", str(home), "ingest", "--json", str(path)], env=env, timeout=60)
    assert run.returncode == -9, (point, run.returncode, run.stdout, run.stderr[-2000:])


def _assert_once(home: Path, db_url: str, digest: str) -> None:
    assert posted_count(db_url, digest) == 1, "posted exactly once"
    assert [p.parent.parent.parent.name for p in copies_of(home, digest)] == ["archive"], "kept exactly once"
    assert not files_under(home / "inbox"), "nothing left behind"
    assert _units(db_url) == len(SERIALS)
    check_invariants(db_url)


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_point_then_restart__posted_once_never_partial_never_lost(stocked, home: Path,
                                                                                  db_url: str, point: str) -> None:
    path = _packing_list(home)
    digest = sha256_of(path)
    before = ledger_state(db_url)

    _crash(home, path, point)

    posted = posted_count(db_url, digest)
    assert posted == (1 if point in POSTED_BEFORE_RESTART else 0), point
    assert _units(db_url) == len(SERIALS) * posted, "a batch is whole or absent"
    if not posted:
        assert ledger_state(db_url) == before
    assert copies_of(home, digest) == [path], "the original stays where it was dropped"
    check_invariants(db_url)

    [again] = stocked.ingest(path, expect=0)
    assert again["status"] == ("duplicate" if posted else "posted"), again
    assert again["output"] and Path(again["output"]).is_file(), "the receipt exists after the restart"
    _assert_once(home, db_url, digest)


def test_sigkill_while_the_report_is_half_published__restart_answers_once(stocked, home: Path, db_url: str,
                                                                          tmp_path: Path) -> None:
    """Killed inside the report writer: the workbook complete in its temp file, not yet renamed into place
    (a ``sitecustomize`` in the child kills it where the writer publishes it: ``os.link`` onto a free name,
    or ``os.replace``)."""
    path = _packing_list(home)
    digest = sha256_of(path)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import os, signal\n"
        "real = os.replace\n"
        "def replace(src, dst, *a, **k):\n"
        "    if str(src).endswith('.tmp'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = replace\n"
        "os.link = replace\n", encoding="utf-8")
    _crash(home, path, "none", ("PYTHONPATH", str(hooks)))
    assert posted_count(db_url, digest) == 1 and copies_of(home, digest) == [path]
    assert [p.name for p in (home / "outbox").iterdir() if p.name.endswith(".tmp")], "killed mid-publish"

    [again] = stocked.ingest(path, expect=0)
    assert again["status"] == "duplicate" and Path(again["output"]).is_file()
    _assert_once(home, db_url, digest)
    assert not [p.name for p in (home / "outbox").iterdir() if p.name.startswith(".")], "the temp file is gone"


def test_sigkill_while_writing_a_rejection__restart_rejects_once(stocked, home: Path, db_url: str) -> None:
    path = plain_book(home / "inbox" / "receiving" / "bad.xlsx", [PL_HEADER, ["99", "CAM", 1, "NOPO1"]])
    digest = sha256_of(path)
    before = ledger_state(db_url)
    _crash(home, path, "writing-report")
    assert copies_of(home, digest) == [path]
    [again] = stocked.ingest(path, expect=1)
    assert again["status"] == "rejected" and {e["code"] for e in again["errors"]} == {"po-unknown"}
    assert ledger_state(db_url) == before
    assert [p.parent.parent.name for p in copies_of(home, digest)] == ["rejected"]
    assert len(list((home / "outbox").glob("bad.rejected*.xlsx"))) == 1


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_watch_once__sigkill_then_restart_resolves_the_leftover_in_work(stocked, home: Path, db_url: str,
                                                                        point: str) -> None:
    (home / "serialtrack.toml").write_text("[watcher]\nmin_age_seconds = 0.1\n", encoding="utf-8")
    path = _packing_list(home)
    digest = sha256_of(path)
    watch = ["--home", str(home), "watch", "--once", "--poll", "0.1", "--log-format", "json"]
    first = run_bounded(watch, env={**os.environ, CRASH_ENV: point}, timeout=60)
    assert first.returncode == -9, first.stderr[-2000:]
    left = copies_of(home, digest)
    assert [p.parent.parent.parent.name for p in left] == ["work"], "the claimed file waits in work/"
    assert posted_count(db_url, digest) == (1 if point == "after-commit" else 0)

    second = run_bounded(watch, timeout=60)
    assert second.returncode == 0, second.stderr[-3000:]
    _assert_once(home, db_url, digest)
    assert not [p for p in files_under(home / "work") if p.suffix == ".xlsx"]


# -- the disk fills up, or the outbox refuses writes, while a report is written --------------------------------


class _FailingZip:
    """Stands in for the zip file xlsxwriter assembles the workbook into: every write fails with ``error``."""

    error: OSError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise self.error


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   PermissionError(errno.EACCES, "Permission denied")],
                         ids=["disk-full", "permission-denied"])
def test_report_write_fails__ledger_consistent_and_the_file_answered_when_retried(
        stocked, home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, error: OSError) -> None:
    good = _packing_list(home)
    bad = plain_book(home / "inbox" / "receiving" / "bad.xlsx", [PL_HEADER, ["99", "CAM", 1, "NOPO1"]])
    digests = {p.name: sha256_of(p) for p in (good, bad)}
    before = ledger_state(db_url)
    failing = type("Failing", (_FailingZip,), {"error": error})
    with monkeypatch.context() as patch:
        patch.setattr(xlsxwriter.workbook, "ZipFile", failing)
        first = {o["file"]: o for o in stocked.ingest(good, bad, expect=1)}

    assert first["pl.xlsx"]["status"] == "posted" and posted_count(db_url, digests["pl.xlsx"]) == 1
    assert any("later step failed" in n for n in first["pl.xlsx"]["notes"]), first["pl.xlsx"]
    assert first["bad.xlsx"]["status"] == "rejected"
    assert {e["code"] for e in first["bad.xlsx"]["errors"]} == {"internal-error"}
    assert good.exists() and bad.exists(), "both stay in the inbox, to be answered when space is back"
    assert not [p for p in files_under(home / "outbox") if p.name.startswith(("pl", "bad", ".pl", ".bad"))]
    after = ledger_state(db_url)
    assert after["posted"][:-1] == before["posted"] and _units(db_url) == len(SERIALS)
    check_invariants(db_url)

    second = {o["file"]: o for o in stocked.ingest(good, bad, expect=1)}
    assert second["pl.xlsx"]["status"] == "duplicate" and Path(second["pl.xlsx"]["output"]).is_file()
    assert {e["code"] for e in second["bad.xlsx"]["errors"]} == {"po-unknown"}
    _assert_once_for(home, db_url, digests)


def _assert_once_for(home: Path, db_url: str, digests: dict[str, str]) -> None:
    assert posted_count(db_url, digests["pl.xlsx"]) == 1 and posted_count(db_url, digests["bad.xlsx"]) == 0
    for digest in digests.values():
        assert [p.parent.parent.parent.name for p in copies_of(home, digest)] == ["archive"]
    assert not files_under(home / "inbox")
    check_invariants(db_url)


# -- SQLite busy -------------------------------------------------------------------------------------------------


def _hold_write_lock(database: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _sqlite_path(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_busy__waited_out_then_posted_once(stocked, home: Path, db_url: str) -> None:
    path = _packing_list(home)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(_sqlite_path(db_url), 1.5, started))
    holder.start()
    assert started.wait(10)
    began = time.monotonic()
    [out] = stocked.ingest(path, expect=0)
    holder.join()
    assert out["status"] == "posted" and time.monotonic() - began >= 1.0, "it waited for the lock"
    _assert_once(home, db_url, sha256_of(Path(out["archived"])))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_busy_past_the_timeout__nothing_posted_then_retried_whole(stocked, home: Path, db_url: str) -> None:
    # retries turned off: the give-up path (tests/concurrency/test_busy_database.py covers the retries)
    (home / "serialtrack.toml").write_text("[database]\nbusy_timeout_seconds = 0.3\nretry_seconds = 0\n",
                                           encoding="utf-8")
    path = _packing_list(home)
    digest = sha256_of(path)
    before = ledger_state(db_url)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(_sqlite_path(db_url), 1.5, started))
    holder.start()
    assert started.wait(10)
    [out] = stocked.ingest(path, expect=1)
    assert {e["code"] for e in out["errors"]} == {"internal-error"} and "locked" in out["errors"][0]["message"]
    assert ledger_state(db_url) == before and copies_of(home, digest) == [path]
    holder.join()

    [again] = stocked.ingest(path, expect=0)
    assert again["status"] == "posted"
    _assert_once(home, db_url, digest)

"""An internal error (a defect, raised at a named fault point with ``SERIALTRACK_CRASH_AT=raise:<point>``) is
answered the same way through ``ingest`` and through ``watch --once``: one failure path, the pipeline's.

Before the commit: status ``failed`` in ``--json`` / the log, exit code 1, the original moved unchanged to
``archive/failed/<date>/``, an answer workbook in ``outbox/`` saying what failed and that nothing was posted,
and the ledger untouched. After the commit: the file is archived as posted and its receipt written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostile_books import PL_HEADER, plain_book
from hostile_support import copies_of, files_under, ledger_state, posted_count, run_bounded, sha256_of
from openpyxl import load_workbook
from support.invariants import check_invariants

from serialtrack.faults import CRASH_ENV, RAISE_PREFIX


def _packing_list(home: Path) -> Path:
    return plain_book(home / "inbox" / "receiving" / "pl.xlsx", [PL_HEADER, ["1", "CAM", 2, "IE1, IE2"]])


def _raising_at(point: str) -> dict[str, str]:
    return {**os.environ, CRASH_ENV: RAISE_PREFIX + point}


def _ingest(home: Path, path: Path, point: str) -> tuple[int, dict[str, object]]:
    run = run_bounded(["--home", str(home), "ingest", "--json", str(path)], env=_raising_at(point), timeout=90)
    [line] = [ln for ln in run.stdout.splitlines() if ln.strip()]
    return run.returncode, json.loads(line)


def _watch_once(home: Path, point: str) -> tuple[int, dict[str, object]]:
    (home / "serialtrack.toml").write_text("[watcher]\nmin_age_seconds = 0.1\n", encoding="utf-8")
    run = run_bounded(["--home", str(home), "watch", "--once", "--poll", "0.1", "--log-format", "json"],
                      env=_raising_at(point), timeout=90)
    lines = [json.loads(ln) for ln in run.stderr.splitlines() if ln.startswith("{")]
    outcomes = [ln for ln in lines if ln.get("file") == "pl.xlsx" and "status" in ln]
    assert outcomes, run.stderr[-3000:]
    return run.returncode, outcomes[-1]


def _answer_text(home: Path) -> str:
    [answer] = [p for p in files_under(home / "outbox") if p.name.startswith("pl.")]
    assert answer.name == "pl.rejected.xlsx"
    book = load_workbook(answer, read_only=True)
    return " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)


def _assert_failed_and_set_aside(home: Path, db_url: str, digest: str, before: dict[str, object]) -> None:
    [kept] = copies_of(home, digest)
    assert kept.parent.parent.name == "failed" and kept.parent.parent.parent.name == "archive"
    assert kept.name == "pl.xlsx" and sha256_of(kept) == digest, "the original, unchanged"
    assert not files_under(home / "inbox") and not [p for p in files_under(home / "work") if p.suffix == ".xlsx"]
    text = _answer_text(home)
    assert "internal-error" in text and "internal error" in text and "posted nothing" in text
    assert "InjectedFault" in text
    assert posted_count(db_url, digest) == 0
    assert ledger_state(db_url)["serial_units"] == before["serial_units"]
    check_invariants(db_url)


def test_internal_error__ingest__failed_archived_answered_nonzero(stocked, home: Path, db_url: str) -> None:
    path = _packing_list(home)
    digest, before = sha256_of(path), ledger_state(db_url)
    code, out = _ingest(home, path, "planned")
    assert code == 1
    assert out["status"] == "failed" and {e["code"] for e in out["errors"]} == {"internal-error"}  # type: ignore[union-attr]
    assert out["archived"] and "/archive/failed/" in str(out["archived"])
    assert out["output"] and str(out["output"]).endswith("pl.rejected.xlsx")
    _assert_failed_and_set_aside(home, db_url, digest, before)


def test_internal_error__watch_once__same_outcome_as_ingest(stocked, home: Path, db_url: str) -> None:
    path = _packing_list(home)
    digest, before = sha256_of(path), ledger_state(db_url)
    code, logged = _watch_once(home, "planned")
    assert code == 1
    assert logged["status"] == "failed" and logged["errors"] == 1
    assert str(logged["output"]).endswith("pl.rejected.xlsx")
    _assert_failed_and_set_aside(home, db_url, digest, before)


def test_internal_error_after_commit__ingest_and_watch_archive_as_posted(stocked, home: Path, db_url: str) -> None:
    for run in (_ingest, _watch_once):
        for stale in files_under(home / "outbox"):
            stale.unlink()
        path = plain_book(home / "inbox" / "receiving" / "pl.xlsx",
                          [PL_HEADER, ["1", "CAM", 1, f"AC-{run.__name__}"]])
        digest = sha256_of(path)
        if run is _ingest:
            code, out = _ingest(home, path, "writing-report")
        else:
            code, out = _watch_once(home, "writing-report")
        assert code == 0 and out["status"] == "posted", (run.__name__, out)
        assert posted_count(db_url, digest) == 1
        assert [p.parent.parent.name for p in copies_of(home, digest)] == ["posted"]
        assert [p.name for p in files_under(home / "outbox") if p.name.startswith("pl.")] == ["pl.posted.xlsx"]
    check_invariants(db_url)

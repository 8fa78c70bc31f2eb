"""Helpers for the hostile tests: the ledger's state to compare before and after, what a refusal must look like
(a clear error, the ledger unchanged, the original kept byte for byte, a report without formulas, the service
still answering), and running ``serialtrack`` as a separate process under memory and time limits."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import create_engine, select
from workbook_checks import assert_output_safe

from serialtrack.ledger import schema as t

#: Every table a posting writes (batches are compared separately: refusals add audit rows there).
POSTING_TABLES = (t.items, t.offices, t.bins, t.purchase_orders, t.po_lines, t.sales_orders, t.so_lines,
                  t.lots, t.serial_units, t.transactions, t.counts)


def ledger_state(db_url: str) -> dict[str, Any]:
    """Every row of the posting tables, and the posted batches (id, file name, sha256)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            state: dict[str, Any] = {
                table.name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(table)))
                for table in POSTING_TABLES}
            state["posted"] = [tuple(r) for r in conn.execute(
                select(t.batches.c.id, t.batches.c.file_name, t.batches.c.sha256)
                .where(t.batches.c.status == "posted").order_by(t.batches.c.id))]
    finally:
        engine.dispose()
    return state


def posted_count(db_url: str, sha256: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(t.batches.c.id).where(t.batches.c.sha256 == sha256,
                                                                 t.batches.c.status == "posted")).all())
    finally:
        engine.dispose()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()) if folder.exists() else []


def copies_of(home: Path, digest: str) -> list[Path]:
    """Every file in the inbox, work/ and archive/ holding exactly these bytes (where the original may be)."""
    return [p for folder in ("inbox", "work", "archive") for p in files_under(home / folder)
            if p.is_file() and not p.is_symlink() and sha256_of(p) == digest]


def error_codes(outcome: dict[str, Any]) -> set[str]:
    return {e["code"] for e in outcome["errors"]}


def assert_report(outcome: dict[str, Any], *codes: str) -> None:
    """The report workbook exists, holds no formula, and its Errors sheet lists ``codes``."""
    output = Path(outcome["output"])
    assert output.is_file(), outcome
    assert_output_safe(output)
    if codes:
        book = load_workbook(output, read_only=True)
        try:
            listed = {row[2] for row in book["Errors"].iter_rows(values_only=True) if len(row) > 2}
        finally:
            book.close()
        assert set(codes) <= listed, (codes, listed)


def assert_refused(outcome: dict[str, Any], code: str, *, cell: str | None = None,
                   words: Sequence[str] = ()) -> dict[str, Any]:
    """A rejection that names what is wrong: ``code`` (at ``cell``), a sentence holding ``words``."""
    assert outcome["status"] == "rejected", outcome
    matching = [e for e in outcome["errors"] if e["code"] == code and (cell is None or e["cell"] == cell)]
    assert matching, (code, cell, outcome["errors"])
    error = matching[0]
    assert len(error["message"]) > 20, error
    for word in words:
        assert word.casefold() in error["message"].casefold(), (word, error["message"])
    assert "internal" not in error["code"], error
    return error


@dataclass
class Bounded:
    """A finished child process: exit code, output, wall time and its own peak memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float

    def outcomes(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def run_bounded(args: Sequence[str], *, memory_mb: int = 1536, cpu_seconds: int = 60,
                timeout: float = 90.0, env: dict[str, str] | None = None) -> Bounded:
    """``python -m serialtrack ARGS`` in a child with an address-space and CPU limit; its own peak RSS comes
    from ``wait4`` on that child."""

    def limit() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "serialtrack", *args], stdout=out, stderr=err, text=True,
                                env=env or dict(os.environ), preexec_fn=limit)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"serialtrack {' '.join(args)} ran longer than {timeout}s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Bounded(proc.returncode, out.read(), err.read(), time.monotonic() - started, usage.ru_maxrss / 1024)

"""Helpers for the watcher tests: real ``serialtrack watch`` processes over a home that holds master data.

``WatcherProcess`` starts ``python -m serialtrack --home HOME watch --poll 0.2 --log-format json`` with the
test's environment (so ``SERIALTRACK_DATABASE_URL`` from the ``home`` fixture reaches it), logs to a file, and
reads the per-file JSON lines back. Every wait is bounded (``wait_for``) and names what it waited for.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text
from support.books import workbook

ITEM = "CAM-1"
PO = 100
BIG_SERIALS = 20_000  # the large file of the SIGTERM and SIGKILL tests
T = TypeVar("T")


def write_watcher_config(home: Path, **watcher: float) -> None:
    settings = {"min_age_seconds": 0.2, **watcher}
    lines = ["[watcher]", *(f"{key} = {value}" for key, value in settings.items())]
    (home / "serialtrack.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def receiving_xlsx(path: Path, serials: Sequence[str]) -> Path:
    return workbook(path, ["PO", "Item", "Qty", "Serials"], [(PO, ITEM, 1, s) for s in serials],
                    title=[["Packing list"], []], sheet="Packing List")


def receiving_csv(path: Path, serials: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["PO", "Item", "Qty", "Serials"])
        writer.writerows([PO, ITEM, 1, s] for s in serials)
    return path


def wait_for(predicate: Callable[[], T], what: str, *, timeout: float = 60.0,
             log: WatcherProcess | None = None) -> T:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` (and the log) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = "\n".join(log.text().splitlines()[-30:]) if log else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")
        time.sleep(0.05)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def work_files(home: Path) -> list[Path]:
    """Files claimed in ``work/`` (owner lock files beside the folders are not claims)."""
    return [p for p in files_under(home / "work") if p.parent != home / "work"]


def batches(home: Path) -> list[tuple[str, str]]:
    """(file_name, status) of every batch in the home's ledger."""
    engine = create_engine(os.environ["SERIALTRACK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(text("SELECT file_name, status FROM batches ORDER BY id"))]
    finally:
        engine.dispose()


def scalar(sql: str) -> Any:
    engine = create_engine(os.environ["SERIALTRACK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def watch_command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "serialtrack", "--home", str(home), "watch", "--poll", "0.2",
            "--log-format", "json", *args]


class WatcherProcess:
    """One ``serialtrack watch`` process; stopped (SIGTERM, then SIGKILL) when the ``with`` block ends."""

    def __init__(self, home: Path, log_path: Path, *args: str) -> None:
        self.home, self.log_path = home, log_path
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(watch_command(home, *args), stdout=subprocess.DEVNULL, stderr=self._log,
                                     env=dict(os.environ))

    def __enter__(self) -> WatcherProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"message": line, "level": "raw"})
        return found

    def outcomes(self, file: str | None = None) -> list[dict[str, Any]]:
        return [line for line in self.lines() if "status" in line and (file is None or line["file"] == file)]

    def wait_started(self) -> None:
        wait_for(lambda: any(line.get("message", "").startswith("watching") for line in self.lines())
                 or self.proc.poll() is not None, "the watcher to start", log=self)
        assert self.proc.poll() is None, self.text()

    def wait_outcome(self, file: str, *, timeout: float = 60.0) -> dict[str, Any]:
        return wait_for(lambda: (self.outcomes(file) or [None])[0], f"an outcome for {file}", timeout=timeout,
                        log=self)

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

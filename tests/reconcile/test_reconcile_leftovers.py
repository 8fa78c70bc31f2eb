"""Leftovers of a killed run (issue 13, defect 10): the hidden temp workbook and the hidden temp CSV folder of
a ``reconcile --csv`` killed (SIGKILL) while publishing are removed at the next start; a temp file that a
living process is still writing, or another host's fresh one, is left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from serialtrack.exporters.publish import temp_name
from serialtrack.service.home import Home, remove_leftovers

KILL_AT_PUBLISH = (
    "import os, signal\n"
    "real = os.replace\n"
    "def replace(src, dst, *a, **k):\n"
    "    if str(src).endswith('.tmp'):\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
    "    return real(src, dst, *a, **k)\n"
    "os.replace = replace\n")


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_reconcile_csv__killed_while_publishing_then_next_start_cleans_the_temp_files(
        cli: Any, home: Path, tmp_path: Path) -> None:
    cli("init")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(KILL_AT_PUBLISH, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "reconcile", "--csv",
                          "--date", "2026-11-25"], env={**os.environ, "PYTHONPATH": str(hooks)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr[-2000:]
    left = _hidden(home / "outbox")
    assert any(name.endswith(".tmp") and (home / "outbox" / name).is_dir() for name in left), left
    assert any(name.endswith(".tmp") and (home / "outbox" / name).is_file() for name in left), left

    cli("reconcile", "--csv", "--date", "2026-11-25")
    assert _hidden(home / "outbox") == []
    assert (home / "outbox" / "reconciliation-2026-11-25.xlsx").is_file()
    assert (home / "outbox" / "reconciliation-2026-11-25").is_dir()


def test_remove_leftovers__living_writer_and_fresh_foreign_temp_files_are_kept(tmp_path: Path) -> None:
    home = Home(tmp_path)
    outbox = home.outbox
    outbox.mkdir()
    mine = outbox / temp_name("a.posted.xlsx")  # this process is alive: still being written
    mine.write_bytes(b"x")
    foreign = outbox / ".b.posted.xlsx.0a0b0c-12345-deadbeef.tmp"  # another host's, fresh
    foreign.write_bytes(b"x")
    stale = outbox / ".c.posted.xlsx.0a0b0c-12345-feedbeef.tmp"  # another host's, a day old
    stale.write_bytes(b"x")
    old = time.time() - 2 * 86_400
    os.utime(stale, (old, old))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = outbox / temp_name("d.posted.xlsx", pid=dead.pid)
    gone.mkdir()
    (gone / "01-summary.csv").write_text("x")
    clerk = outbox / ".hidden-by-a-clerk.xlsx"
    clerk.write_bytes(b"x")
    removed = remove_leftovers(home)
    assert sorted(p.name for p in removed) == sorted([stale.name, gone.name])
    assert mine.exists() and foreign.exists() and clerk.exists()
    assert not stale.exists() and not gone.exists()

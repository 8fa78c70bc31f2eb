"""Same-named files processed at the same moment by separate processes (issue 13, defect 3): every file gets
its own answer in ``outbox/`` and its own archived original; nothing is overwritten.

Two ``ingest`` processes each take 30 files named ``PL-00.csv`` ... ``PL-29.csv`` (different contents, one
set in ``inbox/``, one in ``inbox/receiving/``); two watchers take 40 such pairs dropped at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from watcher_support import WatcherProcess, batches, files_under, receiving_csv, wait_for, work_files

INGEST_FILES = 30
WATCH_PAIRS = 40


def _ingest(home: Path, files: list[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest",
                             *map(str, files), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))


def test_ingest__two_processes_same_file_names_each_get_their_own_receipt(watched_home: Path) -> None:
    names = [f"PL-{n:02d}.csv" for n in range(INGEST_FILES)]
    first = [receiving_csv(watched_home / "inbox" / name, [f"A{n:05d}"]) for n, name in enumerate(names)]
    second = [receiving_csv(watched_home / "inbox" / "receiving" / name, [f"B{n:05d}"])
              for n, name in enumerate(names)]
    contents = sorted(p.read_text() for p in first + second)
    runs = [_ingest(watched_home, first), _ingest(watched_home, second)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    outcomes = [json.loads(line) for out, _ in results for line in out.splitlines() if line.strip()]
    assert len(outcomes) == 2 * INGEST_FILES and {o["status"] for o in outcomes} == {"posted"}
    outputs = [o["output"] for o in outcomes]
    assert len(set(outputs)) == len(outputs), "two files reported the same receipt"
    assert len(set(o["archived"] for o in outcomes)) == len(outcomes)
    # every receipt is there, and is the one for its own file's serial
    posted = [p for p in files_under(watched_home / "outbox") if p.name.startswith("PL-")]
    assert len(posted) == 2 * INGEST_FILES, [p.name for p in posted]
    assert sorted(map(str, posted)) == sorted(outputs)
    archived = [p for p in files_under(watched_home / "archive" / "posted") if p.name.startswith("PL-")]
    assert len(archived) == 2 * INGEST_FILES
    assert sorted(p.read_text() for p in archived) == contents


def test_watch__two_watchers_same_named_pairs_lose_nothing(watched_home: Path, tmp_path: Path) -> None:
    staging = watched_home / "staging"
    names = [f"SN-{n:02d}.csv" for n in range(WATCH_PAIRS)]
    dropped: list[tuple[Path, Path]] = []
    for n, name in enumerate(names):
        dropped.append((receiving_csv(staging / "a" / name, [f"WA{n:05d}"]), watched_home / "inbox" / name))
        dropped.append((receiving_csv(staging / "b" / name, [f"WB{n:05d}"]),
                        watched_home / "inbox" / "receiving" / name))
    contents = sorted(source.read_text() for source, _ in dropped)
    with (WatcherProcess(watched_home, tmp_path / "a.log") as first,
          WatcherProcess(watched_home, tmp_path / "b.log") as second):
        first.wait_started()
        second.wait_started()
        for source, target in dropped:
            os.rename(source, target)
        wait_for(lambda: len(first.outcomes()) + len(second.outcomes()) >= 2 * WATCH_PAIRS,
                 f"{2 * WATCH_PAIRS} outcomes", timeout=180, log=first)
        wait_for(lambda: not work_files(watched_home), "work/ to empty", log=first)
        codes = first.stop(), second.stop()
    assert codes == (0, 0), (first.text()[-2000:], second.text()[-2000:])
    outcomes = first.outcomes() + second.outcomes()
    assert {o["status"] for o in outcomes} == {"posted"}
    assert len({o["output"] for o in outcomes}) == 2 * WATCH_PAIRS
    assert len([b for b in batches(watched_home) if b[0].startswith("SN-")]) == 2 * WATCH_PAIRS
    assert len([p for p in files_under(watched_home / "outbox") if p.name.startswith("SN-")]) == 2 * WATCH_PAIRS
    archived = [p for p in files_under(watched_home / "archive" / "posted") if p.name.startswith("SN-")]
    assert sorted(p.read_text() for p in archived) == contents

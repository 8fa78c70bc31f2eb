"""Two watcher processes on one inbox and one ledger (PostgreSQL: as two hosts would share it; SQLite: one
host): 100 files dropped at once are each posted exactly once, none lost, none left behind."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from watcher_support import WatcherProcess, batches, files_under, receiving_csv, scalar, wait_for, work_files

FILES = 100


def test_watch__two_watchers_one_inbox_each_file_posted_exactly_once(watched_home: Path, tmp_path: Path) -> None:
    staging = watched_home / "staging"
    names = [f"tw-{n:03d}.csv" for n in range(FILES)]
    for n, name in enumerate(names):
        receiving_csv(staging / name, [f"TW{n:05d}", f"TX{n:05d}"])
    with (WatcherProcess(watched_home, tmp_path / "a.log") as first,
          WatcherProcess(watched_home, tmp_path / "b.log") as second):
        first.wait_started()
        second.wait_started()
        for n, name in enumerate(names):  # some straight into inbox/, where the kind is detected
            folder = watched_home / "inbox" / ("receiving" if n % 4 else "")
            os.rename(staging / name, folder / name)
        wait_for(lambda: len(first.outcomes()) + len(second.outcomes()) >= FILES, f"{FILES} outcomes",
                 timeout=120, log=first)
        wait_for(lambda: not work_files(watched_home), "work/ to empty", log=first)
        codes = first.stop(), second.stop()
    assert codes == (0, 0), (first.text()[-2000:], second.text()[-2000:])
    outcomes = first.outcomes() + second.outcomes()
    assert Counter(o["file"] for o in outcomes) == Counter(names)  # nobody processed a file twice
    assert {o["status"] for o in outcomes} == {"posted"}
    assert sorted(b for b in batches(watched_home) if b[0].startswith("tw-")) == [(n, "posted") for n in names]
    assert scalar("SELECT count(*) FROM serial_units") == 2 * FILES
    assert sorted(p.name for p in files_under(watched_home / "archive") if p.name.startswith("tw-")) == names
    assert not files_under(watched_home / "inbox") and not work_files(watched_home)

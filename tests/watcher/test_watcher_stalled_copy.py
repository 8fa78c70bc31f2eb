"""A CSV whose copy stalls mid-row is not half-posted (issue 13, defect 4). A real writer process writes 500
rows and half a serial, pauses longer than ``min_age_seconds``, then finishes. The watcher waits for the
unfinished last line; what posts is the whole file, and the archive holds exactly the bytes posted (the
batch's sha256 is the archived file's)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from watcher_support import (
    ITEM,
    PO,
    WatcherProcess,
    batches,
    files_under,
    scalar,
    write_watcher_config,
)

ROWS = 1_000
WRITER = """
import sys, time
path, rows, po, item, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
with open(path, "w", encoding="utf-8", newline="") as out:
    out.write("PO,Item,Qty,Serials\\n")
    for n in range(rows // 2):
        out.write(f"{po},{item},1,ST{n:06d}\\n")
    n = rows // 2
    line = f"{po},{item},1,ST{n:06d}\\n"
    out.write(line[:-5])
    out.flush()
    time.sleep(pause)
    out.write(line[-5:])
    for n in range(rows // 2 + 1, rows):
        out.write(f"{po},{item},1,ST{n:06d}\\n")
"""


def test_watch__csv_stalled_mid_row_posts_whole_never_half(watched_home: Path, tmp_path: Path) -> None:
    write_watcher_config(watched_home, unfinished_line_seconds=6)
    target = watched_home / "inbox" / "receiving" / "stall.csv"
    with WatcherProcess(watched_home, tmp_path / "w.log") as watcher:
        watcher.wait_started()
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(ROWS), str(PO), ITEM, "3"])
        started = time.monotonic()
        assert writer.wait(60) == 0
        outcome = watcher.wait_outcome("stall.csv", timeout=90)
        waited = time.monotonic() - started
    assert outcome["status"] == "posted", watcher.text()[-3000:]
    assert outcome["units"] == ROWS, outcome
    assert waited >= 3
    assert scalar("SELECT count(*) FROM serial_units WHERE serial LIKE 'ST%'") == ROWS
    assert scalar("SELECT max(length(serial)) FROM serial_units WHERE serial LIKE 'ST%'") == 8
    [archived] = [p for p in files_under(watched_home / "archive") if p.name == "stall.csv"]
    posted_sha = scalar("SELECT sha256 FROM batches WHERE file_name = 'stall.csv' AND status = 'posted'")
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == posted_sha
    assert archived.read_bytes().count(b"\n") == ROWS + 1
    assert [b for b in batches(watched_home) if b[0] == "stall.csv"] == [("stall.csv", "posted")]


APPENDER = """
import sys, time
path, po, item = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.monotonic() + float(sys.argv[4])
n = 0
with open(path, "a", encoding="utf-8", newline="") as out:
    while time.monotonic() < deadline:
        out.write(f"{po},{item},1,AP{n:06d}\\n")
        out.flush()
        n += 1
        time.sleep(0.005)
"""


def test_ingest__file_growing_while_read_is_not_posted_and_left_in_place(watched_home: Path) -> None:
    """``ingest`` of a CSV that a copy is still appending to: hash and read would be different bytes, so
    nothing is posted, answered or moved (``file-changing``), and the file stays in the inbox."""
    target = watched_home / "inbox" / "receiving" / "growing.csv"
    with open(target, "w", encoding="utf-8") as out:
        out.write("PO,Item,Qty,Serials\n")
        out.writelines(f"{PO},{ITEM},1,GR{n:06d}\n" for n in range(20_000))
    appender = subprocess.Popen([sys.executable, "-c", APPENDER, str(target), str(PO), ITEM, "20"])
    try:
        time.sleep(0.3)
        run = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(watched_home), "ingest", "--json",
                              str(target)], capture_output=True, text=True, timeout=120)
    finally:
        appender.kill()
        appender.wait(10)
    assert run.returncode == 1, run.stderr[-2000:]
    outcome = json.loads(run.stdout)
    assert outcome["status"] == "rejected" and [e["code"] for e in outcome["errors"]] == ["file-changing"]
    assert outcome["archived"] is None and outcome["output"] is None
    assert target.exists()
    assert not [b for b in batches(watched_home) if b[0] == "growing.csv"]
    assert scalar("SELECT count(*) FROM serial_units WHERE serial LIKE 'GR%'") == 0

"""A transfer against a large ledger, beside shipping the same sheet (issue 16).

Builds the 1M-unit ledger as ``bench_shipping`` does (bulk inserts, one lot at Main), adds a second office,
then times a real ``serialtrack ingest`` of a transfer sheet moving ``--move`` serials (default 100,000, one per
row) from Main to Depot. For comparison it then ships the same serials (the same rows with the SO instead of the
offices) from a fresh copy of the ledger. Each ``serialtrack`` run is a child process; its peak RSS is that
child's alone (``os.wait4``).

    python benchmarks/bench_transfer.py --ledger 1000000 --move 100000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_shipping import ITEM, SO, build_ledger  # noqa: E402
from measure import child  # noqa: E402

from serialtrack.ledger import schema as t  # noqa: E402
from serialtrack.ledger.db import open_engine  # noqa: E402


def add_depot(home: Path) -> None:
    engine = open_engine(f"sqlite:///{home / 'serialtrack.db'}")
    with engine.begin() as conn:
        conn.execute(t.offices.insert().values(id=2, name="Depot", receiving_bin="RECEIVING", return_bin="RETURNS",
                                               created_at=dt.datetime.now(dt.UTC)))
        conn.execute(t.bins.insert().values(id=3, office_id=2, name="RECEIVING"))
        conn.execute(t.bins.insert().values(id=4, office_id=2, name="RETURNS"))
    engine.dispose()


def sheet(path: Path, header: list[str], first: list[object], count: int) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([*first, 1, f"SN{i:09d}"] for i in range(0, count * 3, 3))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--move", type=int, default=100_000)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "SERIALTRACK_DATABASE_URL"}
    with tempfile.TemporaryDirectory() as tmp:
        home, shipping = Path(tmp) / "transfer", Path(tmp) / "shipping"
        home.mkdir()
        started = time.perf_counter()
        build_ledger(home, args.ledger, args.move)
        add_depot(home)
        print(f"ledger of {args.ledger:,} units built in {time.perf_counter() - started:.1f} s", flush=True)
        shutil.copytree(home, shipping)
        moves = sheet(home / "move.csv", ["Item", "From Office", "To Office", "Qty", "Serials"],
                      [ITEM, "Main", "Depot"], args.move)
        seconds, peak, _ = child([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", "--kind",
                                  "transfers", str(moves)], env)
        print(f"transfer of {args.move:,} serials against {args.ledger:,}: {seconds:.2f} s end to end, "
              f"peak {peak:.0f} MB", flush=True)
        ships = sheet(shipping / "ship.csv", ["SO #", "Item", "Qty", "Serials"], [SO, ITEM], args.move)
        s_seconds, s_peak, _ = child([sys.executable, "-m", "serialtrack", "--home", str(shipping), "ingest",
                                      "--kind", "shipping", str(ships)], env)
        print(f"shipping the same {args.move:,} serials against the same ledger: {s_seconds:.2f} s, peak "
              f"{s_peak:.0f} MB; transfer / shipping: {seconds / s_seconds:.2f}x")


if __name__ == "__main__":
    main()

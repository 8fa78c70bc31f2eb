"""Receiving benchmark: end-to-end ``serialtrack ingest`` of a generated packing list against its floor.

The floor is what no implementation can avoid: read the file with the fastest reader (python-calamine; csv
module for csv), insert the same serial units and one receipt per unit into an empty database with the same
schema and indexes (driver executemany), and write the same rows as a workbook with xlsxwriter in constant
memory mode. The end-to-end run is a real ``serialtrack ingest`` process (read, validate, post, write the
posted workbook); its peak memory is the child's max RSS.

    python benchmarks/run.py --sizes 10000 100000 --formats xlsx csv

Prints one row per size and format: floor, end to end, ratio, peak MB; then a serial lookup's time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

from serialtrack.ingest.serials import parse_cell  # noqa: E402
from serialtrack.ledger import schema as t  # noqa: E402
from serialtrack.ledger.db import open_engine  # noqa: E402
from serialtrack.ledger.sql import bulk_insert  # noqa: E402


def _rows(path: Path) -> list[list[object]]:
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle))
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def floor_seconds(path: Path, work: Path) -> float:
    started = time.perf_counter()
    rows = _rows(path)[5:]
    serials = [u.serial for r in rows for u in parse_cell(r[4], None).units]
    engine = open_engine(f"sqlite:///{work / 'floor.db'}")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO items (id, code, serialized, track_mfr_lot, created_at, updated_at) "
                             "VALUES (1, 'X', 1, 0, '2026-01-01', '2026-01-01')")
        conn.exec_driver_sql("INSERT INTO offices (id, name, receiving_bin, return_bin, created_at) "
                             "VALUES (1, 'Main', 'R', 'X', '2026-01-01')")
        conn.exec_driver_sql("INSERT INTO batches (id, file_name, sha256, status, started_at) "
                             "VALUES (1, 'f', 'x', 'posted', '2026-01-01')")
        conn.exec_driver_sql("INSERT INTO lots (id, document, item_id, office_id, batch_id, received_date, "
                             "qty_ordered, qty_received, qty_used, unit_cost) "
                             "VALUES (1, 'PO-1', 1, 1, 1, '2026-01-01', 1, 1, 0, 1)")
        bulk_insert(conn, t.serial_units, ("id", "item_id", "serial", "status", "lot_id"),
                    ((i + 1, 1, s, "in_stock", 1) for i, s in enumerate(serials)))
        bulk_insert(conn, t.transactions, ("batch_id", "type", "item_id", "serial_unit_id", "qty", "occurred_on",
                                           "created_at"),
                    ((1, "receipt", 1, i + 1, 1, now.date(), now) for i in range(len(serials))))
    engine.dispose()
    wb = xlsxwriter.Workbook(str(work / "floor.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    for r, serial in enumerate(serials):
        ws.write_string(r, 0, serial)
        ws.write_string(r, 1, "BENCH-CAM")
        ws.write_string(r, 2, "PO-90001")
    wb.close()
    return time.perf_counter() - started


def serialtrack(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("SERIALTRACK_DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        env["SERIALTRACK_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    return subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), *args], env=env,
                          capture_output=True, text=True, check=False)


def end_to_end(work: Path, serials: int, fmt: str) -> tuple[float, float, float]:
    items, po, pl = generate(work / "files", serials, fmt)
    home = work / "home"
    for path, kind in ((items, "items"), (po, "purchase_orders")):
        serialtrack(home, "ingest", "--kind", kind, str(path))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = serialtrack(home, "ingest", str(pl))
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"ingest failed:\n{result.stdout}\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = max(peak, before) / 1024
    started = time.perf_counter()
    lookup = serialtrack(home, "serial", "SN000000042", "--json")
    lookup_seconds = time.perf_counter() - started
    if lookup.returncode != 0:
        raise SystemExit(lookup.stderr)
    return seconds, peak_mb, lookup_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["xlsx", "csv"], choices=["xlsx", "csv"])
    args = parser.parse_args()
    print(f"{'serials':>9} {'fmt':>4} {'floor s':>8} {'e2e s':>8} {'ratio':>6} {'peak MB':>8} {'serial cmd s':>12}")
    for size in args.sizes:
        for fmt in args.formats:
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                e2e, peak, lookup = end_to_end(work, size, fmt)
                floor = floor_seconds(next((work / "files").glob(f"packing-list-*.{fmt}")), work)
                print(f"{size:>9} {fmt:>4} {floor:>8.2f} {e2e:>8.2f} {e2e / floor:>6.2f} {peak:>8.0f} {lookup:>12.2f}",
                      flush=True)


if __name__ == "__main__":
    main()

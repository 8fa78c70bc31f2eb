"""Lookup benchmark: a 100,000-serial question against a 1M-unit ledger, beside posting a 100,000-serial receipt.

The ledger is ``bench_reconcile.py``'s (1,000 lots of 1,000 units, 20 items, 4 offices, receipts, shipments,
returns, a count), built in a child of its own. Then, each as a real ``serialtrack ingest`` child process with
its peak RSS from ``os.wait4``:

* **lookup**: an xlsx with one serial per row, 100,000 rows (90% of them units of the ledger spread over all its
  lots, 10% unknown numbers that differ from a ledger serial only by leading zeros, so the near-match search
  runs too), dropped as ``lookups``: the answer workbook with one row per serial and the History sheet;
* **receipt**: an xlsx with one serial per row, 100,000 new serials on one PO line, posted as ``receiving``.

    python benchmarks/bench_lookups.py [--units 1000000] [--ask 100000] [--keep DIR]
    BENCH_DATABASE_URL=postgresql+psycopg://... python benchmarks/bench_lookups.py

Prints both times, both peaks and the ratio lookup / receipt (issue 17's target: under 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import child  # noqa: E402


def _sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("Scans")
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    book.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--ask", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the home here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp) / "home"
        home.mkdir(parents=True, exist_ok=True)
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{home / 'serialtrack.db'}"
        env = {**os.environ, "SERIALTRACK_DATABASE_URL": url}
        started = time.perf_counter()
        build = [sys.executable, str(Path(__file__).with_name("bench_reconcile.py")), "--units", str(args.units),
                 "--build-only", url]
        json.loads(subprocess.run(build, check=True, capture_output=True, text=True).stdout)
        print(f"built {args.units:,} units: {time.perf_counter() - started:.1f} s", flush=True)
        subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "init"], env=env, check=True,
                       capture_output=True)

        step = max(args.units // args.ask, 1)
        known = [f"SN{(n * step) % args.units:09d}" for n in range(args.ask * 9 // 10)]
        unknown = [str(n * 7 + 1) for n in range(args.ask - len(known))]  # numeric, no such unit: near-match search
        question = _sheet(home / "question.xlsx", ["Serial Number"], [[s] for s in known + unknown])
        seconds, peak, out = child([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest",
                                     str(question), "--kind", "lookups", "--json"], env)
        answer = json.loads(out)
        assert answer["status"] == "answered", answer
        print(f"lookup of {args.ask:,} serials: {seconds:.2f} s, peak RSS {peak:.0f} MB, found "
              f"{answer['counts']['found']:,}, not found {answer['counts']['not_found']:,}", flush=True)

        po = _sheet(home / "po.xlsx", ["PO", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
                    [["BENCH-PO", "Bench Vendor", "Office 1", "ITEM-001", args.ask, 10]])
        subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", str(po), "--kind",
                        "purchase_orders"], env=env, check=True, capture_output=True)
        receipt = _sheet(home / "receipt.xlsx", ["PO", "Item", "Serial", "Received Date"],
                         [["BENCH-PO", "ITEM-001", f"NEW{n:09d}", "2026-11-25"] for n in range(args.ask)])
        r_seconds, r_peak, r_out = child([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest",
                                           str(receipt), "--kind", "receiving", "--json"], env)
        posted = json.loads(r_out)
        assert posted["status"] == "posted", str(posted["errors"][:3])[:2000]
        print(f"receipt of {args.ask:,} serials: {r_seconds:.2f} s, peak RSS {r_peak:.0f} MB", flush=True)
        print(f"lookup / receipt: {seconds / r_seconds:.2f}x (target < 2x)")


if __name__ == "__main__":
    main()

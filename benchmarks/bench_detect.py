"""Kind detection against the row count (issue 18: detection reads only the header zones it needs, so its cost
does not grow with the file). Generates one-serial-per-row packing lists of each size, reads each once, then
times ``detect_kind`` over the read sheets (the median of a few calls) and prints it beside the row count.

    python benchmarks/bench_detect.py --rows 10000 100000 1000000 --format csv

A flat column of milliseconds is the target; a column that grows with the rows means a detection step walks
the data rows.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    from serialtrack.ingest.reader import detect_kind
    from serialtrack.ingest.workbook import read_grids
    from serialtrack.kinds.registry import FIELD_SPECS

    print(f"{'rows':>10}  {'detected':>10}  {'detect ms':>9}  (median of {args.repeat})")
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="serialtrack-detect-") as tmp:
            out = Path(tmp)
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--serials", str(rows), "--format",
                            args.format, "--shape", "one-per-row", "--out", str(out)], check=True,
                           capture_output=True)
            path = out / f"packing-list-one-per-row-{rows}.{args.format}"
            grids = read_grids(path).sheets
            times = []
            kind = None
            for _ in range(args.repeat):
                started = time.perf_counter()
                kind, _issues = detect_kind(grids, path.name, None, FIELD_SPECS)
                times.append(time.perf_counter() - started)
            print(f"{sum(len(g.rows) for g in grids):>10,}  {kind or '-':>10}  "
                  f"{statistics.median(times) * 1000:>9.2f}", flush=True)


if __name__ == "__main__":
    main()

"""Serials parsed per second by ``serialtrack.ingest.serials`` for one million serials, written four ways.

    python benchmarks/bench_serials.py [--serials 1000000] [--repeat 3]

- ``one per row``: one serial per cell, one ``parse_cells`` call per row (the shape the pipeline calls);
- ``one per cell, one call``: the same cells handed to a single ``parse_cells`` call;
- ``comma lists``: cells of 100 serials separated by ``, ``, one call per cell;
- ``spans``: cells ``SN000000000...SN000000999`` of 1,000 serials, checked against a quantity of 1,000;
- ``numeric one per row``: 15-digit IMEI-like numbers, with the lost-leading-zero width check on.

Prints the best of ``--repeat`` runs per case (inputs are built before timing; the time includes creating the
``SerialUnit`` objects and the duplicate check). Results are recorded in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
from collections.abc import Callable

from serialtrack.ingest.serials import SerialPolicy, parse_cells
from serialtrack.records import CellValue, Source

SOURCE = Source("bench.xlsx", "Packing List", 2, 5)
Cells = list[tuple[CellValue, Source | None]]


def per_row(rows: Cells, *, width: int | None = None) -> Callable[[], int]:
    def run() -> int:
        return sum(len(parse_cells([row], width=width).units) for row in rows)

    return run


def one_call(cells: Cells, *, expected_qty: int | None = None) -> Callable[[], int]:
    policy = SerialPolicy(max_expansion=max(1_000_000, len(cells)))

    def run() -> int:
        return len(parse_cells(cells, policy=policy, expected_qty=expected_qty).units)

    return run


def per_cell(cells: Cells, *, expected_qty: int | None = None) -> Callable[[], int]:
    def run() -> int:
        return sum(len(parse_cells([cell], expected_qty=expected_qty).units) for cell in cells)

    return run


def cases(n: int) -> dict[str, Callable[[], int]]:
    singles: Cells = [(f"SN{i:09d}", SOURCE) for i in range(n)]
    lists: Cells = [(", ".join(f"SN{j:09d}" for j in range(i, min(i + 100, n))), SOURCE) for i in range(0, n, 100)]
    spans: Cells = [(f"SN{i:09d}...SN{min(i + 999, n - 1):09d}", SOURCE) for i in range(0, n, 1000)]
    imeis: Cells = [(f"{354844940000000 + i}", SOURCE) for i in range(n)]
    return {
        "one per row": per_row(singles),
        "one per cell, one call": one_call(singles),
        "comma lists (100 per cell)": per_cell(lists),
        "spans (1,000 per cell)": per_cell(spans, expected_qty=1000),
        "numeric one per row, width 15": per_row(imeis, width=15),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serials", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.serials:,} serials, "
          f"best of {args.repeat}")
    for name, run in cases(args.serials).items():
        best = float("inf")
        for _ in range(args.repeat):
            gc.collect()
            started = time.perf_counter()
            produced = run()
            best = min(best, time.perf_counter() - started)
        assert produced == args.serials, (name, produced)
        print(f"{name:32} {best:6.2f} s  {args.serials / best:>12,.0f} serials/s")


if __name__ == "__main__":
    main()

"""Realistic packing lists for benchmarks: a vendor title block, aliased headers, rows that mix one serial
per row, comma lists and spans; xlsx (xlsxwriter, constant memory) or csv.

    python benchmarks/generate.py --serials 100000 --format xlsx --out /tmp/bench

writes the master data (items, PO) and the packing list, and prints their paths.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import xlsxwriter

ITEM, PO = "BENCH-CAM", "90001"
HEADER = ["Line", "Part #", "Description", "Exp Qty", "Serial Number", "Bin"]


SHAPES = ("one-per-row", "mixed")


def packing_rows(serials: int, *, prefix: str = "SN", shape: str = "mixed") -> list[list[object]]:
    """Rows holding exactly ``serials`` serials. ``mixed``: 80% one per row, 10% in lists of 10, 10% in spans
    of 100 (about 8,500 rows for 100k serials); ``one-per-row``: one serial per row, as a scan log has them."""
    if shape == "one-per-row":
        return [[n + 1, ITEM, "IP camera", 1, f"{prefix}{n:09d}", "A-03"] for n in range(serials)]
    rows: list[list[object]] = []
    n = 0
    block = 0
    while n < serials:
        left = serials - n
        kind = block % 10
        if kind == 8 and left >= 10:  # a list of ten in one cell
            cell = ", ".join(f"{prefix}{n + i:09d}" for i in range(10))
            rows.append([len(rows) + 1, ITEM, "IP camera", 10, cell, "A-01"])
            n += 10
        elif kind == 9 and left >= 100:  # a span of a hundred
            rows.append([len(rows) + 1, ITEM, "IP camera", 100, f"{prefix}{n:09d}...{prefix}{n + 99:09d}", "A-02"])
            n += 100
        else:
            rows.append([len(rows) + 1, ITEM, "IP camera", 1, f"{prefix}{n:09d}", "A-03"])
            n += 1
        block += 1
    return rows


TITLE = [["ACME COMPONENTS LTD - PACKING LIST"], ["PO #:", PO], ["Packing List", "PL-BENCH"], []]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Packing List")
    r = 0
    for line in TITLE + [HEADER]:
        ws.write_row(r, 0, line)
        r += 1
    for row in rows:
        ws.write_number(r, 0, row[0])  # type: ignore[arg-type]
        ws.write_string(r, 1, str(row[1]))
        ws.write_string(r, 2, str(row[2]))
        ws.write_number(r, 3, row[3])  # type: ignore[arg-type]
        ws.write_string(r, 4, str(row[4]))
        ws.write_string(r, 5, str(row[5]))
        r += 1
    wb.close()
    return path


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for line in TITLE:
            writer.writerow(line)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_master(folder: Path, serials: int) -> tuple[Path, Path]:
    items = folder / "items.csv"
    with open(items, "w", newline="") as handle:
        csv.writer(handle).writerows([["Item Code", "Description", "Serialized", "Est Unit Cost"],
                                      [ITEM, "IP camera", "Y", "100"]])
    po = folder / "po.csv"
    with open(po, "w", newline="") as handle:
        csv.writer(handle).writerows([["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
                                      [PO, "Acme", "Main", ITEM, str(serials), "95.5"]])
    return items, po


def generate(folder: Path, serials: int, fmt: str, shape: str = "mixed") -> tuple[Path, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    items, po = write_master(folder, serials)
    rows = packing_rows(serials, shape=shape)
    name = folder / f"packing-list-{shape}-{serials}.{fmt}"
    pl = write_xlsx(name, rows) if fmt == "xlsx" else write_csv(name, rows)
    return items, po, pl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serials", type=int, default=100_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--shape", choices=SHAPES, default="mixed")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args()
    for path in generate(args.out, args.serials, args.format, args.shape):
        print(path)


if __name__ == "__main__":
    main()

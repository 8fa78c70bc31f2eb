"""Reconciliation benchmark: ``serialtrack reconcile`` over a ledger of a million serial units.

The ledger is built in bulk (driver executemany through ``serialtrack.ledger.sql.bulk_insert``) to the posting
contract: 1,000 lots of 1,000 units (20 serialized items, 4 offices of 12 bins), one receipt per unit; per
hundred units of a lot 15 shipped in the month (2 of them restocked, 1 scrapped), so 87% stay in stock; one
sales order line per item and office; one office counted three days before the report date (every 1,000th
unit missing, 100 unknown serials). The reconciliation is a real ``serialtrack reconcile`` child process; its
peak memory is that child's max RSS (``os.wait4``).

    python benchmarks/bench_reconcile.py [--units 1000000] [--csv] [--keep DIR] [--date 2026-11-20]

Prints the build time, then the reconcile's wall time, peak RSS, workbook size and rows per sheet, then the
floor: the same rows (the same queries, streamed) written with xlsxwriter alone (constant memory, ``write_row``,
no tables, formats, totals or summary) in a child process of its own, and the ratio of the two. ``--date``
reports on an earlier day, so every balance is replayed from the transaction history (``reconcile_history``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from serialtrack.ledger import schema as t
from serialtrack.ledger.db import open_engine
from serialtrack.ledger.sql import bulk_insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import child as _child  # noqa: E402

DAY = dt.date(2026, 11, 25)
ITEMS, OFFICES, BINS, LOT_SIZE = 20, 4, 10, 1_000
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def _fate(n: int) -> str:
    """What happened to unit n (by its place in its lot, per hundred)."""
    k = n % 100
    if k < 12:
        return "shipped"
    if k < 14:
        return "restocked"
    if k == 14:
        return "scrapped"
    return "in_stock"


def build(url: str, units: int, analyze: bool = True) -> dict[str, Any]:
    engine = open_engine(url)
    lots = units // LOT_SIZE
    bins = {(o, b): o * 100 + b for o in range(1, OFFICES + 1) for b in range(BINS + 2)}  # 0 RECEIVING, 1 RETURNS
    with engine.begin() as conn:
        bulk_insert(conn, t.items, ("id", "code", "description", "serialized", "track_mfr_lot", "created_at",
                                    "updated_at"),
                    ((i, f"ITEM-{i:03d}", f"Bench item {i}", True, False, NOW, NOW) for i in range(1, ITEMS + 1)))
        bulk_insert(conn, t.offices, ("id", "name", "receiving_bin", "return_bin", "created_at"),
                    ((o, f"Office {o}", "RECEIVING", "RETURNS", NOW) for o in range(1, OFFICES + 1)))
        bulk_insert(conn, t.bins, ("id", "office_id", "name"),
                    ((bid, o, "RECEIVING" if b == 0 else "RETURNS" if b == 1 else f"B-{b:02d}")
                     for (o, b), bid in bins.items()))
        bulk_insert(conn, t.batches, ("id", "file_name", "sha256", "kind", "status", "started_at"),
                    [(1, "receipts.xlsx", "1" * 64, "receiving", "posted", NOW),
                     (2, "shipments.xlsx", "2" * 64, "shipping", "posted", NOW),
                     (3, "returns.xlsx", "3" * 64, "returns", "posted", NOW),
                     (4, "count.xlsx", "4" * 64, "counts", "posted", NOW)])
        bulk_insert(conn, t.purchase_orders, ("id", "number", "vendor", "office_id", "order_date", "batch_id"),
                    ((p, str(70000 + p), "Bench Vendor", p % OFFICES + 1, DAY - dt.timedelta(days=p % 300 + 5), 1)
                     for p in range(1, lots + 1)))
        bulk_insert(conn, t.po_lines, ("id", "po_id", "item_id", "qty_ordered", "qty_received", "unit_cost"),
                    ((p, p, p % ITEMS + 1, LOT_SIZE, LOT_SIZE, Decimal(50 + p % 50) + Decimal("0.25"))
                     for p in range(1, lots + 1)))
        used_per_lot = sum(1 for n in range(100) if _fate(n) in ("shipped", "scrapped")) * LOT_SIZE // 100
        bulk_insert(conn, t.lots, ("id", "document", "item_id", "office_id", "po_line_id", "batch_id",
                                   "received_date", "qty_ordered", "qty_received", "qty_used", "unit_cost"),
                    ((p, f"PO-{70000 + p}", p % ITEMS + 1, p % OFFICES + 1, p, 1,
                      DAY - dt.timedelta(days=p % 300 + 1), LOT_SIZE, LOT_SIZE, used_per_lot,
                      Decimal(50 + p % 50) + Decimal("0.25")) for p in range(1, lots + 1)))

        def unit_rows() -> Iterator[tuple[Any, ...]]:
            for u in range(units):
                lot = u // LOT_SIZE + 1
                office, fate = lot % OFFICES + 1, _fate(u % LOT_SIZE)
                bin_id = bins[(office, 1 if fate == "restocked" else u % BINS + 2)]
                status = {"restocked": "in_stock"}.get(fate, fate)
                placed = status == "in_stock"
                yield (u + 1, lot % ITEMS + 1, f"SN{u:09d}", status, office if placed else None,
                       bin_id if placed else None, lot)

        bulk_insert(conn, t.serial_units, ("id", "item_id", "serial", "status", "office_id", "bin_id", "lot_id"),
                    unit_rows())
        shipped: Counter[tuple[int, int]] = Counter()

        def transactions() -> Iterator[tuple[Any, ...]]:
            for u in range(units):
                lot = u // LOT_SIZE + 1
                item, office, fate = lot % ITEMS + 1, lot % OFFICES + 1, _fate(u % LOT_SIZE)
                cost = Decimal(50 + lot % 50) + Decimal("0.25")
                received = DAY - dt.timedelta(days=lot % 300 + 1)
                shelf = bins[(office, u % BINS + 2)]
                yield (1, "receipt", item, u + 1, lot, office, shelf, 1, cost, f"PO-{70000 + lot}", received,
                       _at(received), "receipts.xlsx", "Packing List", u % 50_000 + 2, None)
                if fate == "in_stock":
                    continue
                ship_day = DAY - dt.timedelta(days=u % 23)
                shipped[(item, office)] += 1
                so = f"{item:03d}-{office}"
                yield (2, "shipment", item, u + 1, lot, office, shelf, 1, cost, f"SO-{so}", ship_day,
                       _at(ship_day), "shipments.xlsx", "Shipped", u % 50_000 + 2, None)
                if fate in ("restocked", "scrapped"):
                    back = min(ship_day + dt.timedelta(days=1), DAY)
                    note = "restock" if fate == "restocked" else "scrap"
                    yield (3, "return", item, u + 1, lot, office, bins[(office, 1)] if note == "restock" else None,
                           1, cost, f"SO-{so}", back, _at(back), "returns.xlsx", "Returns", u % 50_000 + 2, note)

        bulk_insert(conn, t.transactions, ("batch_id", "type", "item_id", "serial_unit_id", "lot_id", "office_id",
                                           "bin_id", "qty", "unit_cost", "document", "occurred_on", "created_at",
                                           "source_file", "source_sheet", "source_row", "note"), transactions())
        orders = sorted(shipped)
        bulk_insert(conn, t.sales_orders, ("id", "number", "customer", "office_id", "batch_id"),
                    ((n, f"{item:03d}-{office}", "Bench Customer", office, 2)
                     for n, (item, office) in enumerate(orders, start=1)))
        bulk_insert(conn, t.so_lines, ("id", "so_id", "item_id", "qty_ordered", "qty_shipped", "unit_price"),
                    ((n, n, item, shipped[(item, office)] + 10, shipped[(item, office)], Decimal("99.00"))
                     for n, (item, office) in enumerate(orders, start=1)))
        counted = DAY - dt.timedelta(days=3)
        counts = conn.exec_driver_sql(
            "SELECT su.item_id, su.serial, b.name FROM serial_units su JOIN bins b ON b.id = su.bin_id "
            "WHERE su.status = 'in_stock' AND su.office_id = 1 ORDER BY su.id").all()
        rows = [(4, 1, name, item, serial, counted, 1, "Count", i + 2)
                for i, (item, serial, name) in enumerate(counts) if i % 1000]
        rows += [(4, 1, "B-02", 1, f"XX{n:07d}", counted, 1, "Count", len(counts) + n + 2) for n in range(100)]
        bulk_insert(conn, t.counts, ("batch_id", "office_id", "bin", "item_id", "serial", "count_date", "scans",
                                     "source_sheet", "source_row"), rows)
    if analyze and engine.dialect.name == "postgresql":
        # What autovacuum does to a live ledger; right after a bulk load the planner has no statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"lots": lots, "counted": len(rows)}


def floor(url: str, day: dt.date, target: Path) -> None:
    """The floor (run in a child): the reconciliation's rows from the same queries, written by xlsxwriter alone."""
    import xlsxwriter

    from serialtrack.exporters.reconciliation_sheets import data_sheets
    from serialtrack.ledger.reconcile_queries import Period, snapshot

    engine = open_engine(url)
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    with snapshot(engine) as conn:
        for sheet in data_sheets(conn, Period.month_to_date(day)):
            ws = book.add_worksheet(sheet.title)
            ws.write_row(0, 0, [c.header for c in sheet.columns])
            for index, row in enumerate(sheet.rows, start=1):
                ws.write_row(index, 0, [getattr(v, "cached", v) if not isinstance(v, Decimal) else float(v)
                                        for v in row])
    book.close()




def reconcile(home: Path, url: str, with_csv: bool, day: dt.date = DAY) -> tuple[float, float, dict[str, Any]]:
    """Run ``serialtrack reconcile`` as a child; its own peak RSS comes from ``wait4`` on that child alone."""
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": url}
    args = [sys.executable, "-m", "serialtrack", "--home", str(home), "reconcile", "--date", day.isoformat(),
            "--json"] + (["--csv"] if with_csv else [])
    seconds, peak, out = _child(args, env)
    return seconds, peak, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--csv", action="store_true", help="also write the CSV folder")
    parser.add_argument("--keep", type=Path, help="build the home here and keep it")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: leave the planner without statistics after the bulk load")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=DAY,
                        help="report date (default 2026-11-25; earlier dates replay the history)")
    parser.add_argument("--build-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--floor-only", nargs=2, metavar=("URL", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:
        floor(args.floor_only[0], args.date, Path(args.floor_only[1]))
        return
    if args.build_only:
        print(json.dumps(build(args.build_only, args.units, analyze=not args.no_analyze)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp) / "home"
        home.mkdir(parents=True, exist_ok=True)
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{home / 'serialtrack.db'}"
        started = time.perf_counter()
        # Built in a child of its own: a parent grown by the build would inflate the measured child's RSS
        # (the child's max RSS counts the parent's pages it starts with, before exec).
        command = [sys.executable, __file__, "--units", str(args.units), "--build-only", url]
        built = json.loads(subprocess.run(command + (["--no-analyze"] if args.no_analyze else []),
                                          check=True, capture_output=True, text=True).stdout)
        print(f"built {args.units:,} units in {built['lots']:,} lots, {built['counted']:,} count rows: "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        seconds, peak, out = reconcile(home, url, args.csv, args.date)
        size = Path(out["workbook"]).stat().st_size / 1024 / 1024
        print(f"reconcile --date {args.date}: {seconds:.1f} s, peak RSS {peak:.0f} MB, workbook {size:.1f} MB",
              flush=True)
        for sheet in out["sheets"]:
            print(f"  {', '.join(sheet['sheets']):<40} {sheet['rows']:>10,} rows")
        plain = home / "floor.xlsx"
        floor_s, floor_peak, _ = _child([sys.executable, __file__, "--date", args.date.isoformat(),
                                         "--floor-only", url, str(plain)], dict(os.environ))
        print(f"floor (same rows, same queries, xlsxwriter alone): {floor_s:.1f} s, peak RSS {floor_peak:.0f} MB, "
              f"{plain.stat().st_size / 1024 / 1024:.1f} MB")
        print(f"reconcile / floor: {seconds / floor_s:.2f}x")


if __name__ == "__main__":
    main()

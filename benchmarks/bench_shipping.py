"""Shipping against a large ledger, and a serial lookup's query time.

Builds a ledger holding ``--ledger`` serial units (default 1,000,000) directly with bulk inserts (the receiving
path is measured by run.py), adds a sales order, then times a real ``serialtrack ingest`` of a shipping sheet
of ``--ship`` serials (default 100,000) and the query behind ``serialtrack serial`` on that ledger. For
comparison it then receives the same sheet (the same serials, one per row, with a PO instead of the SO) into an
empty ledger. Each ``serialtrack`` run is a child process; its peak RSS is that child's alone (``os.wait4``).

    python benchmarks/bench_shipping.py --ledger 1000000 --ship 100000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import PO, write_master  # noqa: E402
from measure import child  # noqa: E402

from serialtrack.ledger import queries  # noqa: E402
from serialtrack.ledger import schema as t  # noqa: E402
from serialtrack.ledger.db import open_engine  # noqa: E402
from serialtrack.ledger.lookups import units_for  # noqa: E402
from serialtrack.ledger.sql import bulk_insert  # noqa: E402

ITEM, SO = "BENCH-CAM", "S-1"


def build_ledger(home: Path, units: int, ship: int) -> None:
    engine = open_engine(f"sqlite:///{home / 'serialtrack.db'}")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(t.items.insert().values(id=1, code=ITEM, serialized=True, created_at=now, updated_at=now))
        conn.execute(t.offices.insert().values(id=1, name="Main", receiving_bin="RECEIVING", return_bin="RETURNS",
                                               created_at=now))
        conn.execute(t.bins.insert().values(id=1, office_id=1, name="RECEIVING"))
        conn.execute(t.bins.insert().values(id=2, office_id=1, name="RETURNS"))
        conn.execute(t.batches.insert().values(id=1, file_name="seed", sha256="0" * 64, kind="receiving",
                                               status="posted", started_at=now))
        conn.execute(t.purchase_orders.insert().values(id=1, number="1", office_id=1))
        conn.execute(t.po_lines.insert().values(id=1, po_id=1, item_id=1, qty_ordered=units, qty_received=units,
                                                unit_cost=10))
        conn.execute(t.lots.insert().values(id=1, document="PO-1", item_id=1, office_id=1, po_line_id=1, batch_id=1,
                                            received_date=now.date(), qty_ordered=units, qty_received=units,
                                            qty_used=0, unit_cost=10))
        bulk_insert(conn, t.serial_units, ("id", "serial"), ((i + 1, f"SN{i:09d}") for i in range(units)),
                    constant={"item_id": 1, "status": "in_stock", "office_id": 1, "bin_id": 1, "lot_id": 1})
        bulk_insert(conn, t.transactions, ("serial_unit_id",), ((i + 1,) for i in range(units)),
                    constant={"batch_id": 1, "type": "receipt", "item_id": 1, "lot_id": 1, "office_id": 1,
                              "bin_id": 1, "qty": 1, "unit_cost": 10, "document": "PO-1",
                              "occurred_on": now.date(), "created_at": now})
        conn.execute(t.sales_orders.insert().values(id=1, number=SO, office_id=1))
        conn.execute(t.so_lines.insert().values(id=1, so_id=1, item_id=1, qty_ordered=ship, unit_price=20))
    engine.dispose()


def lookup_ms(home: Path, samples: int = 50) -> float:
    engine = open_engine(f"sqlite:///{home / 'serialtrack.db'}")
    times = []
    for i in range(samples):
        started = time.perf_counter()
        serial = f"SN{(i * 7919) % 1000:09d}"
        with engine.connect() as conn:  # what ``serialtrack serial`` asks: the unit's facts, then its history
            [unit] = units_for(conn, [serial])[serial]
        queries.serial_history(engine, unit.id)
        times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--ship", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        build_ledger(home, args.ledger, args.ship)
        print(f"ledger of {args.ledger:,} units built in {time.perf_counter() - started:.1f} s")
        print(f"serial lookup (match + history), median of 50: {lookup_ms(home):.2f} ms")
        sheet = home / "ship.csv"
        with open(sheet, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["SO #", "Item", "Qty", "Serials"])
            writer.writerows([SO, ITEM, 1, f"SN{i:09d}"] for i in range(0, args.ship * 3, 3))
        env = {k: v for k, v in os.environ.items() if k != "SERIALTRACK_DATABASE_URL"}
        seconds, peak, _ = child([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", "--kind",
                                  "shipping", str(sheet)], env)
        print(f"shipping {args.ship:,} serials against {args.ledger:,}: {seconds:.2f} s end to end, "
              f"peak {peak:.0f} MB", flush=True)
        receiving = Path(tmp) / "receiving"
        receiving.mkdir()
        items, po = write_master(receiving, args.ship)
        for path, kind in ((items, "items"), (po, "purchase_orders")):
            child([sys.executable, "-m", "serialtrack", "--home", str(receiving), "ingest", "--kind", kind,
                   str(path)], env)
        received = receiving / "receive.csv"
        with open(received, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["PO #", "Item", "Qty", "Serials"])
            writer.writerows([PO, ITEM, 1, f"SN{i:09d}"] for i in range(0, args.ship * 3, 3))
        r_seconds, r_peak, _ = child([sys.executable, "-m", "serialtrack", "--home", str(receiving), "ingest",
                                      "--kind", "receiving", str(received)], env)
        print(f"receiving the same {args.ship:,} serials into an empty ledger: {r_seconds:.2f} s, peak "
              f"{r_peak:.0f} MB; shipping / receiving: {seconds / r_seconds:.2f}x")



if __name__ == "__main__":
    main()

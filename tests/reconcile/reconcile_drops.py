"""The golden scenario as a clerk makes it: workbooks dropped through the real pipeline, one by one.

Files go through ``pipeline.process_file`` (what ``serialtrack ingest`` and the watcher call) over a context
whose clock the test sets, so posting times are part of the scenario and the golden dump is stable. Each file
is posted on its business date at 10:00 UTC; the reconciliation runs on 2026-11-25 at 23:30 UTC.

November 2026, report date 2026-11-25 (COGS period 2026-11-01 to 2026-11-25):

* items CAM-100 (serialized camera), CBL-5 (cable, not serialized), KIT-9 (serialized; its description
  looks like a formula: text from a file must never run);
* POs: 60006 (Main) 5 CAM-100 at 120.50 and 100 CBL-5 at 2.25; 60007 (Annex) 3 CAM-100 at 125.00, 2 received
  (open); 60008 (Main) 10 CBL-5 at 2.30, 12 received under a 20% over-receipt tolerance (over-received);
  60009 (Main) 2 KIT-9 at 10.00, received on the report date;
* SO 5001 (Main): CAM-100 00042, 00043, 00044 and 40 CBL-5 shipped 2026-11-10; 00043 returned to stock and
  00044 scrapped 2026-11-12; SO 5002 (Main, customer ``@Fabrikam``): 2 CAM-100, 00045 shipped on the report
  date (open);
* count of Main on 2026-11-20: 00043 (RETURNS), 00045 (A-01), 99999 (unknown); 00046 (A-01) is missing.

Who dropped each file (the Activity sheet's Dropped By): master data belongs to uid 4201, group 4200
(purchasing), the warehouse's files to uid 4301, group 4300: numeric ids that name nobody, so the dump is the
same on every machine. Files are given to them only when the tests run as root (as in CI); otherwise they
belong to whoever runs the tests, and the golden test leaves that column out.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from support.books import workbook

from serialtrack.service.context import Context, open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.pipeline import process_file

DAY = dt.date(2026, 11, 25)
RUN_AT = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


D = dt.date

#: (file name, kind, business date, header, rows) in posting order.
FILES: list[tuple[str, str, dt.date, list[str], list[list[Any]]]] = [
    ("items.xlsx", "items", D(2026, 10, 27), ["Item Code", "Description", "Serialized"],
     [["CAM-100", "IP camera", "Y"], ["CBL-5", "Cable 5 m", "N"], ["KIT-9", "+1 kit, 9 parts", "Y"]]),
    ("purchase-orders.xlsx", "purchase_orders", D(2026, 10, 28),
     ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost", "Order Date"],
     [["60006", "ACME Components", "Main", "CAM-100", 5, 120.5, D(2026, 10, 28)],
      ["60006", "ACME Components", "Main", "CBL-5", 100, 2.25, D(2026, 10, 28)],
      ["60007", "ACME Components", "Annex", "CAM-100", 3, 125, D(2026, 10, 30)],
      ["60008", "-Cables & Co", "Main", "CBL-5", 10, 2.3, None],
      ["60009", "Kits Ltd", "Main", "KIT-9", 2, 10, None]]),
    ("sales-orders.xlsx", "sales_orders", D(2026, 11, 5),
     ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price", "Order Date"],
     [["5001", "Contoso", "Main", "CAM-100", 3, 199, D(2026, 11, 5)],
      ["5001", "Contoso", "Main", "CBL-5", 40, 5, D(2026, 11, 5)],
      ["5002", "@Fabrikam", "Main", "CAM-100", 2, 205, D(2026, 11, 20)]]),
    ("PL-0425.xlsx", "receiving", D(2026, 11, 2), ["PO", "Item", "Qty", "Serials", "Bin", "Received Date", "Mfr Lot"],
     [["60006", "CAM-100", 5, "00042...00046", "A-01", D(2026, 11, 2), "M-7"],
      ["60006", "CBL-5", 100, None, None, D(2026, 11, 2), None]]),
    ("PL-0430.xlsx", "receiving", D(2026, 11, 3), ["PO", "Item", "Qty", "Serials", "Received Date"],
     [["60007", "CAM-100", 2, "SN0100, SN0101", D(2026, 11, 3)]]),
    ("=PL-0431.xlsx", "receiving", D(2026, 11, 4), ["PO", "Item", "Qty", "Received Date"],
     [["60008", "CBL-5", 12, D(2026, 11, 4)]]),
    ("SHIP-5001.xlsx", "shipping", D(2026, 11, 10), ["SO #", "Item", "Qty", "Serials", "Ship Date", "Carrier"],
     [["5001", "CAM-100", 3, "00042, 00043, 00044", D(2026, 11, 10), "UPS"],
      ["5001", "CBL-5", 40, None, D(2026, 11, 10), "UPS"]]),
    ("RET-5001.xlsx", "returns", D(2026, 11, 12), ["SO", "Item", "Serial", "Disposition", "Reason", "Return Date"],
     [["5001", "CAM-100", "00043", "restock", "box dented", D(2026, 11, 12)],
      ["5001", "CAM-100", "00044", "scrap", None, D(2026, 11, 12)]]),
    ("COUNT-MAIN.xlsx", "counts", D(2026, 11, 20), ["Office", "Bin", "Item", "Serial", "Count Date"],
     [["Main", "RETURNS", "CAM-100", "00043", D(2026, 11, 20)],
      ["Main", "A-01", "CAM-100", "00045", D(2026, 11, 20)],
      ["Main", "A-01", "CAM-100", "99999", D(2026, 11, 20)]]),
    ("PL-0440.xlsx", "receiving", DAY, ["PO", "Item", "Qty", "Serials", "Received Date"],
     [["60009", "KIT-9", 2, "1E5, 134593568", DAY]]),
    ("SHIP-5002.xlsx", "shipping", DAY, ["SO #", "Item", "Qty", "Serials", "Ship Date"],
     [["5002", "CAM-100", 1, "00045", DAY]]),
]

CONFIG = "[receiving]\nover_receipt_tolerance_percent = 20\n"

#: (uid, gid) owning each kind's files when the tests run as root
PURCHASING, WAREHOUSE = (4201, 4200), (4301, 4300)
MASTER_DATA = frozenset({"items", "purchase_orders", "sales_orders"})
AS_ROOT = os.geteuid() == 0


def write_files(files_dir: Path,
                files: Sequence[tuple[str, str, dt.date, list[str], list[list[Any]]]] = FILES) -> list[tuple[Path, str]]:
    """The scenario's workbooks, in posting order, with their kinds (owned by purchasing or the warehouse)."""
    written = []
    for name, kind, _, header, rows in files:
        path = workbook(files_dir / name, header, rows, sheet=kind.replace("_", " ").title())
        if AS_ROOT:
            os.chown(path, *(PURCHASING if kind in MASTER_DATA else WAREHOUSE))
        written.append((path, kind))
    return written


def drop_history(root: Path, files_dir: Path,
                 files: Sequence[tuple[str, str, dt.date, list[str], list[list[Any]]]] = FILES) -> Context:
    """A home at ``root`` with every file of ``files`` posted; returns its context, clock at ``RUN_AT``."""
    home = Home(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "serialtrack.toml").write_text(CONFIG, encoding="utf-8")
    init_home(home)
    clock = Clock(RUN_AT)
    ctx = open_context(home, clock=clock)
    for (path, kind), (_, _, day, _, _) in zip(write_files(files_dir, files), files, strict=True):
        clock.now = _at(day)
        outcome = process_file(ctx, path, kind=kind)
        assert outcome.status == "posted", (path.name, [str(e) for e in outcome.errors])
    clock.now = RUN_AT
    return ctx

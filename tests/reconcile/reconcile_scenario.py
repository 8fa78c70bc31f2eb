"""The scripted history of the reconciliation tests, written through :class:`LedgerWriter`.

November 2026, report date 2026-11-25 (COGS period 2026-11-01 to 2026-11-25):

* items CAM-100 (serialized IP camera), CBL-5 (cable, not serialized) and KIT-9 (serialized, with a
  description that looks like a formula: text from a file must never run);
* offices Main (bins RECEIVING, RETURNS, A-01) and Annex;
* PO 60006 (Main): 5 CAM-100 at 120.50 and 100 CBL-5 at 2.25, all received 2026-11-02; PO 60007 (Annex):
  3 CAM-100 at 125.00, 2 received 2026-11-03 (open); PO 60008 (Main): 10 CBL-5 at 2.30, 12 received
  (over-received); PO 60009 (Main): 2 KIT-9 at 10.00, both received on the report date;
* SO 5001 (Main): CAM-100 00042, 00043, 00044 and 40 CBL-5 shipped 2026-11-10; 00043 returned to stock and
  00044 scrapped 2026-11-12; SO 5002 (Main): 2 CAM-100 ordered, 00045 shipped on the report date (open);
* count of Main on 2026-11-20: 00043 (RETURNS), 00045 (A-01), 99999 (unknown); 00046 (A-01) is missing.
"""

from __future__ import annotations

import datetime as dt

from reconcile_ledger import LedgerWriter
from sqlalchemy import Engine

DAY = dt.date(2026, 11, 25)
D = dt.date


def build_history(engine: Engine) -> LedgerWriter:
    w = LedgerWriter(engine)
    w.item("CAM-100", "IP camera")
    w.item("CBL-5", "Cable 5 m", serialized=False)
    w.item("KIT-9", "=HYPERLINK(\"http://x\",\"kit\")")
    w.office("Main", "A-01")
    w.office("Annex")
    w.po("60006", "ACME Components", "Main", [("CAM-100", 5, "120.50"), ("CBL-5", 100, "2.25")], D(2026, 10, 28))
    w.po("60007", "ACME Components", "Annex", [("CAM-100", 3, "125.00")], D(2026, 10, 30))
    w.po("60008", "-Cables & Co", "Main", [("CBL-5", 10, "2.30")])
    w.po("60009", "Kits Ltd", "Main", [("KIT-9", 2, "10.00")])
    w.so("5001", "Contoso", "Main", [("CAM-100", 3, "199.00"), ("CBL-5", 40, "5.00")], D(2026, 11, 5))
    w.so("5002", "@Fabrikam", "Main", [("CAM-100", 2, "205.00")], D(2026, 11, 20))
    w.receive("PL-0425.xlsx", "60006", "CAM-100", D(2026, 11, 2), bin_name="A-01",
              serials=["00042", "00043", "00044", "00045", "00046"], mfr_lot="M-7")
    cable_lot = w.receive("PL-0426.xlsx", "60006", "CBL-5", D(2026, 11, 2), qty=100)
    w.receive("PL-0430.xlsx", "60007", "CAM-100", D(2026, 11, 3), serials=["SN0100", "SN0101"])
    w.receive("=PL-0431.csv", "60008", "CBL-5", D(2026, 11, 4), qty=12)
    w.receive("PL-0440.xlsx", "60009", "KIT-9", DAY, serials=["1E5", "134593568"])
    w.ship("SHIP-5001.xlsx", "5001", "CAM-100", D(2026, 11, 10), serials=["00042", "00043", "00044"])
    w.ship("SHIP-5001b.xlsx", "5001", "CBL-5", D(2026, 11, 10), lots=[(cable_lot, 40)])
    w.return_("RET-5001.xlsx", "5001", "CAM-100", D(2026, 11, 12), [("00043", "restock"), ("00044", "scrap")])
    w.count("COUNT-MAIN.xlsx", "Main", D(2026, 11, 20),
            [("RETURNS", "CAM-100", "00043"), ("A-01", "CAM-100", "00045"), ("A-01", "CAM-100", "99999")])
    w.ship("SHIP-5002.xlsx", "5002", "CAM-100", DAY, serials=["00045"])
    return w

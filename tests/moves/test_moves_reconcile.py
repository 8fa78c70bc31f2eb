"""The accountants' view of moving stock (issue 16): the roll-forward's Adjustments and Vendor Returns columns
carry their values (scrapped less found; returned to the vendor; a reversal in the period takes its value back),
transfers move value between offices and never between items, and the closing still ties to the valuation.
Driven as a clerk would (files dropped through ``ingest``), read back from the workbook an accountant opens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from support.books import workbook


def _table(path: str, title: str, first: str) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book[title].iter_rows(values_only=True))
    finally:
        book.close()
    start = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return [dict(zip(rows[start], r, strict=False)) for r in rows[start + 1:] if r and r[0] and r[0] != "Total"]


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _reconcile(cli: Any) -> str:
    return str(cli.json("reconcile", "--date", dt.date.today().isoformat())["workbook"])


def _roll(path: str, item: str) -> dict[str, Decimal]:
    [line] = [r for r in _table(path, "Roll-forward", "Item") if r["Item"] == item]
    return {k: _money(line[k]) for k in ("Opening Value", "Receipts", "COGS", "Adjustments", "Vendor Returns",
                                         "Reversals", "Closing Value")}


def test_roll_forward__adjustments_vendor_returns_and_transfers(stocked, tmp_path: Path) -> None:
    cli = stocked
    adjust = workbook(tmp_path / "adjust.xlsx", ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Unit Cost"],
                      [["Main", "CAM", "scrap", "cracked", 1, "C1", None],
                       ["Main", "CAM", "found", "behind the rack", 1, "Z9", 50]])
    [scrapped] = cli.ingest(adjust, kind="adjustments", expect=0)
    cli.ingest(workbook(tmp_path / "rtv.xlsx", ["PO", "Item", "Qty", "Serials", "RMA"], [["1", "CAM", 1, "C2", "R-1"]]),
               kind="vendor_returns", expect=0)
    cli.ingest(workbook(tmp_path / "move.xlsx", ["Item", "From Office", "To Office", "Serials"],
                        [["CAM", "Main", "Depot", "C3"]]), kind="transfers", expect=0)

    book = _reconcile(cli)
    # received 4 x 90 + 95 = 455; scrapped 90 less found 50 = 40; returned to the vendor 90; transfers: nothing
    assert _roll(book, "CAM") == {"Opening Value": 0, "Receipts": 455, "COGS": 0, "Adjustments": 40,
                                  "Vendor Returns": 90, "Reversals": 0, "Closing Value": 325}
    by_office = {(r["Item"], r["Office"]): _money(r["Value"]) for r in _table(book, "Valuation", "Item")}
    assert by_office[("CAM", "Main")] == 140  # C4 90 + Z9 50
    assert by_office[("CAM", "Depot")] == 185  # X1 95 + C3 90, moved at its lot's cost

    cli("reverse", str(scrapped["batch"]), expect=0)  # scrap and found undone the same day
    assert _roll(_reconcile(cli), "CAM") == {"Opening Value": 0, "Receipts": 455, "COGS": 0, "Adjustments": 0,
                                             "Vendor Returns": 90, "Reversals": 0, "Closing Value": 365}

"""Golden test of what every kind says back to a clerk: a month of files of all twelve kinds, posted and
refused, dropped through the real pipeline (``pipeline.process_file``, what ``ingest`` and the watcher call)
on a clock the test sets. For each file the golden file holds

* its ``ingest --json`` answer (status, counts, and every error and warning as code, sheet, cell and the exact
  sentence the clerk reads), and
* every cell of the workbook it got back (the receipt, the lookup's answer, or the clerk's own sheet annotated),

so a receipt that loses a column, a sentence that changes its words, or a rule that stops firing fails here,
on SQLite and PostgreSQL alike. Regenerate on purpose, after checking the change is wanted, and review the diff:

    SERIALTRACK_REGEN_GOLDEN=1 pytest tests/service/test_answers_golden.py -k sqlite

A missing or different golden file fails the test; it is written only when that variable is set (the test then
reports itself skipped).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from support.books import workbook
from workbook_checks import dump_cells

from serialtrack.service.context import open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.pipeline import process_file

GOLDEN = Path(__file__).resolve().parent / "golden" / "answers.json"
REGENERATE = os.environ.get("SERIALTRACK_REGEN_GOLDEN") == "1"
D = dt.date

POSTED = "posted"
REJECTED = "rejected"

#: (file name, kind, the day it is dropped, header, rows, what should become of it), in dropping order.
FILES: list[tuple[str, str, dt.date, list[str], list[list[Any]], str]] = [
    ("items.xlsx", "items", D(2026, 10, 27),
     ["Item Code", "Description", "Serialized", "Est Unit Cost", "Track Mfr Lot", "Warranty Months",
      "Vendor Warranty Months", "Check Digit"],
     [["CAM-100", "IP camera", "Y", 110, "N", 24, 12, None], ["CBL-5", "Cable 5 m", "N", 2, "N", None, 6, None],
      ["PMP-1", "Drug pump", "Y", None, "Y", None, None, None], ["PHN-1", "Phone", "Y", 50, "N", None, None, "Luhn"]],
     POSTED),
    ("items-tags.xlsx", "items", D(2026, 10, 27), ["Item Code", "Description", "Serialized", "Next Serial"],
     [["TAG-1", "Asset tag", "Y", "T0001"]], POSTED),
    ("offices.xlsx", "offices", D(2026, 10, 27), ["Office", "Name", "Receiving Bin", "Return Bin"],
     [["Main", "Main warehouse", "RECV", "RETURNS"], ["Depot", "North depot", "D-IN", None]], POSTED),
    ("purchase-orders.xlsx", "purchase_orders", D(2026, 10, 28),
     ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost", "Order Date"],
     [["60006", "ACME Components", "Main", "CAM-100", 5, 120.5, D(2026, 10, 28)],
      ["60006", "ACME Components", "Main", "CBL-5", 100, 2.25, D(2026, 10, 28)],
      ["60007", "ACME Components", "Annex", "CAM-100", 3, 125, D(2026, 10, 30)],
      ["60008", "Pumps Ltd", "Main", "PMP-1", 2, 300, None],
      ["60010", "Tags Inc", "Main", "TAG-1", 4, 1.5, None], ["60011", "Tags Inc", "Main", "CBL-5", 5, None, None],
      ["60011", "Tags Inc", "Main", "PMP-1", 1, None, None]], POSTED),
    ("PL-TAGS.xlsx", "receiving", D(2026, 11, 3), ["PO", "Item", "Qty"], [["60010", "TAG-1", 3], ["60011", "CBL-5", 5]],
     POSTED),
    ("PL-TAGS-2.xlsx", "receiving", D(2026, 11, 4), ["PO", "Item", "Qty"], [["60010", "TAG-1", 1]], POSTED),
    ("PL-empty.xlsx", "receiving", D(2026, 11, 3), ["PO", "Item", "Qty", "Serials"], [], REJECTED),
    ("sales-orders.xlsx", "sales_orders", D(2026, 11, 5),
     ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price", "Order Date"],
     [["5001", "Contoso", "Main", "CAM-100", 2, 199, D(2026, 11, 5)],
      ["5001", "Contoso", "Main", "CBL-5", 40, 5, D(2026, 11, 5)],
      ["5002", "Fabrikam", "Main", "CAM-100", 3, 205, D(2026, 11, 6)],
      ["5003", "Northwind", "Main", "CBL-5", 1, 6, D(2026, 11, 6)]], POSTED),
    ("PL-0425.xlsx", "receiving", D(2026, 11, 2),
     ["PO", "Item", "Qty", "Serials", "Bin", "Received Date", "Packing List #"],
     [["60006", "CAM-100", 5, "00042...00046", "A-01", D(2026, 11, 2), "PL-0425"],
      ["60006", "CBL-5", 100, None, "B-7", D(2026, 11, 2), "PL-0425"]], POSTED),
    ("PL-0430.csv", "receiving", D(2026, 11, 3), ["PO", "Item", "Qty", "Serials", "Mfr Lot"],
     [["60007", "CAM-100", 2, "SN0100, SN0101", None], ["60008", "PMP-1", 1, "P-1", "LOT-A"]], POSTED),
    ("SHIP-5001.xlsx", "shipping", D(2026, 11, 10), ["SO #", "Item", "Qty", "Serials", "Ship Date", "Carrier"],
     [["5001", "CAM-100", 2, "00042, 00043", D(2026, 11, 10), "UPS"],
      ["5001", "CBL-5", 40, None, D(2026, 11, 10), "UPS"], ["5003", "CBL-5", 1, None, D(2026, 11, 10), "UPS"]],
     POSTED),
    ("RET-5001.xlsx", "returns", D(2026, 11, 12), ["SO", "Item", "Serial", "Disposition", "Reason", "Return Date"],
     [["5001", "CAM-100", "00042", "restock", "box dented", D(2026, 11, 12)],
      ["5001", "CAM-100", "00043", "scrap", None, D(2026, 11, 12)]], POSTED),
    ("MOVE-1.xlsx", "transfers", D(2026, 11, 14),
     ["Item", "From Office", "To Office", "Qty", "Serials", "To Bin", "Reference"],
     [["CAM-100", "Annex", "Depot", None, "SN0100", None, "T-1"],
      ["CBL-5", "Main", "Depot", 10, None, "D-02", "T-1"]], POSTED),
    ("ADJ-1.xlsx", "adjustments", D(2026, 11, 15),
     ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Bin", "Unit Cost"],
     [["Main", "CAM-100", "scrap", "cracked housing", None, "00046", "A-01", None],
      ["Main", "CAM-100", "found", "behind the rack", None, "Z-77", None, 80],
      ["Main", "CBL-5", "write off", "lost in the yard", 2, None, None, None]], POSTED),
    ("RTV-1.xlsx", "vendor_returns", D(2026, 11, 16), ["PO #", "Item", "Qty", "Serials", "Reason", "RMA #"],
     [["60006", "CAM-100", None, "00044", "dead on arrival", "R-9"],
      ["60006", "CBL-5", 3, None, "wrong length", "R-9"]], POSTED),
    ("COUNT-MAIN.xlsx", "counts", D(2026, 11, 20), ["Office", "Bin", "Item", "Serial", "Count Date"],
     [["Main", "RETURNS", "CAM-100", "00042", D(2026, 11, 20)],
      ["Main", "A-01", "CAM-100", "Z-77", D(2026, 11, 20)],  # in RECV; 00045 in A-01 is not counted: missing
      ["Main", "A-01", "CAM-100", "99999", D(2026, 11, 20)],
      ["Main", "A-01", "CAM-100", "00043", D(2026, 11, 20)],  # scrapped when it came back
      ["Main", "RECV", "CAM-100", "SN0101", D(2026, 11, 20)],  # at Annex
      ["Main", "RETURNS", "CAM-100", "00042", D(2026, 11, 20)]], POSTED),
    ("WHERE-IS.xlsx", "lookups", D(2026, 11, 21), ["Serials", "Item"],
     [["00042", None], ["00043, SN0100", None], ["NOPE-1", None], ["P-1", "PMP-1"], ["P-1", "CAM-100"],
      ["0000045", None]], "answered"),
    ("items-update.xlsx", "items", D(2026, 11, 21), ["Item Code", "Description", "Serialized", "Est Unit Cost"],
     [["CAM-100", "IP camera, 4K", "Y", 110], ["CBL-5", "Cable 5 m", "N", 2]], POSTED),
    # -- refused, each with several mistakes, against the ledger above --------------------------------------
    ("items-bad.xlsx", "items", D(2026, 11, 22),
     ["Item Code", "Description", "Serialized", "Next Serial", "Check Digit", "Serial Pattern"],
     [["CAM-100", "IP camera", "N", None, None, None], ["NEW-1", "New", "Y", "ABC", None, None],
      ["NEW-2", "New 2", "Y", None, "Verhoeff", None], ["new-2", "Again", "Y", None, None, None],
      ["NEW-3", "Patterned", "Y", None, None, "SN-[0-9"], ["CBL-5", "Cable 5 m", "Y", None, None, None]], REJECTED),
    ("offices-bad.xlsx", "offices", D(2026, 11, 22), ["Office", "Name"],
     [["East", "East one"], ["east", "East two"], [None, "Nameless"]], REJECTED),
    ("po-bad.xlsx", "purchase_orders", D(2026, 11, 22), ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
     [["60006", "ACME Components", "Depot", "CAM-100", 5, 120.5], ["60009", "X", "Main", "GHOST", 1, 1],
      ["60006", "ACME Components", "Main", "CBL-5", 50, 2.25], ["60010", "Y", "Main", "CAM-100", 0, 1]],
     REJECTED),
    ("so-bad.xlsx", "sales_orders", D(2026, 11, 22), ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price"],
     [["5001", "Contoso", "Main", "CAM-100", 1, 199], ["5003", "Z", "Main", "CAM-100", 1, 1],
      ["5003", "Z", "Depot", "CBL-5", 1, 1]], REJECTED),
    ("PL-bad.xlsx", "receiving", D(2026, 11, 22), ["PO", "Item", "Qty", "Serials", "Mfr Lot"],
     [["60011", "PMP-1", 1, None, "LOT-C"], ["99999", "CAM-100", 1, "X-1", None], ["60006", "CBL-5", 0, None, None],
      ["60007", "CAM-100", 2, "00045", None], ["60007", "CAM-100", 1, "N-1, N-1", None],
      ["60008", "PMP-1", 1, "P-2", None], ["60006", "GHOST", 1, None, None], ["60008", "PMP-1", 1, None, None]],
     REJECTED),
    ("SHIP-bad.xlsx", "shipping", D(2026, 11, 22), ["SO #", "Item", "Qty", "Serials"],
     [["5002", "CAM-100", 3, "00043, SN0101, NOPE"], ["5001", "CBL-5", 100, None], ["5002", "CBL-5", 1, None],
      ["9999", "CAM-100", 1, "00045"], [None, "CAM-100", 1, "00045"]], REJECTED),
    ("RET-bad.xlsx", "returns", D(2026, 11, 22), ["SO", "Item", "Serial", "Disposition"],
     [["5001", "CAM-100", "00045", "restock"], ["5002", "CAM-100", "00042", "restock"],
      ["5001", "CAM-100", "00042", "burn"], ["9999", "CAM-100", "00042", "scrap"], ["5001", "CAM-100", "GONE", None],
      ["5001", "GHOST", "G-1", "scrap"], ["5001", "CAM-100", "00043", "restock"]],
     REJECTED),
    ("MOVE-bad.xlsx", "transfers", D(2026, 11, 22), ["Item", "From Office", "To Office", "Qty", "Serials", "From Bin"],
     [["CAM-100", "Main", "Depot", None, "SN0101", None], ["CAM-100", "Main", "Main", None, "00045", None],
      ["CBL-5", "Main", "Depot", 1000, None, None], ["GHOST", "Nowhere", "Depot", 1, None, None],
      ["CAM-100", "Main", "Depot", None, "00045", "Z-9"], ["CAM-100", "Main", "Depot", None, "00043", None],
      ["CBL-5", "Main", "Depot", 0, None, None], ["CAM-100", "Main", "Depot", None, None, None],
      ["CAM-100", "Main", "Depot", None, "NOPE", None], ["CAM-100", "Main", "Depot", 2, "00042", None],
      ["CBL-5", "Main", "Depot", 1, "C-1", None], ["CAM-100", "Main", "Depot", 1, None, None],
      ["CAM-100", "Main", "Depot", None, "00044", None]], REJECTED),  # went back to the vendor
    ("MOVE-bins.xlsx", "transfers", D(2026, 11, 22), ["Item", "From Office", "To Office", "Qty", "Serials", "From Bin",
                                                       "To Bin"],
     [["CAM-100", "Main", "Main", None, "00045", "A-01", "A-01"], ["CAM-100", "Main", "Main", None, "00042", None, "RETURNS"],
      ["CBL-5", "Main", "Depot", 1, None, "A-01", None]], REJECTED),
    ("ADJ-bad.xlsx", "adjustments", D(2026, 11, 22),
     ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Bin", "Unit Cost"],
     [["Main", "CBL-5", "burn", "why not", 1, None, None, None],
      ["Main", "CAM-100", "scrap", None, None, "00042", None, None],
      ["Main", "CAM-100", "found", "again", None, "00045", None, 5],
      ["Main", "PMP-1", "found", "a box", None, "P-9", None, None],
      ["Main", "CAM-100", "scrap", "dropped", None, "Z-77", "Z-9", None],
      ["Depot", "CAM-100", "write off", "lost", None, "SN0101", None, None],
      ["Main", "CBL-5", "scrap", "cut", 0, None, None, None], ["Main", "CBL-5", "scrap", "cut", 5000, None, None, None],
      ["Main", "CAM-100", "scrap", "no serials", 1, None, None, None],
      ["Main", "CBL-5", "scrap", "serials", 1, "C-1", None, None],
      ["Main", "CAM-100", "found", "came back?", None, "00043", None, 9],  # scrapped when it came back
      ["Main", "CAM-100", "scrap", "never seen", None, "NOPE", None, None],
      ["Annex", "CAM-100", "scrap", "two of one", 2, "SN0100", None, None],
      ["Main", "PMP-1", "found", "twice", None, "Z-78", None, 9], ["Main", "PMP-1", "found", "twice", None, "Z-78, P-1", None, 9],
      ["Nowhere", "GHOST", "scrap", "ghost", 1, None, None, None],
      ["Main", "CAM-100", "found", "back?", None, "00044", None, 9],  # went back to the vendor
      ["Main", "CAM-100", "scrap", "again", None, "00046", None, None],  # scrapped by an adjustment
      ["Main", "PHN-1", "found", None, None, "490154203237519", None, 50]], REJECTED),  # no reason, bad check digit
    ("RTV-bad.xlsx", "vendor_returns", D(2026, 11, 22), ["PO #", "Item", "Qty", "Serials", "RMA #"],
     [["60006", "CAM-100", None, "SN0101", "R-10"], ["99999", "CAM-100", 1, "00045", "R-10"],
      ["60006", "CBL-5", 500, None, "R-10"], ["60006", "CBL-5", 0, None, "R-10"],
      ["60006", "CAM-100", None, "NOPE", "R-10"], ["60007", "CBL-5", 1, None, "R-10"],
      ["60006", "CAM-100", 2, "00045", "R-10"]], REJECTED),
    ("COUNT-bad.xlsx", "counts", D(2026, 11, 22), ["Office", "Bin", "Item", "Serial"],
     [["Nowhere", "A-01", "CAM-100", "00045"], ["Main", "A-01", "GHOST", "G-1"]], REJECTED),
]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 10, 27, 10, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _write(folder: Path, name: str, header: list[str], rows: list[list[Any]], kind: str) -> Path:
    if name.endswith(".csv"):
        path = folder / name
        lines = [header, *[["" if v is None else str(v) for v in row] for row in rows]]
        path.write_text("".join(",".join(f'"{v}"' if "," in v else v for v in line) + "\r\n" for line in lines),
                        encoding="utf-8")
        return path
    return workbook(folder / name, header, rows, sheet=kind.replace("_", " ").title())


_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def _plain(value: Any, home: Path, people: set[str]) -> Any:
    """JSON data without the test's own folders (``<home>``), the files' hashes (openpyxl stamps the time it saved
    a workbook into it) or whoever ran the tests (the files are theirs: ``Dropped by``, ``Run by``: ``<clerk>``);
    money rounded to 6 places."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str):
        return "<clerk>" if value in people else _SHA256.sub("<sha256>", value.replace(str(home), "<home>"))
    if isinstance(value, dict):
        return {k: _plain(v, home, people) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, home, people) for v in value]
    return value


def _answer(outcome: Any, home: Path) -> dict[str, Any]:
    data = outcome.as_json()
    answer = {key: data.get(key) for key in ("kind", "status", "counts", "notes")}
    answer["errors"] = [[e["code"], e["sheet"], e["cell"], e["message"]] for e in data["errors"]]
    answer["warnings"] = [[w["code"], w["sheet"], w["cell"], w["message"]] for w in data["warnings"]]
    output = data.get("output")
    answer["workbook"] = dump_cells(output, cached=True) if output else None
    who = data.get("dropped_by") or {}
    people = {f"{who.get('user')} (group {who.get('group')})", str(who.get("user")), str(who.get("run_by"))}
    return _plain(answer, home, people)


def _drop_all(root: Path, files: Path) -> dict[str, Any]:
    home = Home(root)
    init_home(home)
    clock = Clock()
    ctx = open_context(home, clock=clock)
    files.mkdir(parents=True, exist_ok=True)
    answers: dict[str, Any] = {}
    try:
        for name, kind, day, header, rows, expected in FILES:
            clock.now = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
            outcome = process_file(ctx, _write(files, name, header, rows, kind), kind=kind)
            assert outcome.status == expected, (name, [str(e) for e in outcome.errors])
            answers[name] = _answer(outcome, root)
    finally:
        ctx.close()
    return answers


def test_answers_golden__every_kind_posted_and_refused_says_what_the_golden_file_says(home: Path,
                                                                                     tmp_path: Path) -> None:
    actual = _drop_all(home, tmp_path / "files")
    if REGENERATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip(f"golden file regenerated: {GOLDEN}; review it with git diff before committing")
    assert GOLDEN.exists(), f"{GOLDEN} is missing; create it on purpose with SERIALTRACK_REGEN_GOLDEN=1"
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert list(actual) == list(expected)
    for name, answer in expected.items():
        got = actual[name]
        for part in ("kind", "status", "counts", "notes", "errors", "warnings"):
            assert got[part] == answer[part], f"{name}: {part} differs from {GOLDEN.name}"
        assert (got["workbook"] is None) == (answer["workbook"] is None), name
        for sheet, cells in (answer["workbook"] or {}).items():
            assert got["workbook"].get(sheet) == cells, f"{name}: sheet {sheet!r} differs from {GOLDEN.name}"
        assert list(got["workbook"] or {}) == list(answer["workbook"] or {}), f"{name}: sheets differ"

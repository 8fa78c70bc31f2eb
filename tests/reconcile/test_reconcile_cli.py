"""``serialtrack reconcile``: the command, its options and errors, ``--csv``, and ``run_reconciliation``."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from reconcile_drops import DAY

from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconcile, run_reconciliation

CSV_FILES = ["01-summary.csv", "02-open-pos.csv", "03-open-sos.csv", "04-lots.csv", "05-serials-on-hand.csv",
             "06-exceptions.csv", "07-activity.csv", "08-valuation.csv", "09-cogs.csv",
             "10-roll-forward.csv", "11-warranties.csv"]


def test_reconcile_cli__help_names_the_options(cli: Any) -> None:
    text = cli("reconcile", "--help").stdout
    for option in ("--date", "--from", "--csv", "--json"):
        assert option in text
    assert "reconciliation-<date>.xlsx" in text


def test_reconcile_cli__prints_the_path_and_a_rerun_replaces_the_file(dropped: Context, cli: Any) -> None:
    first = cli("reconcile", "--date", "2026-11-25").stdout.strip()
    path = dropped.home.outbox / "reconciliation-2026-11-25.xlsx"
    assert first == str(path) and path.is_file()
    again = cli("reconcile", "--date", "2026-11-25").stdout.strip()
    assert again == first
    assert sorted(p.name for p in dropped.home.outbox.iterdir() if p.name.startswith("reconciliation")) == [
        "reconciliation-2026-11-25.xlsx"]


def test_reconcile_cli__default_date_is_today(cli: Any, home: Path) -> None:
    cli("init")
    out = cli("reconcile").stdout.strip()
    assert Path(out).name == f"reconciliation-{dt.date.today().isoformat()}.xlsx"
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 11
    finally:
        book.close()


def test_reconcile_cli__bad_dates_are_usage_errors(cli: Any) -> None:
    cli("init")
    result = cli("reconcile", "--date", "2026-11-25", "--from", "2026-11-26", expect=2)
    assert result.stderr.startswith("Error: the period cannot start (2026-11-26) after the report's date")
    assert cli("reconcile", "--date", "25/11/2026", expect=2).exit_code == 2


def test_reconcile_cli__from_sets_the_cogs_period(dropped: Context, cli: Any) -> None:
    data = cli.json("reconcile", "--date", "2026-11-25", "--from", "2026-11-11")
    assert data["workbook"].endswith("reconciliation-2026-11-25.xlsx") and data["csv"] is None
    cogs = next(s for s in data["sheets"] if s["tables"] == ["COGS"])
    assert cogs["rows"] == 2  # the restock of 2026-11-12 and the shipment of 2026-11-25
    book = openpyxl.load_workbook(data["workbook"], data_only=True)
    try:
        figures = {r[0]: r[1:3] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    finally:
        book.close()
    assert figures["Cost of goods sold, 2026-11-11 to 2026-11-25"] == (0, 0)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _same(csv_value: str, cell: Any) -> bool:
    if cell is None:
        return csv_value == ""
    if isinstance(cell, dt.datetime):
        return csv_value in (cell.date().isoformat(), cell.isoformat(sep=" ", timespec="seconds"))
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number = _number(csv_value)
        return number is not None and abs(number - Decimal(str(cell))) < Decimal("0.00001")
    if isinstance(cell, str) and cell.lstrip(" ").startswith(("=", "+", "-", "@")):
        return csv_value == "'" + cell  # only the CSV gets the neutralising apostrophe
    return csv_value == cell


def test_reconcile_cli__csv_holds_the_same_tables(dropped: Context, cli: Any) -> None:
    lines = cli("reconcile", "--date", "2026-11-25", "--csv").stdout.splitlines()
    workbook, folder = Path(lines[0]), Path(lines[1])
    assert folder == dropped.home.outbox / "reconciliation-2026-11-25" and workbook.is_file()
    assert sorted(p.name for p in folder.iterdir()) == CSV_FILES
    book = openpyxl.load_workbook(workbook, data_only=True)
    try:
        for name, ws in zip(CSV_FILES, book.worksheets, strict=True):
            with open(folder / name, newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
            values = [r for r in ws.iter_rows(values_only=True)]
            header = next(i for i, r in enumerate(values) if r and list(r[:len(rows[0])]) == rows[0])
            table = [r for r in values[header + 1:] if any(v is not None for v in r)]
            if ws.title != "Summary" and table and table[-1][0] == "Total":
                table.pop()  # the totals row under the table (SUBTOTALs) is the workbook's, not a CSV row
            assert len(rows) - 1 == len(table), name
            for line, cells in zip(rows[1:], table, strict=True):
                assert all(_same(v, c) for v, c in zip(line, cells, strict=False)), (name, line, cells)
    finally:
        book.close()
    serials = _dicts(folder / "05-serials-on-hand.csv")
    assert {"00043", "00046", "1E5"} <= {r["Serial"] for r in serials}
    assert _dicts(folder / "03-open-sos.csv")[0]["Customer"] == "'@Fabrikam"


def _dicts(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reconcile_cli__csv_rerun_replaces_the_folder(dropped: Context) -> None:
    first = reconcile(dropped, DAY, csv=True).csv_folder
    assert first is not None
    (first / "stale.csv").write_text("x", encoding="utf-8")
    again = reconcile(dropped, DAY, csv=True).csv_folder
    assert again == first and sorted(p.name for p in first.iterdir()) == CSV_FILES
    assert [p.name for p in first.parent.iterdir() if p.name.startswith(".")] == []


def test_run_reconciliation__returns_the_workbook_for_the_scheduler(dropped: Context) -> None:
    path = run_reconciliation(dropped, DAY)
    assert path == dropped.home.outbox / "reconciliation-2026-11-25.xlsx" and path.is_file()
    dropped.clock.now = dt.datetime(2026, 11, 26, 0, 5, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert run_reconciliation(dropped).name == "reconciliation-2026-11-26.xlsx"


def test_reconcile__reversed_shipment_nets_out_of_cogs_and_is_on_hand_again(dropped: Context) -> None:
    from serialtrack.kinds.registry import reversal_for
    from serialtrack.ledger.reverse_store import reverse_batch

    batch = dropped.store.posted_batch_named("SHIP-5002.xlsx")
    assert batch is not None
    reverse_batch(dropped.store, batch.id, reversal_for, reason="wrong pick")
    out = reconcile(dropped, DAY)
    book = openpyxl.load_workbook(out.workbook, data_only=True)
    try:
        figures = {r[0]: r[1:3] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
        cogs = [r for r in book["COGS"].iter_rows(min_row=4, values_only=True) if r[0]]
        serials = {r[0]: r[3] for r in book["Serials on hand"].iter_rows(min_row=4, values_only=True) if r[0]}
    finally:
        book.close()
    assert [(r[1], r[4], r[7], r[9]) for r in cogs if r[4] == "00045"] == [
        ("shipment", "00045", 1, 120.5), ("reversal", "00045", -1, -120.5)]
    assert figures["Cost of goods sold, 2026-11-01 to 2026-11-25"] == (42, 331)
    assert serials["00045"] == "A-01"
    assert figures["Exceptions"] == (3, None)  # 00045 is where the count saw it: no new exception
    assert figures["Check: serialized lots' remaining less serial units on hand (0 when they agree)"] == (0, 0)

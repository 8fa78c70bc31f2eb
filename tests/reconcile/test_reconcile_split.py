"""A sheet never exceeds Excel's row limit: past ``MAX_SHEET_ROWS`` (lowered here) a table continues on
``Name (2)``..., the Summary's totals add every part, say so, and still equal the ledger when recalculated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from reconcile_office import SOFFICE, recalculated_summary
from reconcile_scenario import DAY, build_history

from serialtrack.exporters import xlsx
from serialtrack.ledger.db import open_engine
from serialtrack.service.context import open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.reconcile import reconcile

LIMIT = 46  # the Summary (about 40 lines) fits; the 76 serials on hand take two sheets
EXTRA = [f"B{n:04d}" for n in range(70)]


@pytest.fixture
def ledger_home(home: Path, db_url: str) -> Home:
    """The scripted history plus 70 more units in stock (PO 60010), so Serials on hand needs three parts."""
    init_home(Home(home))
    engine = open_engine(db_url)
    writer = build_history(engine)
    writer.po("60010", "ACME Components", "Main", [("CAM-100", 70, "99.99")])
    writer.receive("PL-0500.xlsx", "60010", "CAM-100", dt.date(2026, 11, 21), serials=EXTRA)
    engine.dispose()
    return Home(home)


def _table_rows(path: Path, sheet_names: list[str]) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows: list[tuple[Any, ...]] = []
    try:
        for name in sheet_names:
            values = list(book[name].iter_rows(values_only=True))
            header = next(i for i, r in enumerate(values) if r and r[0] == "Serial")
            rows += [r for r in values[header + 1:] if any(v is not None for v in r)]
    finally:
        book.close()
    return rows


def _split_reconciliation(ledger_home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    """The reconciliation written whole (returned as a path) and again with ``MAX_SHEET_ROWS`` lowered."""
    ctx = open_context(ledger_home, clock=lambda: dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC))
    try:
        whole = reconcile(ctx, DAY).workbook.rename(tmp_path / "whole.xlsx")
        monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", LIMIT)
        out = reconcile(ctx, DAY)
    finally:
        ctx.close()
    return whole, out


def test_reconcile_split__serials_continue_on_numbered_sheets(ledger_home: Home, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    whole, out = _split_reconciliation(ledger_home, tmp_path, monkeypatch)
    [serials] = [s for s in out.sheets if s.names[0] == "Serials on hand"]
    assert serials.names == ("Serials on hand", "Serials on hand (2)")
    assert serials.table_names == ("SerialsOnHand", "SerialsOnHand_2")
    assert serials.rows == 76 and out.split[0] == serials
    book = openpyxl.load_workbook(out.workbook)
    try:
        assert book.sheetnames[:7] == ["Summary", "Open POs", "Open SOs", "Lots", "Serials on hand",
                                       "Serials on hand (2)", "Exceptions"]
        for ws in book.worksheets:
            assert ws.max_row <= LIMIT, ws.title
        part2 = book["Serials on hand (2)"]
        assert part2["A2"].value.startswith("Continued from sheet Serials on hand")
        assert list(part2.tables) == ["SerialsOnHand_2"] and part2.freeze_panes == "A5"
        summary = book["Summary"]
        cells = {row[0].value: row for row in summary.iter_rows() if row[0].value}
        formula = cells["Serial units on hand"][1].value
        assert formula == "=COUNTA(SerialsOnHand[Serial],SerialsOnHand_2[Serial])"
        notes = [row[0].value for row in summary.iter_rows(max_row=6) if row[0].value]
        assert any("Serials on hand has 76 rows" in n and "Serials on hand (2)" in n
                   for n in notes)
    finally:
        book.close()
    names = ["Serials on hand", "Serials on hand (2)"]
    assert _table_rows(out.workbook, names) == _table_rows(whole, ["Serials on hand"])


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_reconcile_split__totals_over_parts_recalculate_in_libreoffice(ledger_home: Home, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = _split_reconciliation(ledger_home, tmp_path, monkeypatch)
    computed = recalculated_summary(out.workbook, tmp_path / "lo")
    assert computed["Serial units on hand"] == (76, pytest.approx(511 + 70 * 99.99, abs=0.005))
    assert computed["Check: serialized lots' remaining less serial units on hand (0 when they agree)"] == (0, 0)


def test_reconcile_split__cli_says_which_sheet_was_split(ledger_home: Home, cli: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", LIMIT)
    result = cli("reconcile", "--date", "2026-11-25")
    assert result.stdout.strip() == str(ledger_home.outbox / "reconciliation-2026-11-25.xlsx")
    assert "Serials on hand has 76 rows" in result.stderr and "continues on Serials on hand (2)" in result.stderr

"""``reconcile --date`` for a past day: balances as of the end of that day, from the transaction history.

The golden scenario is posted up to the count of 2026-11-20 and the report for that day is written. Then
later activity arrives (a receipt and a shipment dated 2026-11-25, and the reversal, on 2026-11-26, of the
restocked return of 2026-11-12), and the report for 2026-11-20 is written again: every cell must be the same
(except the line saying when it was generated). Before the fix the re-run showed the lot received on
2026-11-25 with a negative age, and valued stock shipped after the report's day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from reconcile_drops import FILES, Clock, write_files
from test_reconcile_golden import normalised_dump

from serialtrack.ledger.reverse_store import reverse_batch
from serialtrack.service.context import open_context
from serialtrack.service.home import Home, init_home
from serialtrack.service.pipeline import process_file
from serialtrack.service.reconcile import reconcile

REPORT_DAY = dt.date(2026, 11, 20)
LATER = {"PL-0440.xlsx", "SHIP-5002.xlsx"}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


def _without_generated_line(dump: dict[str, Any]) -> dict[str, Any]:
    del dump["Summary"]["A2"]
    return dump


def test_reconcile_as_of__rerun_after_later_activity_gives_the_same_cells(home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text("[receiving]\nover_receipt_tolerance_percent = 20\n", encoding="utf-8")
    init_home(Home(home))
    clock = Clock(_at(dt.date(2026, 10, 27)))
    ctx = open_context(Home(home), clock=clock)
    try:
        batches: dict[str, int] = {}
        paths = write_files(tmp_path / "files")
        for (path, kind), (name, _, day, _, _) in zip(paths, FILES, strict=True):
            if name in LATER:
                continue
            clock.now = _at(day)
            outcome = process_file(ctx, path, kind=kind)
            assert outcome.status == "posted" and outcome.batch is not None, (name, outcome.errors)
            batches[name] = outcome.batch

        clock.now = _at(REPORT_DAY, 23)
        first = reconcile(ctx, REPORT_DAY).workbook
        on_the_day = normalised_dump(first)
        keep = tmp_path / "on-the-day.xlsx"
        keep.write_bytes(first.read_bytes())

        for (path, kind), (name, _, day, _, _) in zip(paths, FILES, strict=True):
            if name in LATER:
                clock.now = _at(day)
                assert process_file(ctx, path, kind=kind).status == "posted", name
        clock.now = _at(dt.date(2026, 11, 26))
        reverse_batch(ctx.store, batches["RET-5001.xlsx"], reason="returned in error")

        clock.now = _at(dt.date(2026, 11, 28), 9)  # three days late
        late = normalised_dump(reconcile(ctx, REPORT_DAY).workbook)
        today = normalised_dump(reconcile(ctx, dt.date(2026, 11, 28)).workbook)
    finally:
        ctx.close()

    assert list(late) == list(on_the_day)
    for sheet in on_the_day:
        if sheet == "Summary":
            _without_generated_line(late)
            _without_generated_line(on_the_day)
        differing = {cell: (on_the_day[sheet].get(cell), late[sheet].get(cell))
                     for cell in set(on_the_day[sheet]) | set(late[sheet])
                     if on_the_day[sheet].get(cell) != late[sheet].get(cell)}
        assert not differing, f"{sheet} differs when run late: {differing}"

    # the later activity is real: the report for a later day sees it, and the report for the 20th did not
    lots = [v for k, v in today["Lots"].items() if k.startswith("A")]
    assert "PO-60009-1" in lots
    assert "PO-60009-1" not in [v for k, v in on_the_day["Lots"].items() if k.startswith("A")]
    serials = {v for v in today["Serials on hand"].values() if isinstance(v, str)}
    assert "00045" not in serials and "00043" not in serials  # shipped on the 25th; its restock reversed
    assert {"00045", "00043"} <= {v for v in on_the_day["Serials on hand"].values() if isinstance(v, str)}
    ages = openpyxl.load_workbook(keep)["Serials on hand"]
    header = next(r for r in range(1, 10) if ages.cell(r, 1).value == "Serial")
    days = [ages.cell(r, 9).value for r in range(header + 1, ages.max_row + 1) if ages.cell(r, 1).value]
    assert days and all(isinstance(d, int) and d >= 0 for d in days)

"""A posted file's receipt ties to the reconciliation: the shipping receipt's cost of goods shipped (every
line, serialized or not) is the COGS sheet's figure for that file, and a packing list's Lines total is the
Summary's value received, both as formulas. Before the fix SHIP-5001's receipt said 361.50 (the cameras
only) while the COGS sheet showed 451.50 for that file (the cable line's 90.00 appeared nowhere)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from reconcile_drops import DAY

from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconcile


def _summary(path: Path, data_only: bool) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path, data_only=data_only)["Summary"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}


def _table(ws: Any, name: str) -> tuple[list[str], list[tuple[Any, ...]], tuple[Any, ...]]:
    """(headers, data rows, the totals row under the table)."""
    first, last = ws.tables[name].ref.split(":")
    top, bottom = ws[first].row, ws[last].row
    rows = list(ws.iter_rows(min_row=top, max_row=bottom + 1, values_only=True))
    return list(rows[0]), rows[1:-1], rows[-1]


def test_receipt_ties__shipping_cost_per_line_totals_to_the_files_cogs(dropped: Context) -> None:
    receipt = dropped.home.outbox / "SHIP-5001.posted.xlsx"
    cached = _summary(receipt, data_only=True)
    formulas = _summary(receipt, data_only=False)
    assert formulas["Cost of goods shipped"] == "=SUM(Lines[Cost])"
    headers, lines, _ = _table(openpyxl.load_workbook(receipt, data_only=True)["Lines"], "Lines")
    costs = {(r[headers.index("SO")], r[headers.index("Item")]): r[headers.index("Cost")] for r in lines}
    assert costs == {("5001", "CAM-100"): 361.5, ("5001", "CBL-5"): 90}

    book = openpyxl.load_workbook(reconcile(dropped, DAY).workbook, data_only=True)
    cogs_headers, cogs_rows, _ = _table(book["COGS"], "COGS")
    of_file = sum((Decimal(str(r[cogs_headers.index("COGS")])) for r in cogs_rows
                   if r[cogs_headers.index("Source File")] == "SHIP-5001.xlsx"), Decimal(0))
    assert of_file == Decimal("451.5")
    assert Decimal(str(cached["Cost of goods shipped"])) == of_file == sum(Decimal(str(c)) for c in costs.values())
    totals = openpyxl.load_workbook(receipt)["Lines"]
    _, _, total_row = _table(totals, "Lines")
    assert "=SUBTOTAL(109,Lines[Cost])" in total_row


def test_receipt_ties__packing_list_lines_total_is_the_summary_value_received(dropped: Context) -> None:
    receipt = dropped.home.outbox / "PL-0425.posted.xlsx"
    formulas, cached = _summary(receipt, data_only=False), _summary(receipt, data_only=True)
    assert formulas["Value received"] == "=SUM(Lines[Value])"
    assert cached["Value received"] == 5 * 120.5 + 100 * 2.25
    ws = openpyxl.load_workbook(receipt)["Summary"]
    value_cell = next(r[1] for r in ws.iter_rows() if r[0].value == "Value received")
    assert value_cell.number_format == "#,##0.00"
    lines = openpyxl.load_workbook(receipt)["Lines"]
    _, _, total_row = _table(lines, "Lines")
    assert "=SUBTOTAL(109,Lines[Value])" in total_row

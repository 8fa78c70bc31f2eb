"""Build clerks' workbooks for tests: a title block, a header row, rows; saved with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def workbook(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *,
             title: Sequence[Sequence[Any]] = (), sheet: str = "Sheet1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for line in title:
        ws.append(list(line))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def items_book(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """rows: (code, description, serialized, est_unit_cost, next_serial)"""
    return workbook(path, ["Item Code", "Description", "Serialized", "Est Unit Cost", "Next Serial"], rows,
                    title=[["Item master"], []], sheet="Items")


def po_book(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """rows: (po, vendor, office, item, qty, unit_cost)"""
    return workbook(path, ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"], rows, sheet="PO")


def so_book(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """rows: (so, customer, office, item, qty, unit_price)"""
    return workbook(path, ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price"], rows, sheet="SO")

"""Transfer sheets for the transfer tests, built with openpyxl as a clerk's would be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.books import workbook

TRANSFER = ["Item", "From Office", "To Office", "Qty", "Serials", "From Bin", "To Bin", "Reference"]


def transfer_book(path: Path, rows: list[list[Any]], header: list[str] = TRANSFER) -> Path:
    return workbook(path, header, rows, sheet="Transfers")

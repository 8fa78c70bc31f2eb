"""A PO line without a unit cost: the purchase order and the receipts against it post, each with a
``po-line-no-unit-cost`` warning naming the cell, and the reconciliation lists the lots so valued under
Exceptions (``no-unit-cost``) for as long as they stand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from support.books import items_book, po_book, workbook

PL = ["PO #", "Item", "Qty", "Serial No"]


def _warnings(outcome: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(w["code"], w["cell"], w["message"]) for w in outcome["warnings"]]


def _exceptions(path: str) -> list[dict[str, Any]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book["Exceptions"].iter_rows(min_row=3, values_only=True))
    finally:
        book.close()
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == "no-unit-cost"]


def _master(cli, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM", "IP camera", "Y", 118, None],
                                                    ["CBL", "Cable", "N", None, None],
                                                    ["SW", "Switch", "Y", 300, None]]), kind="items", expect=0)
    [po] = cli.ingest(po_book(tmp_path / "po.xlsx", [["70001", "Acme", "Main", "CAM", 2, None],
                                                     ["70001", "Acme", "Main", "CBL", 10, None],
                                                     ["70001", "Acme", "Main", "SW", 1, 329]]),
                      kind="purchase_orders", expect=0)
    return po


def test_unit_cost__purchase_order_line_without_one_posts_with_a_warning_on_its_cell(cli, tmp_path: Path) -> None:
    po = _master(cli, tmp_path)
    assert po["status"] == "posted" and po["errors"] == []
    assert _warnings(po) == [
        ("po-line-no-unit-cost", "F2", "PO 70001 line CAM has no unit cost: what is received against it will be "
         "valued at the item's estimated cost, 118.00 a unit; give the line its unit cost"),
        ("po-line-no-unit-cost", "F3", "PO 70001 line CBL has no unit cost: what is received against it will be "
         "valued at 0, as the item has no estimated cost; give the line its unit cost")]
    # a file without a Unit Cost column: the warning names the line's item cell
    [again] = cli.ingest(workbook(tmp_path / "po-2.xlsx", ["PO #", "Office", "Item", "Qty"],
                                  [["70002", "Main", "CBL", 5]]), kind="purchase_orders", expect=0)
    assert [(code, cell) for code, cell, _ in _warnings(again)] == [("po-line-no-unit-cost", "C2")]
    # a blank cost on a line whose cost the ledger already holds keeps that cost: no warning
    [kept] = cli.ingest(po_book(tmp_path / "po-3.xlsx", [["70001", "Acme", "Main", "SW", 1, None]]),
                        kind="purchase_orders", expect=0)
    assert kept["warnings"] == []


def test_unit_cost__receipt_against_the_line_warns_and_reconciliation_lists_the_lots(cli, tmp_path: Path) -> None:
    _master(cli, tmp_path)
    [pl] = cli.ingest(workbook(tmp_path / "pl.xlsx", PL, [["70001", "CAM", 2, "C1, C2"], ["70001", "CBL", 10, None],
                                                         ["70001", "SW", 1, "W1"]]), kind="receiving", expect=0)

    assert pl["status"] == "posted"
    assert _warnings(pl) == [
        ("po-line-no-unit-cost", "B2", "PO 70001 line CAM has no unit cost, so this lot is valued at the item's "
         "estimated cost, 118.00 a unit; ask purchasing to give the PO line its cost"),
        ("po-line-no-unit-cost", "B3", "PO 70001 line CBL has no unit cost, so this lot is valued at 0, as the "
         "item has no estimated cost either; ask purchasing to give the PO line its cost")]
    costs = {lot["item_code"]: float(lot["unit_cost"]) for lot in cli.json("lots")}
    assert costs == {"CAM": 118.0, "CBL": 0.0, "SW": 329.0}

    found = _exceptions(cli("reconcile").stdout.strip())
    assert [(f["Item"], f["Document"], f["Found"], f["Source"], f["Unit Cost"]) for f in found] == [
        ("CAM", "PO-70001", "PO 70001 line CAM has no unit cost", "pl.xlsx", 118),
        ("CBL", "PO-70001", "PO 70001 line CBL has no unit cost", "pl.xlsx", 0)]
    assert found[0]["Ledger Says"].endswith("2 received at 118.00 a unit (the item's estimated cost, or 0)")
    assert found[0]["Value At Risk"] is None and found[0]["Office"] == "Main"

    # reversed, the lots hold nothing and are no longer exceptions
    cli("reverse", str(pl["batch"]))
    assert _exceptions(cli("reconcile").stdout.strip()) == []

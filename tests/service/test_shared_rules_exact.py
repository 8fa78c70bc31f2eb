"""The rules receiving and shipping share (``rules/lines``), each pinned to its exact sentence and cell, so a
rule that stops firing, fires on the wrong cell or says something else fails here. Through the CLI, on SQLite
and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.books import items_book, po_book, so_book, workbook


@pytest.fixture
def stocked(cli: Any, tmp_path: Path) -> Any:
    cli.ingest(items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None), ("BOLT", "Bolt", "N", 1, None),
                                                    ("LENS", "Lens", "Y", 5, None)]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [(100, "Acme", "Main", "CAM-1", 10, 10), (100, "Acme", "Main", "BOLT", 10, 1)]),
               kind="purchase_orders", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [(500, "Contoso", "Main", "CAM-1", 5, 20)]), kind="sales_orders", expect=0)
    return cli


def _errors(out: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["code"], e["cell"], e["message"]) for e in out["errors"]]


def test_rules__unknown_orders_and_a_missing_line_in_the_clerks_words(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [[999, "CAM-1", 1, "A1"], [100, "LENS", 1, "L1"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [
        ("po-unknown", "A2", "purchase order 999 is not in the ledger; drop the PO file first, or check the number"),
        ("po-line-missing", "B3", "purchase order 100 has no line for item LENS (it orders BOLT, CAM-1)")]
    ship = workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Serials"], [[777, "CAM-1", "A1"]])
    [out] = stocked.ingest(ship, kind="shipping", expect=1)
    assert _errors(out) == [  # one pass: the serial is checked too, whatever the order
        ("so-unknown", "A2", "sales order 777 is not in the ledger; drop the SO file first, or check the number"),
        ("serial-unknown", "C2", "serial A1 of item CAM-1 is not in the ledger; check the serial and the item")]


def test_rules__serials_on_a_plain_item_named_on_each_cell(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [[100, "BOLT", 1, "B1"], [100, "BOLT", 1, None], [100, "BOLT", 1, "B2"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    message = "item BOLT is not serialized, so it takes no serials; remove them or fix the item"
    assert _errors(out) == [("serials-on-non-serialized-item", "D2", message),
                            ("serials-on-non-serialized-item", "D4", message)]


def test_rules__a_row_whose_quantity_and_serials_disagree(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [[100, "CAM-1", 2, "C1"], [100, "CAM-1", 1, "C2, C3, C4"], [100, "CAM-1", 1, "C5"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [
        ("serial-count-mismatch", "D2", "this row says quantity 2 but lists 1 serial"),
        ("serial-count-mismatch", "D3", "this row says quantity 1 but lists 3 serials")]


def test_rules__a_serial_again_in_the_file_named_where_it_first_was(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [[100, "CAM-1", 1, "C1"], [100, "CAM-1", 1, "C2"], [100, "CAM-1", 2, "C1, C2"],
                     [100, "CAM-1", 1, "C1"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    again = "appears again (first at {}); each unit is received once"
    assert _errors(out) == [
        ("serial-duplicate-in-file", "D4", f"serial C1 of item CAM-1 {again.format('D2')}"),
        ("serial-duplicate-in-file", "D4", f"serial C2 of item CAM-1 {again.format('D3')}"),
        ("serial-duplicate-in-file", "D5", f"serial C1 of item CAM-1 {again.format('D2')}")]


def test_rules__a_serial_twice_in_one_cell_is_the_parsers_alone_and_later_rows_still_checked(
        stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [[100, "CAM-1", 2, "C1, C1"], [100, "CAM-1", 1, "C2"], [100, "CAM-1", 1, "C2"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(code, cell) for code, cell, _ in _errors(out)] == [
        ("serial-duplicate", "D2"), ("serial-duplicate-in-file", "D4")]


def test_serials_unique_in_file__a_serial_twice_in_a_later_cell_is_reported_once_there() -> None:
    """As a function (the pipeline would hide a repeat): first at D2, then twice in D5 and once in D6: one
    issue at D5 (its second mention is the parser's to report) and one at D6, each naming D2."""
    from dataclasses import dataclass

    from serialtrack.ingest.serials import SerialUnit
    from serialtrack.records import Source
    from serialtrack.rules.lines import serials_unique_in_file

    @dataclass
    class Line:
        item_code: str
        units: list[SerialUnit]

    d2, d5, d6 = (Source("pl.xlsx", "Sheet1", row, 4) for row in (2, 5, 6))
    lines = [Line("CAM-1", [SerialUnit("A1", "A1", d2)]),
             Line("CAM-1", [SerialUnit("A1", "A1", d5), SerialUnit("A1", "A1", d5), SerialUnit("A1", "A1", d6)])]
    issues = serials_unique_in_file(lines, "each unit is received once")
    assert [(i.code, i.source.cell if i.source else None, i.message) for i in issues] == [
        ("serial-duplicate-in-file", "D5", "serial A1 of item CAM-1 appears again (first at D2); each unit is received once"),
        ("serial-duplicate-in-file", "D6", "serial A1 of item CAM-1 appears again (first at D2); each unit is received once")]

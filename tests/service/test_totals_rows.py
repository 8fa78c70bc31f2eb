"""A last row whose item code starts with "Total" is a real row (issue 13, defect 6): a totals row is one
whose key fields are empty or exactly a totals label, with sums in the number columns."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from support.books import items_book, po_book, workbook


def _scalar(db_url: str, sql: str) -> object:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_items__last_row_total_clean_is_an_item(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    items = items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None),
                                                 ("TOTAL-CLEAN", "Cleaning kit", "N", 2, None)])
    [outcome] = cli.ingest(items, kind="items")
    assert outcome["status"] == "posted" and outcome["counts"]["rows"] == 2, outcome
    assert not any("totals row" in note for note in outcome["notes"])
    assert _scalar(db_url, "SELECT count(*) FROM items WHERE code = 'TOTAL-CLEAN'") == 1


def test_purchase_orders__last_row_total_clean_is_a_line_then_a_real_totals_row_is_dropped(
        cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    items = items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None),
                                                 ("TOTAL-CLEAN", "Cleaning kit", "N", 2, None)])
    assert cli.ingest(items, kind="items")[0]["status"] == "posted"
    orders = po_book(tmp_path / "po.xlsx", [(500, "Acme", "Main", "CAM-1", 4, 10),
                                            (500, "Acme", "Main", "TOTAL-CLEAN", 6, 2)])
    [outcome] = cli.ingest(orders, kind="purchase_orders")
    assert outcome["status"] == "posted" and outcome["counts"]["rows"] == 2, outcome
    assert _scalar(db_url, "SELECT count(*) FROM po_lines") == 2

    with_totals = workbook(tmp_path / "po2.xlsx", ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
                           [(501, "Acme", "Main", "TOTAL-CLEAN", 6, 2), (None, None, None, "Total", 6, 12)],
                           sheet="PO")
    [second] = cli.ingest(with_totals, kind="purchase_orders")
    assert second["status"] == "posted" and second["counts"]["rows"] == 1, second["errors"]
    assert any("totals row" in note for note in second["notes"])


def test_items__a_label_that_only_starts_with_total_is_not_a_totals_label(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    items = items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None),
                                                 ("Totals-Bag", "Bag", "N", 2, None)])
    [outcome] = cli.ingest(items, kind="items")
    assert outcome["counts"]["rows"] == 2, outcome

"""Master data through the CLI: items, purchase orders and sales orders dropped as workbooks."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select
from support.books import items_book, po_book, so_book, workbook

from serialtrack.ledger import schema as t


def _count(db_url: str, table) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def _rows(path: str, sheet: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_items__title_block_and_aliases_post(cli, tmp_path: Path, db_url: str) -> None:
    book = workbook(tmp_path / "items.xlsx", ["LIC", "Desc", "Serial Tracked", "Standard Cost", "U/M"],
                    [["CAM-1", "Camera", "yes", 10.5, "EA"], ["CBL-1", "Cable", "n", "2.25", "EA"]],
                    title=[["ACME item list"], ["printed 2026-11-01"], []])
    [out] = cli.ingest(book, kind="items")
    assert out["status"] == "posted" and out["kind"] == "items" and out["errors"] == []
    assert _count(db_url, t.items) == 2
    rows = _rows(out["output"], "Items")
    assert rows[0][:4] == ("Item", "Change", "Description", "Serialized")
    assert rows[1][:4] == ("CAM-1", "created", "Camera", "Y")
    summary = dict(r[:2] for r in _rows(out["output"], "Summary")[1:])
    assert summary["Items created"] == 2 and summary["Kind"] == "items"


def test_items__never_guessed_in_plain_inbox_posted_from_its_subfolder(cli, home: Path) -> None:
    """SPEC: master data is never guessed; an item list dropped straight into inbox/ is rejected, naming
    inbox/items/, and posts when dropped there. (``ingest`` of a file outside the inbox still detects it.)"""
    cli("init")
    book = items_book(home / "inbox" / "items-list.xlsx", [["CAM-1", "Camera", "Y", 10, None]])
    [out] = cli.ingest(book, expect=1)
    assert (out["kind"], out["status"]) == (None, "rejected")
    assert [e["code"] for e in out["errors"]] == ["kind-master-data"] and "inbox/items/" in out["errors"][0]["message"]
    assert not book.exists(), "a file in the inbox is moved on"
    assert Path(out["archived"]).read_bytes()[:2] == b"PK"
    again = items_book(home / "inbox" / "items" / "items-list.xlsx", [["CAM-1", "Camera", "Y", 10, None]])
    [posted] = cli.ingest(again)
    assert (posted["kind"], posted["status"]) == ("items", "posted")


def test_items__bad_row_rejects_whole_file_and_changes_nothing(cli, tmp_path: Path, db_url: str) -> None:
    book = items_book(tmp_path / "items.xlsx", [["CAM-1", "Camera", "Y", 10, None],
                                                ["CAM-2", "Camera 2", "maybe", 10, None],
                                                ["CAM-3", "Camera 3", "Y", -4, None]])
    [out] = cli.ingest(book, kind="items", expect=1)
    assert out["status"] == "rejected"
    cells = {(e["cell"], e["code"]) for e in out["errors"]}
    assert cells == {("C5", "not-yes-no"), ("D6", "negative-amount")}
    assert _count(db_url, t.items) == 0
    wb = load_workbook(out["output"])
    assert wb.sheetnames[0] == "Errors"
    assert wb["Items"]["C5"].comment is not None
    assert book.exists(), "a file outside the inbox is left where it is"


def test_items__serialized_flag_locked_once_a_po_uses_it(cli, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "i1.xlsx", [["CAM-1", "Camera", "Y", 10, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["60006", "Acme", "Main", "CAM-1", 5, 9]]), kind="purchase_orders",
               expect=0)
    [out] = cli.ingest(items_book(tmp_path / "i2.xlsx", [["CAM-1", "Camera", "N", 10, None]]), kind="items",
                       expect=1)
    [error] = out["errors"]
    assert error["code"] == "item-serialized-locked" and error["cell"] == "C4"
    assert "cannot become not serialized" in error["message"] and "purchase orders" in error["message"]


def test_items__serialized_flag_free_while_unused(cli, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "i1.xlsx", [["CAM-1", "Camera", "Y", 10, None]]), kind="items", expect=0)
    [out] = cli.ingest(items_book(tmp_path / "i2.xlsx", [["CAM-1", "Camera", "N", 11, None]]), kind="items",
                       expect=0)
    assert out["status"] == "posted"


def test_purchase_orders__create_office_and_update_lines(cli, tmp_path: Path, db_url: str) -> None:
    cli.ingest(items_book(tmp_path / "i.xlsx", [["CAM-1", "Camera", "Y", 10, None], ["CBL-1", "Cable", "N", 1, None]]),
               kind="items", expect=0)
    [out] = cli.ingest(po_book(tmp_path / "po.xlsx", [["60006", "Acme", "Main", "CAM-1", 5, 9],
                                                      ["60006", "Acme", "Main", "CBL-1", 50, 0.5]]), expect=0)
    assert out["kind"] == "purchase_orders"
    assert _count(db_url, t.offices) == 1 and _count(db_url, t.bins) == 2 and _count(db_url, t.po_lines) == 2
    [again] = cli.ingest(po_book(tmp_path / "po2.xlsx", [["60006", "Acme", "Main", "CAM-1", 7, 9]]), expect=0)
    assert again["status"] == "posted" and _count(db_url, t.po_lines) == 2
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.max(t.po_lines.c.qty_ordered))).scalar_one() == 50
        assert sorted(conn.execute(select(t.po_lines.c.qty_ordered)).scalars()) == [7, 50]
    engine.dispose()


def test_purchase_orders__unknown_item_and_duplicate_line_rejected(cli, tmp_path: Path, db_url: str) -> None:
    cli.ingest(items_book(tmp_path / "i.xlsx", [["CAM-1", "Camera", "Y", 10, None]]), kind="items", expect=0)
    [out] = cli.ingest(po_book(tmp_path / "po.xlsx", [["60006", "Acme", "Main", "CAM-1", 5, 9],
                                                      ["60006", "Acme", "Main", "NOPE", 5, 9],
                                                      ["60006", "Acme", "Main", "CAM-1", 1, 9]]), expect=1)
    assert {(e["cell"], e["code"]) for e in out["errors"]} == {("D3", "item-unknown"),
                                                              ("D4", "duplicate-order-line")}
    assert _count(db_url, t.purchase_orders) == 0 and _count(db_url, t.offices) == 0


def test_purchase_orders__cut_below_received_rejected(cli, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "i.xlsx", [["CAM-1", "Camera", "Y", 10, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["60006", "Acme", "Main", "CAM-1", 5, 9]]), expect=0)
    pl = workbook(tmp_path / "pl.xlsx", ["Item", "Qty", "Serial"], [["CAM-1", 3, "A1,A2,A3"]],
                  title=[["PO #: 60006"]])
    [received] = cli.ingest(pl, kind="receiving", expect=0)
    assert received["counts"]["units"] == 3
    [out] = cli.ingest(po_book(tmp_path / "po2.xlsx", [["60006", "Acme", "Main", "CAM-1", 2, 9]]), expect=1)
    [error] = out["errors"]
    assert error["code"] == "order-line-below-done" and error["cell"] == "E2"
    assert "3 were already received" in error["message"]


def test_sales_orders__post_and_missing_office_rejected(cli, tmp_path: Path, db_url: str) -> None:
    cli.ingest(items_book(tmp_path / "i.xlsx", [["CAM-1", "Camera", "Y", 10, None]]), kind="items", expect=0)
    [ok] = cli.ingest(so_book(tmp_path / "so.xlsx", [["S-1", "Bob's", "Main", "CAM-1", 2, 30]]), expect=0)
    assert ok["kind"] == "sales_orders" and _count(db_url, t.so_lines) == 1
    [bad] = cli.ingest(so_book(tmp_path / "so2.xlsx", [["S-2", "Bob's", None, "CAM-1", 2, 30]]),
                       kind="sales_orders", expect=1)
    assert [(e["cell"], e["code"]) for e in bad["errors"]] == [("C2", "required-value-missing")]
    assert _count(db_url, t.sales_orders) == 1


def test_kind__nothing_fits_names_the_reason(cli, tmp_path: Path) -> None:
    book = workbook(tmp_path / "odd.xlsx", ["Colour", "Size"], [["red", 3]])
    [out] = cli.ingest(book, expect=1)
    assert out["kind"] is None and out["errors"][0]["code"] == "kind-unknown"


def test_kind__same_bytes_posted_twice_is_duplicate(cli, tmp_path: Path, db_url: str) -> None:
    book = items_book(tmp_path / "i.xlsx", [["CAM-1", "Camera", "Y", 10, None]])
    [first] = cli.ingest(book, kind="items", expect=0)
    [second] = cli.ingest(book, kind="items", expect=0)
    assert second["status"] == "duplicate" and second["batch"] == first["batch"]
    assert _count(db_url, t.items) == 1

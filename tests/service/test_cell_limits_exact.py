"""Cell limits at their edges (``rules/cell_limits``): a value exactly as long (or as large) as its column
holds posts, one more is refused by cell with the exact sentence; a serials cell is measured serial by
serial, never as a whole; a title-block value is checked (and named) once; a negative number is measured by
its size. Through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.books import items_book, po_book, workbook

HEADER = ["PO", "Item", "Qty", "Serials"]


@pytest.fixture
def stocked(cli: Any, tmp_path: Path) -> Any:
    cli.ingest(items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None), ("BOLT", "Bolt", "N", 1, None)]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [(100, "Acme", "Main", "CAM-1", 1000, 10), (100, "Acme", "Main", "BOLT", 10, 1)]),
               kind="purchase_orders", expect=0)
    return cli


def _errors(out: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["code"], e["cell"], e["message"]) for e in out["errors"]]


def test_cell_limits__a_serial_of_exactly_100_characters_posts(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "edge.xlsx", HEADER, [[100, "CAM-1", 1, "S" * 100]])
    [out] = stocked.ingest(path, kind="receiving")
    assert out["status"] == "posted", out["errors"]


def test_cell_limits__a_serial_of_101_characters_refused_with_the_sentence(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "long.xlsx", HEADER, [[100, "CAM-1", 2, "OK1, " + "S" * 101]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("value-too-long", "D2",
                             f"serial {'S' * 20}... is 101 characters long; a serial may have at most 100")]


def test_cell_limits__a_cell_of_many_short_serials_is_not_too_long(stocked: Any, tmp_path: Path) -> None:
    serials = ", ".join(f"N{n:05d}" for n in range(40))  # 318 characters, each serial 6
    path = workbook(tmp_path / "many.xlsx", HEADER, [[100, "CAM-1", 40, serials]])
    [out] = stocked.ingest(path, kind="receiving")
    assert out["status"] == "posted", out["errors"]


def test_cell_limits__a_span_is_measured_by_its_ends(stocked: Any, tmp_path: Path) -> None:
    long_end = "A" * 98 + "01"
    path = workbook(tmp_path / "span.xlsx", HEADER, [[100, "CAM-1", 2, f"{long_end}...{'A' * 98}02"]])
    [out] = stocked.ingest(path, kind="receiving")
    assert out["status"] == "posted", out["errors"]


def test_cell_limits__text_one_past_the_column_refused_with_the_sentence(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl.xlsx", [*HEADER, "Packing List"], [[100, "BOLT", 1, None, "P" * 101]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("value-too-long", "E2", "packing list is 101 characters long; it may have at most 100")]
    ok = workbook(tmp_path / "pl-ok.xlsx", [*HEADER, "Packing List"], [[100, "BOLT", 1, None, "P" * 100]])
    assert stocked.ingest(ok, kind="receiving")[0]["status"] == "posted"


def test_cell_limits__a_long_title_block_value_is_named_once_at_its_cell(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "title.xlsx", HEADER, [[100, "BOLT", 1, None], [100, "BOLT", 1, None]],
                    title=[[f"Packing List #: {'P' * 101}"], []])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(code, cell) for code, cell, _ in _errors(out)] == [("value-too-long", "A1")]


@pytest.mark.parametrize(("qty", "refused"), [(2**31 - 1, False), (2**31, True), (-(2**31), True)])
def test_cell_limits__an_order_quantity_at_the_integer_edge(stocked: Any, tmp_path: Path, qty: int,
                                                            refused: bool) -> None:
    path = po_book(tmp_path / "q.xlsx", [(301, "Acme", "Main", "CAM-1", qty, 1)])
    [out] = stocked.ingest(path, kind="purchase_orders")
    too_large = [(code, cell) for code, cell, _ in _errors(out) if code == "number-too-large"]
    assert too_large == ([("number-too-large", "E2")] if refused else [])
    if refused:
        message = next(m for code, _, m in _errors(out) if code == "number-too-large")
        assert message == f"qty {qty} is too large; the ledger holds at most 2,147,483,647"


def test_cell_limits__the_longest_serial_of_a_cell_is_measured_not_the_last_in_order(stocked: Any,
                                                                                    tmp_path: Path) -> None:
    path = workbook(tmp_path / "order.xlsx", HEADER, [[100, "CAM-1", 2, "ZZ1, " + "A" * 101]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(code, cell) for code, cell, _ in _errors(out)] == [("value-too-long", "D2")]


@pytest.mark.parametrize("typed", ["9999999999", "99999999999"])
def test_cell_limits__a_quantity_typed_as_text_is_measured_too(stocked: Any, tmp_path: Path, typed: str) -> None:
    """Ten or eleven digits typed as text (a column formatted as Text) are a number beyond the column."""
    path = po_book(tmp_path / "t.xlsx", [(302, "Acme", "Main", "CAM-1", typed, 1)])
    [out] = stocked.ingest(path, kind="purchase_orders", expect=1)
    assert [(code, cell) for code, cell, _ in _errors(out)] == [("number-too-large", "E2")]


def test_cell_limits__a_long_title_value_no_row_falls_back_to_is_not_read(stocked: Any, tmp_path: Path) -> None:
    """Every row gives its own packing list: the title block's over-long one is never used, so never refused."""
    path = workbook(tmp_path / "unused.xlsx", [*HEADER, "Packing List"], [[100, "BOLT", 1, None, "PL-1"]],
                    title=[[f"Packing List #: {'P' * 101}"], []])
    [out] = stocked.ingest(path, kind="receiving")
    assert out["status"] == "posted", out["errors"]


def test_cell_limits__every_title_field_is_measured_in_turn(stocked: Any, tmp_path: Path) -> None:
    """A title field without a length limit (a date) before one with a limit does not stop the check."""
    path = workbook(tmp_path / "two.xlsx", HEADER, [[100, "BOLT", 1, None]],
                    title=[["Received Date: 2026-11-20"], [f"Packing List #: {'P' * 101}"], []])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(e["code"], e["sheet"], e["cell"]) for e in out["errors"]] == [("value-too-long", "Sheet1", "A2")]


def test_cell_limits__a_short_csv_row_is_read_as_blank_cells(stocked: Any, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("PO,Item,Qty,Serials,Packing List\r\n100,BOLT,1\r\n100,BOLT,1,," + "P" * 101 + "\r\n",
                    encoding="utf-8")
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(e["code"], e["cell"]) for e in out["errors"]] == [("value-too-long", "E3")]
    text = stocked("ingest", str(path), "--kind", "receiving", "--dry-run", expect=1).output
    assert "short.csv › short › E3: packing list is 101 characters long" in text


def test_cell_limits__a_column_without_a_limit_does_not_end_the_check(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "cols.xlsx", [*HEADER, "Received Date", "Packing List"],
                    [[100, "BOLT", 1, None, "2026-11-20", "P" * 101]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert [(e["code"], e["cell"]) for e in out["errors"]] == [("value-too-long", "F2")]


def test_cell_limits__a_long_set_value_is_refused_where_a_row_falls_back_to_it(stocked: Any, tmp_path: Path) -> None:
    """``--set packing_list=...`` fills the rows that leave the column blank: too long, it is refused once, on
    the sheet (it has no cell), and nothing posts."""
    path = workbook(tmp_path / "set.xlsx", [*HEADER, "Packing List"],
                    [[100, "BOLT", 1, None, "PL-1"], [100, "BOLT", 1, None, None], [100, "BOLT", 1, None, None]])
    [out] = stocked.ingest(path, kind="receiving", set=f"packing_list={'P' * 101}", expect=1)
    assert [(e["code"], e["sheet"], e["cell"], e["message"]) for e in out["errors"]] == [
        ("value-too-long", "Sheet1", None, "packing list is 101 characters long; it may have at most 100")]
    assert stocked("stock", "--json").stdout.count("BOLT") == 0


def test_cell_limits__a_long_set_value_no_row_uses_is_not_refused(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "set-unused.xlsx", [*HEADER, "Packing List"],
                    [[100, "BOLT", 1, None, "PL-1"], [100, "BOLT", 1, None, "PL-2"]])
    [out] = stocked.ingest(path, kind="receiving", set=f"packing_list={'P' * 101}")
    assert out["status"] == "posted", out["errors"]
    assert stocked("stock", "--json").stdout.count("BOLT") > 0

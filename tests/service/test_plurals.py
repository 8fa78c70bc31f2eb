"""Counted nouns agree with their count in what a clerk or operator reads: "list its 1 serial", "1
compensating transaction", "and 1 more error", "1 row" (``records.plural``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.books import items_book, po_book, so_book, workbook

from serialtrack.records import plural

PL = ["PO #", "Item", "Qty", "Serial No"]


@pytest.mark.parametrize(("count", "expected"), [(0, "0 serials"), (1, "1 serial"), (2, "2 serials"),
                                                 (1500, "1,500 serials")])
def test_plural__agrees_with_the_count(count: int, expected: str) -> None:
    assert plural(count, "serial") == expected
    assert plural(count, "box", "boxes").endswith("box" if count == 1 else "boxes")


def _master(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM", "IP camera", "Y", 118, None],
                                                    ["WIDE", "Six-digit serials", "Y", 5, "000100"]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["70001", "Acme", "Main", "CAM", 10, 112.5],
                                              ["70001", "Acme", "Main", "WIDE", 10, 5]]),
               kind="purchase_orders", expect=0)


def _messages(outcome: dict) -> list[tuple[str, str | None, str]]:  # type: ignore[type-arg]
    return [(e["code"], e["cell"], e["message"]) for e in outcome["errors"]]


def test_plurals__receiving_messages_with_one_serial(cli, tmp_path: Path) -> None:
    _master(cli, tmp_path)
    [missing] = cli.ingest(workbook(tmp_path / "pl-1.xlsx", PL, [["70001", "CAM", 1, None]]), kind="receiving",
                           expect=1)
    assert ("serials-missing", "C2", "item CAM is serialized: list its 1 serial (the item has no next serial to "
            "generate them from)") in _messages(missing)

    [row] = cli.ingest(workbook(tmp_path / "pl-2.xlsx", PL, [["70001", "CAM", 2, "A1"]]), kind="receiving", expect=1)
    assert ("serial-count-mismatch", "D2", "this row says quantity 2 but lists 1 serial") in _messages(row)

    [line] = cli.ingest(workbook(tmp_path / "pl-3.xlsx", PL, [["70001", "CAM", 2, None], ["70001", "CAM", None, "A1"]]),
                        kind="receiving", expect=1)
    assert ("serial-count-mismatch", "C2", "PO 70001 line CAM: quantity 3 but 1 serial") in _messages(line)

    [zeros] = cli.ingest(workbook(tmp_path / "pl-4.xlsx", PL, [["70001", "WIDE", 1, "7"]]), kind="receiving",
                         expect=1)
    [(code, cell, message)] = [m for m in _messages(zeros) if m[0] == "serial-lost-leading-zeros"]
    assert cell == "D2" and "has 1 digit but this item's serials have 6" in message


def test_plurals__too_many_serials_with_a_limit_of_one(cli, home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text("[limits]\nmax_serials_per_file = 1\n", encoding="utf-8")
    _master(cli, tmp_path)
    [out] = cli.ingest(workbook(tmp_path / "pl.xlsx", PL, [["70001", "CAM", 2, "A1, A2"]]), kind="receiving",
                       expect=1)
    [(code, cell, message)] = [m for m in _messages(out) if m[0] == "too-many-serials"]
    assert cell == "D2" and message.startswith("the file lists more than 1 serial, the limit for one file")


def test_plurals__shipping_one_serialized_unit_without_its_serial(cli, tmp_path: Path) -> None:
    _master(cli, tmp_path)
    cli.ingest(workbook(tmp_path / "pl.xlsx", PL, [["70001", "CAM", 1, "A1"]]), kind="receiving", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["S1", "Ann", "Main", "CAM", 1, 200]]), kind="sales_orders", expect=0)
    [out] = cli.ingest(workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty"], [["S1", "CAM", 1]]),
                       kind="shipping", expect=1)
    assert ("serials-missing", "C2", "item CAM is serialized: a shipment cannot post without its serials; list "
            "the 1 serial shipped") in _messages(out)


def test_plurals__reverse_of_one_unit(cli, tmp_path: Path) -> None:
    _master(cli, tmp_path)
    [posted] = cli.ingest(workbook(tmp_path / "pl.xlsx", PL, [["70001", "CAM", 1, "A1"]]), kind="receiving",
                          expect=0)
    out = cli("reverse", str(posted["batch"])).stdout
    assert out.endswith(": 1 compensating transaction, 1 serial unit\n")


def test_plurals__ingest_text_says_1_more_error(cli, tmp_path: Path) -> None:
    _master(cli, tmp_path)
    rows = [["70001", f"NOPE-{n:02}", 1, None] for n in range(21)]
    out = cli("ingest", str(workbook(tmp_path / "pl.xlsx", PL, rows)), "--kind", "receiving", expect=1).stdout
    assert "  ... and 1 more error (see the workbook)\n" in out


def test_plurals__watcher_log_line(cli, home: Path, tmp_path: Path) -> None:
    cli("init")
    items_book(home / "inbox" / "items" / "one.xlsx", [["ONE", "One item", "N", 1, None]])
    result = cli("watch", "--once", "--poll", "0.1")
    assert "one.xlsx: posted [items] batch 1, 1 row, 0 units, 0 errors," in result.stderr

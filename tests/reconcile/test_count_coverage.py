"""A count covers its office and the items it lists, and only the bins it lists where it gives bins (SPEC,
Rules: Counts): what it does not list is not an exception. Driven as a clerk and an accountant would: files
dropped through ``ingest``, then ``reconcile`` and its Exceptions sheet read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.books import items_book, po_book, workbook
from support.reports import exceptions as _exceptions


def _stock(cli: Any, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "items.xlsx", [["MBP", "Laptop", "Y", 900, None],
                                                    ["PHONE", "Phone", "Y", 300, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["100", "Acme", "Main", "MBP", 3, 900],
                                              ["100", "Acme", "Main", "PHONE", 4, 300]]),
               kind="purchase_orders", expect=0)
    cli.ingest(workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Serials", "Bin", "Received Date"],
                        [["100", "MBP", "000101", "A", "2026-11-20"], ["100", "MBP", "000102", "A", "2026-11-20"],
                         ["100", "MBP", "000103", "B", "2026-11-20"],
                         ["100", "PHONE", "P1, P2, P3, P4", "A", "2026-11-20"]]), kind="receiving", expect=0)


def test_count__items_it_does_not_list_are_not_missing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _stock(cli, tmp_path)
    cli.ingest(workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial", "Count Date"],
                        [["Main", "MBP", "000101", "2026-11-22"], ["Main", "MBP", "000103", "2026-11-22"]]),
               kind="counts", expect=0)
    # the phones were not counted at all: no exception for them; the laptop the count missed is one
    assert _exceptions(cli, "2026-11-25") == [("not-counted", "MBP", "000102")]


def test_count__with_bins_covers_only_the_bins_it_lists(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _stock(cli, tmp_path)
    cli.ingest(workbook(tmp_path / "count.xlsx", ["Office", "Bin", "Item", "Serial", "Count Date"],
                        [["Main", "a", "MBP", "000101", "2026-11-22"]]), kind="counts", expect=0)
    # bin A was counted (named in another case): 000102 is missing there; bin B was not counted, so 000103 in
    # it is no exception, and the phones in bin A are an item the count does not list
    assert _exceptions(cli, "2026-11-25") == [("not-counted", "MBP", "000102")]

"""Five real sheets from ``shared/real-sheets`` dropped as a clerk would drop them, through ``ingest --json``,
on SQLite and PostgreSQL. They are read in place (``SERIALTRACK_REAL_SHEETS``), never copied into the
repository, and skip visibly where absent. What each file is: ``shared/real-sheets/README.md``.

The verdicts asserted here are the service's real answers to these files:

* ``aditya_flexipack_roll_packing_list.xlsx``: a roll-weighing app's packing list with no PO and no item.
  With the vendor's ``Roll No.`` mapped to serials, the header is found on row 5 under the 4-row title block
  and the file is rejected, naming the two missing columns on that row; ``SNo.`` is never taken for serials.
* ``barcode_scan_log_serials.csv``: a camera scan log (no item, no office, no order). Straight into ``inbox/``
  no kind fits (``kind-unknown``); as a count with its serial column and scanning station mapped, it is
  rejected for want of an item column, named on the header row.
* ``dasa_packing_list_template.xlsx``: a print template with four variants; the two old variants have a PO
  column and so are packing-list sheets, and their footer's merged cells B18:E18 are refused by cell; the
  other sheets are said to be not read.
* ``vse_inventory_receipts_vs_shipments.xlsx``: an inventory report whose only table has a Part Number
  column. Dropped straight into ``inbox/`` it must not rewrite the item list (``kind-master-data``); dropped
  into ``inbox/items/`` on purpose, its 249 parts post (the banner's "Unique Parts 249").
* ``vse_serial_transactions_multi_serial_cell.xlsx``: a transaction log read as a count (Site -> office,
  Part Number, Serial Numbers with ``TEST_1, TEST_2`` in one cell). Against a ledger that knows the site and
  parts, the only problem is the swapped Date/Time on row 3 (``12:55 PM`` under Date): ``not-a-date`` at D3.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from support.backends import real_sheet
from support.books import items_book, po_book, workbook


def _errors(out: dict[str, Any]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(e["code"], e["sheet"], e["row"], e["cell"]) for e in out["errors"]]


def _drop(home: Path, name: str, folder: str = "") -> Path:
    """Place the real sheet in the inbox (a copy in the test's own home: the shared file is never touched)."""
    target = home / "inbox" / folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(real_sheet(name), target)
    return target


def test_real_sheet__aditya_roll_list_without_po_or_item_rejected_on_its_header_row(cli, home: Path) -> None:
    (home / "serialtrack.toml").write_text(
        '[vendors.aditya]\nfile_pattern = "aditya_*.xlsx"\ncolumns = { "Roll No." = "serials" }\n', encoding="utf-8")
    path = _drop(home, "aditya_flexipack_roll_packing_list.xlsx", "receiving")
    [out] = cli.ingest(path, expect=1)
    assert (out["kind"], out["status"]) == ("receiving", "rejected")
    assert _errors(out) == [("required-column-missing", "Packing List", 5, None)]
    message = out["errors"][0]["message"]
    # in the clerk's words, with the sheet's unread headers as candidates; SNo. numbers rows, Roll No. is mapped
    assert message.startswith("no PO column and no Item column: is it one of 'Gross Wt.', 'Tare Wt.'"), message
    assert "SNo." not in message and "Roll No." not in message and "po_number" not in message.split(":")[0]
    unread = [(w["code"], w["cell"]) for w in out["warnings"]]
    assert ("column-not-read", "A5") in unread and ("column-not-read", "C5") in unread
    assert cli.json("stock") == []


def test_real_sheet__barcode_scan_log_fits_no_kind_and_as_a_count_lacks_the_item(cli, home: Path) -> None:
    [loose] = cli.ingest(_drop(home, "barcode_scan_log_serials.csv"), expect=1)
    assert _errors(loose) == [("kind-unknown", None, None, None)]
    (home / "serialtrack.toml").write_text(
        '[vendors.scanner]\nfile_pattern = "barcode_scan_log_*.csv"\n'
        'columns = { "Serial Number" = "serials", "Hostname" = "office", "Lane" = "bin" }\n', encoding="utf-8")
    [count] = cli.ingest(_drop(home, "barcode_scan_log_serials.csv", "counts"), expect=1)
    assert count["kind"] == "counts"
    [(code, sheet, row, cell)] = _errors(count)
    assert (code, row, cell) == ("required-column-missing", 1, None)
    assert "item_code" in count["errors"][0]["message"]


def test_real_sheet__dasa_template_merged_footer_refused_by_cell(cli, home: Path) -> None:
    [out] = cli.ingest(_drop(home, "dasa_packing_list_template.xlsx", "receiving"), expect=1)
    assert _errors(out) == [("cell-merged", "Template old", 18, "B18"), ("cell-merged", "Template (2)", 18, "B18")]
    assert "B18:E18" in out["errors"][0]["message"]
    assert out["notes"] == [f"sheet '{name}' has no receiving header row and was not read"
                            for name in ("Template", "Template Backup", "print 1")]


def test_real_sheet__inventory_report_never_guessed_as_items_but_posts_when_dropped_as_items(
        cli, home: Path) -> None:
    [loose] = cli.ingest(_drop(home, "vse_inventory_receipts_vs_shipments.xlsx"), expect=1)
    assert (loose["kind"], loose["status"]) == (None, "rejected")
    assert _errors(loose) == [("kind-master-data", None, None, None)]
    assert "inbox/items/" in loose["errors"][0]["message"]
    [items] = cli.ingest(_drop(home, "vse_inventory_receipts_vs_shipments.xlsx", "items"), expect=0)
    assert (items["kind"], items["status"], items["counts"]["rows"]) == ("items", "posted", 249)


@pytest.fixture
def kirkland(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Items TEST and TESTING, a PO that creates office Kirkland, and the log's serials received there."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["TEST", "Test part", "Y", 1, None],
                                                    ["TESTING", "Testing part", "Y", 1, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["9", "VSE", "Kirkland", "TEST", 2, 1],
                                              ["9", "VSE", "Kirkland", "TESTING", 1, 1]]), kind="purchase_orders",
               expect=0)
    cli.ingest(workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"],
                        [["9", "TEST", 2, "TEST_1, TEST_2"], ["9", "TESTING", 1, "TEST_1"]]), kind="receiving", expect=0)
    return cli


def test_real_sheet__vse_multi_serial_log_as_count_names_the_swapped_date(kirkland, home: Path) -> None:
    [out] = kirkland.ingest(_drop(home, "vse_serial_transactions_multi_serial_cell.xlsx"), expect=1)
    assert (out["kind"], out["status"]) == ("counts", "rejected")
    assert _errors(out) == [("not-a-date", "transactions", 3, "D3")]
    assert "12:55 PM" in out["errors"][0]["message"]
    stock = {(r["item_code"], r["office"]): r["on_hand"] for r in kirkland.json("stock")}
    assert stock == {("TEST", "Kirkland"): 2, ("TESTING", "Kirkland"): 1}

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

import json
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


def test_real_sheet__barcode_scan_log_posts_as_a_count_with_its_double_scan_warned(cli, home: Path,
                                                                                   tmp_path: Path) -> None:
    """Straight into ``inbox/`` a scan log names serials only, so it is a question (a lookup), answered and
    posting nothing. With a vendor table that maps its columns and gives the office and item it lacks, it
    posts as a count, the double scan of C02GP0RXQ05P warned on its second cell and counted once."""
    [loose] = cli.ingest(_drop(home, "barcode_scan_log_serials.csv"), expect=0)
    assert (loose["kind"], loose["status"], loose["counts"]["asked"]) == ("lookups", "answered", 4)
    cli.ingest(items_book(tmp_path / "items.xlsx", [["MAC", "Laptops", "Y", 1, None]]), kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["1", "Apple", "Lab", "MAC", 5, 1]]), kind="purchase_orders", expect=0)
    (home / "serialtrack.toml").write_text(
        '[vendors.scanner]\nfile_pattern = "barcode_scan_log_*.csv"\n'
        'columns = { "Timestamp" = "count_date", "Lane" = "bin" }\n'
        'defaults = { office = "Lab", item_code = "MAC" }\n', encoding="utf-8")
    [count] = cli.ingest(_drop(home, "barcode_scan_log_serials.csv", "counts"), expect=0)
    assert (count["kind"], count["status"]) == ("counts", "posted")
    scans = [(w["code"], w["cell"]) for w in count["warnings"] if w["code"] == "count-duplicate-scan"]
    assert scans == [("count-duplicate-scan", "C4")]
    assert "C02GP0RXQ05P" in next(w["message"] for w in count["warnings"] if w["code"] == "count-duplicate-scan")
    unread = sorted(w["cell"] for w in count["warnings"] if w["code"] == "column-not-read")
    assert unread == ["B1", "D1", "E1"]  # Hostname, Scanned By, User


def test_real_sheet__imei_list_posts_all_its_units_with_a_vendor_table_and_set(cli, home: Path,
                                                                               tmp_path: Path) -> None:
    """2,178 IMEIs under ``imei,modello`` (Italian, no PO column): the vendor maps ``modello`` to the item and
    ``--set`` gives the PO; the 15-digit IMEIs stay text, every one posts."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["Samsung A56", "Phone", "Y", 300, None],
                                                    ["Samsung Xcover 7", "Rugged phone", "Y", 400, None]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["70001", "Samsung", "Main", "Samsung A56", 1398, 300],
                                              ["70001", "Samsung", "Main", "Samsung Xcover 7", 780, 400]]),
               kind="purchase_orders", expect=0)
    (home / "serialtrack.toml").write_text('[vendors.samsung]\nfile_pattern = "imei_*.csv"\n'
                                           'columns = { "modello" = "item_code" }\n', encoding="utf-8")
    path = _drop(home, "imei_device_list_samsung.csv", "receiving")
    result = cli("ingest", str(path), "--set", "po_number=70001", "--json")
    out = json.loads(result.stdout)
    assert (out["status"], out["counts"]["units"]) == ("posted", 2178), out["errors"][:3]
    stock = {r["item_code"]: r["on_hand"] for r in cli.json("stock")}
    assert stock == {"Samsung A56": 1398, "Samsung Xcover 7": 780}
    unit = cli.json("serial", "354844945249715")
    assert unit["item_code"] == "Samsung Xcover 7"


def test_real_sheet__vse_hdd_sheet_gives_one_complete_answer(cli, home: Path, tmp_path: Path) -> None:
    """The 5,112-row parts-cage sheet as a count, with its Time column mapped to the count date (the vendor's
    mapping wins over the ``Date`` alias, whose cells hold times). Against a ledger that knows neither its
    sites nor its parts, one answer names every unknown site and part and every odd serial: nothing is left
    for a second drop to discover."""
    (home / "serialtrack.toml").write_text('[vendors.vse]\nfile_pattern = "vse_hdd_*"\n'
                                           'columns = { "Time" = "count_date" }\n', encoding="utf-8")
    [out] = cli.ingest(_drop(home, "vse_hdd_serial_numbers.xlsx", "counts"), expect=1)
    codes: dict[str, int] = {}
    for e in out["errors"]:
        codes[e["code"]] = codes.get(e["code"], 0) + 1
    assert set(codes) == {"office-unknown", "item-unknown", "serial-bad-character"}
    assert codes["serial-bad-character"] == 131  # 130 stray dots and one '%'
    assert codes["office-unknown"] == codes["item-unknown"] > 4000
    assert "not-a-date" not in codes  # the times under Date are not read: Time is the count date
    rows = [(e["row"], e["cell"]) for e in out["errors"]]
    assert rows == sorted(rows, key=lambda rc: (rc[0], len(rc[1]), rc[1]))
    unread = {w["cell"]: w["message"] for w in out["warnings"] if w["code"] == "column-not-read"}
    assert "Count Date, which is read from column E" in unread["D2"]


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

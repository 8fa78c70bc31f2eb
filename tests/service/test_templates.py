"""Fill-in templates (issue 15): written through the CLI for every kind, filled in with openpyxl as a clerk
would (typing into the rows under the header), dropped into ``inbox/<kind>/`` and posted; the ledger then
holds exactly what was typed. Also: Text columns, drop-downs from the ledger, prefilled order lines, usage
errors, never overwriting, and ``init``'s blank templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import create_engine, select
from support.books import items_book, po_book, so_book, workbook

from serialtrack.exporters.template import FORMATTED_ROWS, TEMPLATE_ROWS
from serialtrack.ingest.fields import header_key
from serialtrack.kinds.columns import kind_columns
from serialtrack.kinds.registry import KINDS, NAMES
from serialtrack.ledger import schema as t

#: What a barcode scanner types: 15 digits, which Excel would turn into 1.34594E+14 in a General cell.
SCANNED = "134593568000123"


# -- the ledger a clerk's template is filled against ---------------------------------------------------------

def _items(cli: Any, tmp: Path) -> None:
    cli.ingest(items_book(tmp / "items.xlsx", [["CAM-1", "Camera", "Y", 100, None], ["CBL-1", "Cable", "N", 2, None]]),
               kind="items", expect=0)


def _orders(cli: Any, tmp: Path) -> None:
    _items(cli, tmp)
    cli.ingest(po_book(tmp / "po.xlsx", [["70001", "Acme", "Main", "CAM-1", 3, 100],
                                         ["70001", "Acme", "Main", "CBL-1", 10, 2]]), kind="purchase_orders", expect=0)
    cli.ingest(so_book(tmp / "so.xlsx", [["5001", "Bob", "Main", "CAM-1", 2, 150],
                                         ["5001", "Bob", "Main", "CBL-1", 4, 3]]), kind="sales_orders", expect=0)


def _stock(cli: Any, tmp: Path) -> None:
    _orders(cli, tmp)
    pl = workbook(tmp / "pl.xlsx", ["PO #", "Item", "Qty", "Serials"],
                  [["70001", "CAM-1", 3, "SN0001...SN0003"], ["70001", "CBL-1", 10, None]])
    cli.ingest(pl, kind="receiving", expect=0)


def _shipped(cli: Any, tmp: Path) -> None:
    _stock(cli, tmp)
    pick = workbook(tmp / "pick.xlsx", ["SO #", "Item", "Qty", "Serials"],
                    [["5001", "CAM-1", 2, "SN0001,SN0002"], ["5001", "CBL-1", 4, None]])
    cli.ingest(pick, kind="shipping", expect=0)


def _query(db_url: str, query: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]
    finally:
        engine.dispose()


def _serials(db_url: str, item: str) -> dict[str, str]:
    su, items = t.serial_units, t.items
    rows = _query(db_url, select(su.c.serial, su.c.status).join(items, items.c.id == su.c.item_id)
                  .where(items.c.code == item))
    return dict(rows)  # type: ignore[arg-type]


# -- a clerk filling a template ----------------------------------------------------------------------------

def _template(cli: Any, kind: str, *options: str) -> Path:
    out = cli.json("template", kind, *options)
    path = Path(out["path"])
    assert path.parent == cli.home / "outbox" and path.is_file()
    return path


def _headings(ws: Worksheet) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _prefilled(path: Path) -> list[dict[str, Any]]:
    ws = load_workbook(path).worksheets[0]
    cols = _headings(ws)
    found = []
    for row in ws.iter_rows(min_row=2, max_row=50):
        values = {h: row[c - 1].value for h, c in cols.items() if row[c - 1].value is not None}
        if values:
            found.append(values)
    return found


def _fill(path: Path, dest: Path, rows: dict[int, dict[str, Any]]) -> Path:
    """Type ``rows`` (sheet row -> heading -> value) into the template's first sheet, as a clerk would, and save
    it as ``dest``. The cells keep the template's formats (openpyxl keeps a cell's style when a value is set)."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    cols = _headings(ws)
    for number, values in rows.items():
        for heading, value in values.items():
            ws.cell(number, cols[heading]).value = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def _drop(cli: Any, path: Path, kind: str, rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    dest = _fill(path, cli.home / "inbox" / kind / f"filled-{kind}.xlsx", rows)
    [out] = cli.ingest(dest)
    assert (out["kind"], out["status"], out["errors"]) == (kind, "posted", []), out
    return out


# -- every kind round-trips ----------------------------------------------------------------------------------

def _round_trip_items(cli: Any, tmp: Path, db_url: str) -> None:
    path = _template(cli, "items")
    _drop(cli, path, "items", {2: {"Item": "CAM-9", "Description": "Camera 9", "Serialized": "Y",
                                   "Next Serial": "SN00100", "Est Unit Cost": 12.5, "UOM": "EA"},
                               3: {"Item": "00042", "Description": "Bolt", "Serialized": "N", "Est Unit Cost": 0.25}})
    items = t.items
    rows = _query(db_url, select(items.c.code, items.c.description, items.c.serialized, items.c.next_serial,
                                 items.c.est_unit_cost, items.c.uom).order_by(items.c.code))
    assert [r[:4] for r in rows] == [("00042", "Bolt", False, None), ("CAM-9", "Camera 9", True, "SN00100")]
    assert [Decimal(r[4]) for r in rows] == [Decimal("0.25"), Decimal("12.5")] and rows[1][5] == "EA"


def _round_trip_purchase_orders(cli: Any, tmp: Path, db_url: str) -> None:
    _items(cli, tmp)
    path = _template(cli, "purchase_orders")
    _drop(cli, path, "purchase_orders", {2: {"PO #": "070002", "Vendor": "Acme", "Office": "Main", "Item": "CAM-1",
                                             "Qty": 5, "Unit Cost": 99.5, "Order Date": dt.date(2026, 11, 2)}})
    po, lines = t.purchase_orders, t.po_lines
    [row] = _query(db_url, select(po.c.number, po.c.vendor, po.c.order_date, lines.c.qty_ordered, lines.c.unit_cost)
                   .join(lines, lines.c.po_id == po.c.id))
    assert row[:4] == ("070002", "Acme", dt.date(2026, 11, 2), 5) and Decimal(row[4]) == Decimal("99.5")


def _round_trip_sales_orders(cli: Any, tmp: Path, db_url: str) -> None:
    _items(cli, tmp)
    path = _template(cli, "sales_orders")
    _drop(cli, path, "sales_orders", {2: {"SO #": "5002", "Customer": "Bob", "Office": "Main", "Item": "CBL-1",
                                          "Qty": 7, "Unit Price": 3}})
    so, lines = t.sales_orders, t.so_lines
    [row] = _query(db_url, select(so.c.number, so.c.customer, lines.c.qty_ordered, lines.c.unit_price)
                   .join(lines, lines.c.so_id == so.c.id))
    assert row[:3] == ("5002", "Bob", 7) and Decimal(row[3]) == 3


def _round_trip_receiving(cli: Any, tmp: Path, db_url: str) -> None:
    _orders(cli, tmp)
    path = _template(cli, "receiving", "--po", "70001")
    assert [(r["PO #"], r["Item"], r["Qty"]) for r in _prefilled(path)] == [("70001", "CAM-1", 3),
                                                                            ("70001", "CBL-1", 10)]
    _drop(cli, path, "receiving", {2: {"Serials": f"134593568000121, 134593568000122\n{SCANNED}",
                                       "Packing List #": "PL-77"},
                                   3: {"Bin": "C-10"}})
    assert _serials(db_url, "CAM-1") == {"134593568000121": "in_stock", "134593568000122": "in_stock",
                                         SCANNED: "in_stock"}
    lines = t.po_lines
    assert sorted(_query(db_url, select(lines.c.qty_received))) == [(3,), (10,)]
    assert {r[0] for r in _query(db_url, select(t.lots.c.packing_list))} == {"PL-77", None}


def _round_trip_shipping(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "shipping", "--so", "5001")
    assert [(r["SO #"], r["Item"], r["Qty"]) for r in _prefilled(path)] == [("5001", "CAM-1", 2), ("5001", "CBL-1", 4)]
    _drop(cli, path, "shipping", {2: {"Serials": "SN0001...SN0002", "Carrier": "UPS"}})
    assert _serials(db_url, "CAM-1") == {"SN0001": "shipped", "SN0002": "shipped", "SN0003": "in_stock"}
    assert sorted(_query(db_url, select(t.so_lines.c.qty_shipped))) == [(2,), (4,)]


def _round_trip_returns(cli: Any, tmp: Path, db_url: str) -> None:
    _shipped(cli, tmp)
    path = _template(cli, "returns", "--so", "5001")
    assert [(r["SO #"], r["Item"]) for r in _prefilled(path)] == [("5001", "CAM-1")]
    _drop(cli, path, "returns", {2: {"Serials": "SN0001", "Disposition": "restock", "Reason": "unopened"},
                                 3: {"SO #": "5001", "Item": "CAM-1", "Serials": "SN0002", "Disposition": "scrap"}})
    assert _serials(db_url, "CAM-1") == {"SN0001": "in_stock", "SN0002": "scrapped", "SN0003": "in_stock"}


def _round_trip_counts(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "counts", "--office", "main")
    [row] = _prefilled(path)
    assert (row["Office"], row["Item"]) == ("Main", "CAM-1") and row["Bin"]
    _drop(cli, path, "counts", {2: {"Serials": "SN0001\nSN0002\nSN0003", "Count Date": dt.date(2026, 11, 20)}})
    counts = t.counts
    assert sorted(_query(db_url, select(counts.c.serial, counts.c.bin, counts.c.count_date))) == [
        (s, row["Bin"], dt.date(2026, 11, 20)) for s in ("SN0001", "SN0002", "SN0003")]


def _round_trip_adjustments(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "adjustments")
    ws = load_workbook(path).worksheets[0]
    assert list(_headings(ws)) == ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Bin", "Unit Cost",
                                   "Adjustment Date"]
    _drop(cli, path, "adjustments", {2: {"Office": "Main", "Item": "CAM-1", "Action": "scrap", "Reason": "cracked",
                                         "Serials": "SN0001"},
                                     3: {"Office": "Main", "Item": "CAM-1", "Action": "write off",
                                         "Reason": "count difference", "Qty": 1, "Serials": "SN0002"},
                                     4: {"Office": "Main", "Item": "CAM-1", "Action": "found", "Reason": "in a box",
                                         "Serials": SCANNED, "Unit Cost": 99}})
    assert _serials(db_url, "CAM-1") == {"SN0001": "scrapped", "SN0002": "scrapped", "SN0003": "in_stock",
                                         SCANNED: "in_stock"}


def _round_trip_vendor_returns(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "vendor_returns", "--po", "70001")
    assert [(r["PO #"], r["Item"]) for r in _prefilled(path)] == [("70001", "CAM-1"), ("70001", "CBL-1")]
    _drop(cli, path, "vendor_returns", {2: {"Serials": "SN0003", "Reason": "dead on arrival", "RMA #": "R-1"},
                                        3: {"Qty": 2, "Reason": "wrong length"}})
    assert _serials(db_url, "CAM-1")["SN0003"] == "returned_to_vendor"
    pol = t.po_lines
    assert sorted(_query(db_url, select(pol.c.qty_received))) == [(2,), (8,)]


def _round_trip_lookups(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "lookups")
    ws = load_workbook(path).worksheets[0]
    assert list(_headings(ws)) == ["Serials"]  # one column, to paste a scan log into
    assert ws.cell(2, 1).number_format == "@"
    dest = _fill(path, cli.home / "inbox" / "lookups" / "filled-lookups.xlsx", {2: {"Serials": "SN0001"},
                                                                               3: {"Serials": SCANNED}})
    [out] = cli.ingest(dest)
    assert (out["kind"], out["status"], out["errors"]) == ("lookups", "answered", []), out
    assert (out["counts"]["found"], out["counts"]["not_found"]) == (1, 1)
    answers = load_workbook(out["output"])["Answers"]
    header = [c.value for c in answers[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in answers.iter_rows(min_row=2)]
    assert [(r["Asked"], r["Status"]) for r in rows] == [("SN0001", "in stock"), (SCANNED, "not in the ledger")]


def _round_trip_offices(cli: Any, tmp: Path, db_url: str) -> None:
    _orders(cli, tmp)
    path = _template(cli, "offices")
    _drop(cli, path, "offices", {2: {"Office": "Main", "Name": "Main warehouse", "Receiving Bin": "DOCK"},
                                 3: {"Office": "East", "Return Bin": "RMA"}})
    offices = t.offices
    assert sorted(_query(db_url, select(offices.c.name, offices.c.description, offices.c.receiving_bin,
                                        offices.c.return_bin))) == [
        ("East", None, "RECEIVING", "RMA"), ("Main", "Main warehouse", "DOCK", "RETURNS")]


def _round_trip_transfers(cli: Any, tmp: Path, db_url: str) -> None:
    _stock(cli, tmp)
    path = _template(cli, "transfers", "--office", "main")
    rows = _prefilled(path)
    assert [(r["Item"], r["From Office"], r.get("Serials"), r.get("Qty")) for r in rows] == [
        ("CAM-1", "Main", "SN0001", 1), ("CAM-1", "Main", "SN0002", 1), ("CAM-1", "Main", "SN0003", 1),
        ("CBL-1", "Main", None, None)]
    assert rows[0]["From Bin"] == "RECEIVING"
    keep_out = dict.fromkeys(("Item", "From Office", "From Bin", "Serials", "Qty"))  # the rows that stay put
    out = _drop(cli, path, "transfers", {2: keep_out, 3: {"To Office": "Main", "To Bin": "A-01", "Reference": "MOVE-1"},
                                         4: keep_out, 5: {"To Office": "Main", "To Bin": "SHELF", "Qty": 4,
                                                          "Transfer Date": dt.date(2026, 11, 20)}})
    units, bins = t.serial_units, t.bins
    assert _query(db_url, select(units.c.serial, bins.c.name).join(bins, bins.c.id == units.c.bin_id)
                  .order_by(units.c.serial)) == [("SN0001", "RECEIVING"), ("SN0002", "A-01"), ("SN0003", "RECEIVING")]
    tx = t.transactions
    document = f"TR-{out['batch']}"
    assert sorted(_query(db_url, select(tx.c.type, tx.c.qty, tx.c.document, tx.c.occurred_on)
                         .where(tx.c.type.like("transfer%")))) == [
        ("transfer_in", 1, "MOVE-1", dt.date.today()), ("transfer_in", 4, document, dt.date(2026, 11, 20)),
        ("transfer_out", 1, "MOVE-1", dt.date.today()), ("transfer_out", 4, document, dt.date(2026, 11, 20))]


ROUND_TRIPS: dict[str, Callable[[Any, Path, str], None]] = {
    "lookups": _round_trip_lookups,
    "items": _round_trip_items, "purchase_orders": _round_trip_purchase_orders,
    "sales_orders": _round_trip_sales_orders, "receiving": _round_trip_receiving,
    "shipping": _round_trip_shipping, "returns": _round_trip_returns, "counts": _round_trip_counts,
    "offices": _round_trip_offices, "transfers": _round_trip_transfers,
    "adjustments": _round_trip_adjustments, "vendor_returns": _round_trip_vendor_returns,
}


def test_template__every_registered_kind_has_a_round_trip() -> None:
    assert sorted(ROUND_TRIPS) == sorted(NAMES), "a new kind needs its template round trip here"


@pytest.mark.parametrize("kind", sorted(ROUND_TRIPS))
def test_template__filled_in_and_dropped_posts_what_was_typed(kind: str, cli: Any, tmp_path: Path,
                                                              db_url: str) -> None:
    ROUND_TRIPS[kind](cli, tmp_path, db_url)


# -- what the workbook holds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(NAMES))
def test_template__headers_map_back_and_text_columns_are_text(kind: str) -> None:
    """Every heading is one the reader maps to its field, and the columns of text (serials, orders, items,
    bins) are Text cell by cell and as the column's format."""
    columns = kind_columns(KINDS[kind].fields)  # type: ignore[index]
    aliases = KINDS[kind].fields.alias_map()  # type: ignore[index]
    assert all(aliases[header_key(c.heading)] == c.field for c in columns)
    assert {c.field for c in columns if c.value == "text"} >= ({"serials", "po_number", "so_number", "item_code",
                                                               "bin"} & set(KINDS[kind].fields.columns))  # type: ignore[index]


def _column_format(ws: Worksheet, column: int) -> str:
    """The number format of a whole column (openpyxl keys a run of alike columns by its first letter)."""
    [dim] = [d for d in ws.column_dimensions.values() if d.min <= column <= d.max]
    return str(dim.number_format)


def test_template__serial_and_code_columns_formatted_as_text(cli: Any, tmp_path: Path) -> None:
    _orders(cli, tmp_path)
    ws = load_workbook(_template(cli, "receiving")).worksheets[0]
    cols = _headings(ws)
    assert list(cols) == ["PO #", "Item", "Qty", "Serials", "Description", "Packing List #", "Received Date", "Bin",
                          "Mfr Lot", "Vendor"]
    for heading in ("PO #", "Item", "Serials", "Bin"):
        assert {ws.cell(r, cols[heading]).number_format for r in (2, 3, FORMATTED_ROWS, FORMATTED_ROWS + 1)} == {"@"}
        assert _column_format(ws, cols[heading]) == "@"
    assert _column_format(ws, cols["Qty"]) == "0"
    assert ws.freeze_panes == "A2"
    assert ws.tables.items() == [("Receiving", "A1:J2")]
    assert ws.cell(1, cols["PO #"]).comment is not None and ws.cell(1, cols["Qty"]).comment is None
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), "one page wide"
    assert ws.print_title_rows == "$1:$1"


def _list_values(wb: Any, formula: str) -> list[str]:
    sheet, _, ref = formula.lstrip("=").rpartition("!")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row]


def _drop_downs(path: Path) -> dict[str, list[str]]:
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    cols = {c: h for h, c in _headings(ws).items()}
    found = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        first = next(iter(dv.sqref.ranges))
        assert (first.min_row, first.max_row) == (2, TEMPLATE_ROWS + 1)
        found[cols[first.min_col]] = _list_values(wb, dv.formula1)
    return found


def test_template__drop_downs_hold_the_ledgers_values(cli: Any, tmp_path: Path) -> None:
    _shipped(cli, tmp_path)
    cli.ingest(so_book(tmp_path / "so2.xlsx", [["5003", "Eve", "North", "CBL-1", 1, 3]]), kind="sales_orders",
               expect=0)
    receiving = _drop_downs(_template(cli, "receiving"))
    assert receiving == {"Item": ["CAM-1", "CBL-1"]}, "PO 70001 is fully received: no open PO to list"
    shipping = _drop_downs(_template(cli, "shipping"))
    assert shipping == {"SO #": ["5003"], "Item": ["CAM-1", "CBL-1"]}, "5001 is fully shipped"
    returns = _drop_downs(_template(cli, "returns"))
    assert returns == {"SO #": ["5001"], "Item": ["CAM-1"], "Disposition": ["restock", "scrap", "return to vendor"]}
    counts = _drop_downs(_template(cli, "counts"))
    assert counts == {"Office": ["Main", "North"], "Item": ["CAM-1"]}
    orders = _drop_downs(_template(cli, "purchase_orders"))
    assert orders == {"Office": ["Main", "North"], "Item": ["CAM-1", "CBL-1"]}, "a new PO's number has no list"
    items = _drop_downs(_template(cli, "items"))
    assert items == {"Serialized": ["Y", "N"], "Track Mfr Lot": ["Y", "N"], "Check Digit": ["Luhn"]}
    wb = load_workbook(cli.home / "outbox" / "returns-template.xlsx")
    assert wb.sheetnames == ["Returns", "Lists", "How to fill in"] and wb["Lists"].sheet_state == "hidden"
    styles = {dv.promptTitle: (dv.type or "any", dv.errorStyle or "stop")  # the defaults are not written
              for dv in wb["Returns"].data_validations.dataValidation}
    assert styles["Disposition (required)"] == ("list", "stop"), "a closed list refuses other values"
    assert styles["Item (required)"] == ("list", "warning"), "the ledger may have outgrown the list"
    assert styles["Serials (required)"][0] == "any", "a tooltip only: any serial may be typed"
    assert styles["Return Date"][0] == "date"


def test_template__po_prefill_gives_the_quantity_still_expected(cli: Any, tmp_path: Path) -> None:
    _orders(cli, tmp_path)
    cli.ingest(workbook(tmp_path / "part.xlsx", ["PO #", "Item", "Qty"], [["70001", "CBL-1", 4]]), kind="receiving",
               expect=0)
    path = _template(cli, "receiving", "--po", "70001")
    assert path.name == "receiving-PO-70001.xlsx"
    assert _prefilled(path) == [{"PO #": "70001", "Item": "CAM-1", "Qty": 3, "Description": "Camera",
                                 "Vendor": "Acme"},
                                {"PO #": "70001", "Item": "CBL-1", "Qty": 6, "Description": "Cable",
                                 "Vendor": "Acme"}]
    ws = load_workbook(path).worksheets[0]
    assert ws.tables["Receiving"].ref == "A1:J3"
    assert {ws[cell].number_format for cell in ("A2", "D2", "D3", "H3", "D4")} == {"@"}, "Text in prefilled rows"
    _drop(cli, path, "receiving", {2: {"Serials": "SN0001...SN0003"}})
    result = cli("template", "receiving", "--po", "70001", expect=1)
    assert result.stderr.strip() == "Error: purchase order 70001 has nothing left to receive"


def test_template__usage_and_lookup_errors(cli: Any, tmp_path: Path) -> None:
    _orders(cli, tmp_path)
    unknown = cli("template", "packing_lists", expect=2)
    lines = [line for line in unknown.stderr.splitlines() if line]
    assert len(lines) == 3, "click's usage error: usage, a hint, the error"
    assert unknown.stderr.splitlines()[0].startswith("Usage: ") and unknown.stderr.splitlines()[-1].startswith(
        "Error: Invalid value for 'KIND': 'packing_lists' is not one of 'adjustments', 'counts', 'items',")
    wrong = cli("template", "shipping", "--po", "70001", expect=2)
    assert wrong.stderr.splitlines()[-1] == "Error: the shipping template takes --so, not --po"
    none = cli("template", "items", "--office", "Main", expect=2)
    assert none.stderr.splitlines()[-1] == "Error: the items template takes no --po, --so or --office, not --office"
    assert cli("template", "receiving", "--po", "1", "--so", "2", expect=2).stderr.splitlines()[-1] == (
        "Error: give one of --po, --so and --office")
    missing = cli("template", "receiving", "--po", "99999", expect=1)
    assert missing.stderr.strip() == "Error: there is no purchase order 99999 in the ledger"
    office = cli("template", "counts", "--office", "Nowhere", expect=1)
    assert office.stderr.strip() == "Error: there is no office Nowhere in the ledger"
    assert not [p for p in (cli.home / "outbox").iterdir() if "template" in p.name or "-PO-" in p.name]


def test_template__never_overwrites(cli: Any) -> None:
    first = _template(cli, "counts")
    first_bytes = first.read_bytes()
    second = _template(cli, "counts")
    assert (first.name, second.name) == ("counts-template.xlsx", "counts-template-2.xlsx")
    assert first.read_bytes() == first_bytes
    assert cli("template", "counts").stdout.strip() == str(first.with_name("counts-template-3.xlsx"))


def test_init__writes_a_blank_template_per_kind_and_touches_none_again(cli: Any, home: Path) -> None:
    output = cli("init").stdout
    written = sorted(p.name for p in (home / "templates").iterdir())
    assert written == sorted(f"{k}.xlsx" for k in NAMES)
    assert all(f"created {home / 'templates' / name}" in output for name in written)
    mine = home / "templates" / "receiving.xlsx"
    mine.write_bytes(b"my own version")
    (home / "templates" / "counts.xlsx").unlink()
    again = cli("init").stdout
    assert mine.read_bytes() == b"my own version"
    assert sorted(p.name for p in (home / "templates").iterdir()) == written
    assert [line for line in again.splitlines() if line.startswith("created")] == [
        f"created {home / 'templates' / 'counts.xlsx'}"]


def test_init__blank_template_filled_in_posts(cli: Any, home: Path, tmp_path: Path, db_url: str) -> None:
    cli("init")
    _orders(cli, tmp_path)
    blank = home / "templates" / "receiving.xlsx"
    assert load_workbook(blank).sheetnames == ["Receiving", "How to fill in"], "no ledger lists in a blank one"
    _drop(cli, blank, "receiving", {2: {"PO #": "70001", "Item": "CAM-1", "Qty": 1, "Serials": SCANNED},
                                    3: {"PO #": "70001", "Item": "CAM-1", "Serials": "000000000000007"}})
    assert _serials(db_url, "CAM-1") == {SCANNED: "in_stock", "000000000000007": "in_stock"}


def test_template__complete_orders_and_an_office_without_stock(cli: Any, tmp_path: Path) -> None:
    """An order with nothing left to do is said so (exit 1, nothing written); an office with nothing in stock
    gives one row with the office filled in."""
    _shipped(cli, tmp_path)
    cli.ingest(so_book(tmp_path / "so2.xlsx", [["5003", "Eve", "North", "CBL-1", 1, 3]]), kind="sales_orders",
               expect=0)
    shipped = cli("template", "shipping", "--so", "5001", expect=1)
    assert shipped.stderr.strip() == "Error: sales order 5001 has nothing left to ship"
    returned = cli("template", "returns", "--so", "5003", expect=1)
    assert returned.stderr.strip() == "Error: sales order 5003 has no shipped units out with the customer"
    out = cli.json("template", "counts", "--office", "NORTH")
    assert (Path(out["path"]).name, out["kind"], out["rows"]) == ("counts-NORTH.xlsx", "counts", 1)
    assert _prefilled(Path(out["path"])) == [{"Office": "North"}]
    assert cli.json("template", "shipping", "--so", "5003")["rows"] == 1

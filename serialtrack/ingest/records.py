"""Rows -> typed records for the master-data kinds (items, purchase orders, sales orders).

Each record keeps the cell of every field it was built from, so rules can point at the exact cell. A field
whose column is absent or whose cell is blank is simply not in ``values``: an upsert leaves it unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from serialtrack.ingest.reader import Row
from serialtrack.ingest.values import as_bool, as_code, as_date, as_money, as_qty, as_text, convert
from serialtrack.records import CellValue, Issue, Source

ITEM_FIELDS: dict[str, tuple[Callable[[CellValue], Any], str]] = {
    "description": (as_text, "description"),
    "serialized": (as_bool, "serialized"),
    "track_mfr_lot": (as_bool, "track mfr lot"),
    "next_serial": (as_text, "next serial"),
    "est_unit_cost": (as_money, "estimated unit cost"),
    "uom": (as_text, "unit of measure"),
    "serial_pattern": (as_text, "serial pattern"),
    "check_digit": (as_text, "check digit"),
    "warranty_months": (as_qty, "warranty months"),
    "vendor_warranty_months": (as_qty, "vendor warranty months"),
}


@dataclass(frozen=True)
class ItemRecord:
    code: str
    values: dict[str, Any]
    source: Source
    sources: dict[str, Source] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderLineRecord:
    """One line of a purchase order (``party`` = vendor) or sales order (``party`` = customer)."""

    number: str
    office: str
    item_code: str
    qty: int
    party: str | None
    price: Decimal | None
    order_date: dt.date | None
    source: Source
    sources: dict[str, Source] = field(default_factory=dict)


def _missing(row: Row, name: str, label: str, issues: list[Issue], columns_source: Source | None = None) -> None:
    cell = row.cells.get(name)
    where = cell.source if cell else (columns_source or row.source)
    issues.append(Issue("required-value-missing", f"{label} is empty; every row needs one", where))


def item_records(rows: list[Row]) -> tuple[list[ItemRecord], list[Issue]]:
    records: list[ItemRecord] = []
    issues: list[Issue] = []
    for row in rows:
        code_cell = row.get("item_code")
        code = as_code(code_cell.value) if code_cell else None
        if code is None:
            _missing(row, "item_code", "item code", issues)
            continue
        values: dict[str, Any] = {}
        sources: dict[str, Source] = {"item_code": code_cell.source} if code_cell else {}
        for name, (converter, label) in ITEM_FIELDS.items():
            cell = row.get(name)
            if cell is None:
                continue
            before = len(issues)
            value = convert(cell, converter, issues, label)
            if len(issues) == before and value is not None:
                values[name] = value
                sources[name] = cell.source
        records.append(ItemRecord(code, values, row.source, sources))
    return records, issues


def order_line_records(rows: list[Row], *, number_field: str, party_field: str,
                       price_field: str) -> tuple[list[OrderLineRecord], list[Issue]]:
    records: list[OrderLineRecord] = []
    issues: list[Issue] = []
    labels = {"po_number": "PO number", "so_number": "SO number"}
    for row in rows:
        before = len(issues)
        texts = {}
        for name, label in ((number_field, labels[number_field]), ("office", "office"),
                            ("item_code", "item code"), ("qty", "quantity")):
            if row.get(name) is None:
                _missing(row, name, label, issues)
            elif name != "qty":
                texts[name] = as_code(row.cells[name].value)
        qty = convert(row.get("qty"), as_qty, issues, "quantity")
        price = convert(row.get(price_field), as_money, issues, price_field.replace("_", " "))
        order_date = convert(row.get("order_date"), as_date, issues, "order date")
        party_cell = row.get(party_field)
        if len(issues) > before or qty is None:
            continue
        sources = {name: cell.source for name, cell in row.cells.items()}
        records.append(OrderLineRecord(
            number=texts[number_field] or "", office=texts["office"] or "", item_code=texts["item_code"] or "",
            qty=qty, party=as_text(party_cell.value) if party_cell else None, price=price, order_date=order_date,
            source=row.source, sources=sources))
    return records, issues

"""Each kind's columns as a clerk sees them: the heading a template writes, whether it is required, the other
headings the reader accepts, what kind of value goes in, and a line saying what to write.

One table serves the fill-in templates (``serialtrack template``), the clerks' guide (``docs/clerks.md``) and
the README's table of kinds, so the three cannot disagree with the reader: every heading here maps back to
its field through the kind's own alias map (``tests/service/test_templates.py`` checks it), and the accepted
headings listed are exactly those the alias map sends to the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from serialtrack.ingest.fields import COMMON_ALIASES, Kind, header_key
from serialtrack.records import KindName

#: How a column's cells are written and checked: text (formatted as Text, so Excel cannot change it), a whole
#: quantity, an amount, a date, or yes/no.
ValueKind = Literal["text", "int", "money", "date", "yesno"]

#: The heading a template writes for each field (a clerk's spelling that the reader maps back).
HEADINGS: dict[str, str] = {
    "serials": "Serials", "po_number": "PO #", "so_number": "SO #", "item_code": "Item", "qty": "Qty",
    "description": "Description", "serialized": "Serialized", "track_mfr_lot": "Track Mfr Lot",
    "next_serial": "Next Serial", "est_unit_cost": "Est Unit Cost", "uom": "UOM", "serial_pattern": "Serial Pattern",
    "check_digit": "Check Digit", "vendor": "Vendor", "customer": "Customer", "office": "Office",
    "unit_cost": "Unit Cost", "unit_price": "Unit Price", "order_date": "Order Date", "packing_list": "Packing List #",
    "received_date": "Received Date", "bin": "Bin", "mfr_lot": "Mfr Lot", "ship_date": "Ship Date",
    "carrier": "Carrier", "tracking": "Tracking #", "disposition": "Disposition", "reason": "Reason",
    "return_date": "Return Date", "count_date": "Count Date", "name": "Name", "receiving_bin": "Receiving Bin",
    "return_bin": "Return Bin", "from_office": "From Office", "to_office": "To Office", "from_bin": "From Bin",
    "to_bin": "To Bin", "transfer_date": "Transfer Date", "reference": "Reference", "action": "Action",
    "adjustment_date": "Adjustment Date", "rma": "RMA #",
}

_NOT_TEXT: dict[str, ValueKind] = {
    "qty": "int", "est_unit_cost": "money", "unit_cost": "money", "unit_price": "money",
    "order_date": "date", "received_date": "date", "ship_date": "date", "return_date": "date",
    "count_date": "date", "transfer_date": "date", "adjustment_date": "date", "serialized": "yesno", "track_mfr_lot": "yesno", "warranty_months": "int",
    "vendor_warranty_months": "int",
}

#: What to write in each column, in a clerk's words.
HINTS: dict[str, str] = {
    "serials": "one serial, or several separated by commas or new lines, or a span like 1000...1009",
    "po_number": "the purchase order number",
    "so_number": "the sales order number",
    "item_code": "the item code, as in the item list",
    "qty": "a whole number of units",
    "description": "free text",
    "serialized": "Y if each unit has a serial number, else N",
    "track_mfr_lot": "Y to keep the manufacturer's lot of each receipt, else N",
    "next_serial": "the first serial to generate when a receipt lists none (e.g. SN00100)",
    "est_unit_cost": "estimated cost of one unit",
    "uom": "unit of measure (EA, BOX, ...)",
    "serial_pattern": "a regular expression every serial must match (e.g. SN\\d{5})",
    "check_digit": "Luhn, or empty",
    "vendor": "the vendor's name",
    "customer": "the customer's name",
    "office": "the office (site, warehouse)",
    "unit_cost": "cost of one unit",
    "unit_price": "price of one unit",
    "order_date": "a date (2026-11-29)",
    "packing_list": "the packing list number",
    "received_date": "a date (2026-11-29); empty: today",
    "bin": "the bin; empty: the office's receiving bin",
    "mfr_lot": "the manufacturer's lot",
    "ship_date": "a date (2026-11-29); empty: today",
    "carrier": "the carrier",
    "tracking": "the tracking number",
    "disposition": "restock, scrap or return to vendor",
    "reason": "free text",
    "return_date": "a date (2026-11-29); empty: today",
    "count_date": "a date (2026-11-29); empty: today",
    "warranty_months": "months of customer warranty from the ship date; empty: none",
    "vendor_warranty_months": "months of vendor warranty from the received date; empty: none",
    "name": "the office's full name",
    "receiving_bin": "the bin receipts go to when a row names none",
    "return_bin": "the bin restocked returns go to",
    "from_office": "the office the units leave",
    "to_office": "the office the units go to",
    "from_bin": "the bin they leave; empty: any bin of that office",
    "to_bin": "the bin they go to; empty: the office's receiving bin",
    "transfer_date": "a date (2026-11-29); empty: today",
    "reference": "your transfer number or note",
    "action": "scrap, write off or found",
    "adjustment_date": "a date (2026-11-29); empty: today",
    "rma": "the vendor's return authorization number",
}

#: Where a field means something particular to one kind: (kind, field) -> hint.
KIND_HINTS: dict[tuple[str, str], str] = {
    (KindName.PURCHASE_ORDERS, "office"): "the office that receives it; a new name creates the office",
    (KindName.SALES_ORDERS, "office"): "the office that ships it; a new name creates the office",
    (KindName.COUNTS, "office"): "the office counted",
    (KindName.COUNTS, "bin"): "the bin counted; empty: the count is not by bin",
    (KindName.PURCHASE_ORDERS, "qty"): "the quantity ordered",
    (KindName.SALES_ORDERS, "qty"): "the quantity ordered",
    (KindName.RECEIVING, "qty"): "the units received; empty: one per serial listed",
    (KindName.SHIPPING, "qty"): "the units shipped; empty: one per serial listed",
    (KindName.LOOKUPS, "serials"): "the serials to look up: one per row, or several per cell",
    (KindName.LOOKUPS, "item_code"): "the item, to look the serial up on that item only; empty: every item",
    (KindName.OFFICES, "office"): "the office's short name, as every other file names it; a new one is created",
    (KindName.TRANSFERS, "qty"): "the units moved; empty: one per serial listed",
    (KindName.ADJUSTMENTS, "qty"): "the units adjusted; empty: one per serial listed",
    (KindName.ADJUSTMENTS, "bin"): "scrap or write off: the bin the serials are in (checked); found: the bin they "
                                   "go to; empty: any bin, or the office's receiving bin",
    (KindName.ADJUSTMENTS, "unit_cost"): "found: the cost of one unit; empty: the item's estimated cost",
    (KindName.ADJUSTMENTS, "reason"): "why (damaged, lost, count difference ...): required",
    (KindName.VENDOR_RETURNS, "qty"): "the units sent back; empty: one per serial listed",
    (KindName.VENDOR_RETURNS, "po_number"): "the purchase order the units were received on",
}


@dataclass(frozen=True)
class KindColumn:
    """One column of a kind, as clerks meet it."""

    field: str
    heading: str
    required: bool
    aliases: tuple[str, ...]  # the other headings the reader accepts for it, in the table's spelling
    value: ValueKind
    hint: str


def heading(name: str) -> str:
    """The template's heading for field ``name`` (``po_number`` -> ``PO #``); a field without one in
    :data:`HEADINGS` gets its name in words (``from_office`` -> ``From Office``), which the reader also maps."""
    return HEADINGS.get(name) or name.replace("_", " ").title()


def value_kind(name: str) -> ValueKind:
    return _NOT_TEXT.get(name, "text")


def kind_columns(kind: Kind) -> list[KindColumn]:
    """The kind's columns in its order, each with the headings its alias map sends to it."""
    mapping = kind.alias_map()
    found: list[KindColumn] = []
    for name in kind.columns:
        own = heading(name)
        spellings: dict[str, str] = {}  # header key -> first spelling
        for alias in (*kind.extra_aliases.get(name, ()), *COMMON_ALIASES.get(name, ())):
            key = header_key(alias)
            if mapping.get(key) == name and key != header_key(own):
                spellings.setdefault(key, alias)
        hint = KIND_HINTS.get((kind.name, name)) or HINTS.get(name, "")
        found.append(KindColumn(name, own, name in kind.required, tuple(spellings.values()), value_kind(name), hint))
    return found


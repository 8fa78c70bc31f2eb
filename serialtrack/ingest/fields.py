"""Fields and their header aliases: column maps as data, not ``if`` chains.

Headers match ignoring case, spaces and punctuation (``header_key``). A ``Kind`` lists its columns, which of
them are required, and kind-specific aliases (``Date`` means the received date on a packing list and the order
date on a purchase order); each kind's list lives with the kind in ``serialtrack.kinds``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from serialtrack.records import KindName

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: object) -> str:
    """``'Serial #'`` -> ``'serial'``, ``'P/N'`` -> ``'pn'``: what header matching compares."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _NON_ALNUM.sub("", folded)


#: Aliases every kind understands, field -> header spellings (SPEC's minimum, plus common ones).
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "serials": ("Serial", "Serials", "Serial No", "Serial Number", "Serial Numbers", "Serial #", "S/N", "SN",
                "Ref #s", "Reference #s", "IMEI", "Serial Nos", "SerialNumber"),
    "po_number": ("PO", "PO #", "PO No", "PO Number", "Purchase Order", "Purchase Order #", "Purchase Order No",
                  "Customer PO"),
    "so_number": ("SO", "SO #", "SO No", "SO Number", "Sales Order", "Sales Order #", "Sales Order No"),
    "item_code": ("Item", "Item Code", "Code", "LIC", "SKU", "Part #", "Part Number", "P/N", "Part No",
                  "Item #", "Item No", "Line Item Code", "PartNumber", "Model"),
    "qty": ("Qty", "Quantity", "Qty Shipped", "Ship Qty", "Exp Qty", "Qty Received", "Received Qty"),
    "description": ("Description", "Desc", "Item Description", "Product Description", "Product"),
    "serialized": ("Serialized", "Serial Tracked", "Track Serials", "Serial Tracking"),
    "track_mfr_lot": ("Track Mfr Lot", "Mfr Lot Tracked", "Track Lot"),
    "next_serial": ("Next Serial", "Next Serial #", "Next Serial No"),
    "est_unit_cost": ("Est Unit Cost", "Estimated Unit Cost", "Standard Cost", "Est Cost"),
    "uom": ("UOM", "U/M", "Unit of Measure", "Unit"),
    "serial_pattern": ("Serial Pattern", "Serial Format", "Serial Regex"),
    "check_digit": ("Check Digit",),
    "warranty_months": ("Warranty Months", "Warranty", "Warranty (months)", "Customer Warranty Months"),
    "vendor_warranty_months": ("Vendor Warranty Months", "Vendor Warranty", "Vendor Warranty (months)",
                               "Supplier Warranty Months"),
    "vendor": ("Vendor", "Supplier", "Vendor Name", "Supplier Name"),
    "customer": ("Customer", "Client", "Customer Name", "Ship To"),
    "office": ("Office", "Site", "Warehouse", "Location"),
    "unit_cost": ("Unit Cost", "Cost", "Cost Each"),
    "unit_price": ("Unit Price", "Price", "Price Each", "Sell Price"),
    "order_date": ("Order Date", "PO Date", "SO Date"),
    "packing_list": ("Packing List", "Packing List #", "Packing List No", "PL No", "PL #", "PL Number",
                     "Packing Slip", "Packing Slip #"),
    "received_date": ("Received Date", "Date Received", "Receipt Date", "Received"),
    "bin": ("Bin", "Bin Location", "Rack"),
    "mfr_lot": ("Mfr Lot", "Manufacturer Lot", "Lot", "Lot #", "Lot No", "Batch", "Batch No"),
    "ship_date": ("Ship Date", "Shipped Date", "Date Shipped"),
    "carrier": ("Carrier", "Ship Via", "Shipper"),
    "tracking": ("Tracking", "Tracking #", "Tracking No", "Tracking Number"),
    "disposition": ("Disposition", "Action", "Return Action"),
    "reason": ("Reason", "Return Reason", "Comment", "Notes"),
    "return_date": ("Return Date", "Returned Date", "Date Returned"),
    "count_date": ("Count Date", "Counted", "Scan Date"),
    # offices (master data)
    "name": ("Name", "Office Name", "Site Name", "Warehouse Name"),
    "receiving_bin": ("Receiving Bin", "Receiving Location", "Receipt Bin"),
    "return_bin": ("Return Bin", "Returns Bin", "Return Location"),
    # transfers
    "from_office": ("From Office", "From", "From Site", "From Warehouse", "From Location", "Source Office"),
    "to_office": ("To Office", "To", "To Site", "To Warehouse", "To Location", "Destination Office",
                  "Destination"),
    "from_bin": ("From Bin", "Source Bin"),
    "to_bin": ("To Bin", "Destination Bin"),
    "transfer_date": ("Transfer Date", "Moved Date", "Move Date"),
    "reference": ("Reference", "Ref", "Transfer #", "Transfer No", "Reference No"),
    # adjustments
    "action": ("Action", "Adjustment", "Adjustment Type"),
    "adjustment_date": ("Adjustment Date", "Adjusted Date"),
    # vendor returns
    "rma": ("RMA", "RMA #", "RMA No", "RMA Number", "Return Authorization", "Return Authorization #"),
}

#: Field names known to the product (vendor mappings may name only these).
FIELDS: frozenset[str] = frozenset(COMMON_ALIASES)

#: Fields that may be given once in the title block above the header and then apply to every row.
TITLE_FIELDS: frozenset[str] = frozenset({
    "po_number", "so_number", "packing_list", "received_date", "ship_date", "return_date", "count_date",
    "order_date", "vendor", "customer", "office", "carrier", "bin", "from_office", "to_office", "from_bin",
    "to_bin", "transfer_date", "reference", "adjustment_date", "rma",
})

#: Headers that number rows; never serials unless a vendor mapping says so (SPEC's ``S.No`` trap).
ROW_NUMBER_HEADERS: frozenset[str] = frozenset(
    header_key(h) for h in ("S.No", "SNo.", "Sr No", "Sr. No.", "Sl No", "No.", "#", "Line", "Line #", "Row")
)


#: Headers our own answers add to a clerk's sheet (the annotated copy's Errors column): a corrected copy dropped
#: again carries them, and they are not the clerk's columns, so they are neither read nor listed as unread.
OUR_HEADERS: frozenset[str] = frozenset({header_key("Errors")})


@dataclass(frozen=True)
class Kind:
    """One file kind: its columns, the required ones, and its own extra aliases."""

    name: KindName
    columns: tuple[str, ...]
    required: frozenset[str]
    extra_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    master_data: bool = False
    #: Detected only when its own fields are all a sheet names (a lookup: serials, perhaps the item); a sheet
    #: that also names a field of another kind (a PO, a qty) is not guessed to be a question.
    exclusive: bool = False
    #: Detected from headers only where a sheet also names one of these fields: a vendor return's RMA, reason
    #: or return date. Without one, a PO / Item / Qty / Serial sheet is a packing list, not a vendor return.
    detect_needs: frozenset[str] = frozenset()

    def alias_map(self, vendor_columns: Mapping[str, str] | None = None) -> HeaderMap:
        """header_key -> field for this kind; a vendor's mapping wins over the built-in aliases, both for a
        header the two spell alike and for a field that both an alias column and a vendor column name."""
        mapping: dict[str, str] = {}
        for name in self.columns:
            for alias in COMMON_ALIASES.get(name, ()) + self.extra_aliases.get(name, ()):
                mapping.setdefault(header_key(alias), name)
            mapping.setdefault(header_key(name), name)
        vendor: dict[str, str] = {}
        for header, name in (vendor_columns or {}).items():
            if name in self.columns:
                vendor[header_key(header)] = name
        mapping.update(vendor)
        return HeaderMap(mapping, frozenset(vendor))

    def closest_field(self, header: object) -> str | None:
        """The field of this kind whose name or alias ``header`` most resembles (a misspelt ``Serail No`` ->
        serials), or None when nothing is close. Row-number headers (``S.No``) resemble nothing."""
        key = header_key(header)
        if not key or key in ROW_NUMBER_HEADERS:
            return None
        spellings: dict[str, str] = {}
        for name in self.columns:
            for alias in (name, *COMMON_ALIASES.get(name, ()), *self.extra_aliases.get(name, ())):
                spellings.setdefault(header_key(alias), name)
        match = difflib.get_close_matches(key, list(spellings), n=1, cutoff=0.8)
        return spellings[match[0]] if match else None


class HeaderMap(Mapping[str, str]):
    """header_key -> field, remembering which keys a vendor mapping gave (those win a field over aliases)."""

    def __init__(self, mapping: Mapping[str, str], vendor: frozenset[str] = frozenset()) -> None:
        self._mapping = dict(mapping)
        self.vendor = vendor

    def __getitem__(self, key: str) -> str:
        return self._mapping[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping)

    def __len__(self) -> int:
        return len(self._mapping)


#: How a field is named to a clerk (the usual header), never the internal name.
FIELD_LABELS: dict[str, str] = {
    "serials": "Serials", "po_number": "PO", "so_number": "SO", "item_code": "Item", "qty": "Qty",
    "description": "Description", "serialized": "Serialized", "track_mfr_lot": "Track Mfr Lot",
    "next_serial": "Next Serial", "est_unit_cost": "Est Unit Cost", "uom": "UOM", "serial_pattern": "Serial Pattern",
    "check_digit": "Check Digit", "warranty_months": "Warranty Months",
    "vendor_warranty_months": "Vendor Warranty Months", "vendor": "Vendor", "customer": "Customer", "office": "Office",
    "unit_cost": "Unit Cost", "unit_price": "Unit Price", "order_date": "Order Date", "packing_list": "Packing List",
    "received_date": "Received Date", "bin": "Bin", "mfr_lot": "Mfr Lot", "ship_date": "Ship Date",
    "carrier": "Carrier", "tracking": "Tracking", "disposition": "Disposition", "reason": "Reason",
    "return_date": "Return Date", "count_date": "Count Date",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").title())

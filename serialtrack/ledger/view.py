"""The read-only view of the ledger that rules and plans see: frozen records fetched in bulk by the store
for exactly the items, orders and serials one file names. Rules never query; they look things up here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: int
    code: str
    serialized: bool
    track_mfr_lot: bool
    next_serial: str | None
    est_unit_cost: Decimal | None
    serial_pattern: str | None
    check_digit: str | None
    description: str | None = None
    #: Whether any PO/SO line, lot or transaction links to the item (its ``serialized`` flag is then locked).
    linked: bool = False
    uom: str | None = None
    #: The digit count of the item's serials in the ledger when they are all of one width and purely numeric
    #: (``000101`` on hand: 6), so a ``101`` whose zeros Excel dropped is caught; None when unknown or mixed.
    ledger_width: int | None = None
    warranty_months: int | None = None
    vendor_warranty_months: int | None = None


@dataclass(frozen=True, slots=True)
class OrderLineInfo:
    id: int
    item_code: str
    qty_ordered: int
    qty_done: int  # received (PO) or shipped (SO)
    price: Decimal | None  # unit cost (PO) or unit price (SO)


@dataclass(frozen=True, slots=True)
class OrderInfo:
    id: int
    number: str
    office: str
    party: str | None
    order_date: dt.date | None
    lines: Mapping[str, OrderLineInfo]  # item code -> line

    @property
    def has_activity(self) -> bool:
        return any(line.qty_done for line in self.lines.values())


@dataclass(frozen=True, slots=True)
class SerialInfo:
    id: int
    item_code: str
    serial: str
    status: str
    office: str | None
    bin: str | None
    lot_id: int
    lot_document: str
    unit_cost: Decimal
    office_id: int | None = None
    bin_id: int | None = None
    #: the document of its latest shipment that was not reversed ("SO-5001"), for returns
    shipped_on: str | None = None


@dataclass(frozen=True)
class LedgerView:
    items: Mapping[str, ItemInfo] = field(default_factory=lambda: MappingProxyType({}))
    purchase_orders: Mapping[str, OrderInfo] = field(default_factory=lambda: MappingProxyType({}))
    sales_orders: Mapping[str, OrderInfo] = field(default_factory=lambda: MappingProxyType({}))
    #: item code -> the serials among those asked about that the ledger already holds for that item
    known_serials: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    #: (item code, serial) -> its unit, for the serials asked about
    serial_units: Mapping[tuple[str, str], SerialInfo] = field(default_factory=lambda: MappingProxyType({}))
    offices: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # office name (casefolded) -> id
    #: (item code, office casefolded) -> on hand of a non-serialized item (lots' remaining)
    plain_on_hand: Mapping[tuple[str, str], int] = field(default_factory=lambda: MappingProxyType({}))

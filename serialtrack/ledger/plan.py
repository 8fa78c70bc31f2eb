"""Posting plans: what a file will change, as pure values built before anything is written.

Each kind (``serialtrack.kinds``) builds its plan from its typed lines and the ledger view; the store applies
it in one transaction (``store.Store.apply``), so a plan is tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from serialtrack.records import ItemValue, KindName


class MasterChange:
    """What an answer says of one master-data record (an item, an office): ``created``, ``updated`` or
    ``unchanged``, from its ``new`` and ``changed`` fields."""

    new: bool
    changed: bool

    @property
    def change(self) -> str:
        return "created" if self.new else ("updated" if self.changed else "unchanged")


@dataclass(frozen=True)
class ItemChange(MasterChange):
    code: str
    values: Mapping[str, ItemValue]
    new: bool
    #: False when every value the file gives is what the ledger already holds: nothing is written
    changed: bool = True


@dataclass(frozen=True)
class OrderLineChange:
    item_code: str
    qty: int
    price: Decimal | None


@dataclass(frozen=True)
class OrderChange:
    kind: KindName  # purchase_orders or sales_orders
    number: str
    office: str
    party: str | None
    order_date: dt.date | None
    lines: tuple[OrderLineChange, ...]
    new: bool


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """One serial unit received: where it goes and which cell it came from."""

    serial: str
    bin: str
    entry: str
    sheet: str | None
    row: int | None
    existing_id: int | None = None  # the unit row of a reversed receipt, received again


@dataclass(frozen=True)
class LotPlan:
    """One lot: one receipt of one PO line."""

    document: str  # transaction id, "PO-60006"
    po_number: str
    item_code: str
    office: str
    received_date: dt.date
    qty_ordered: int
    qty: int
    qty_previously_received: int
    unit_cost: Decimal
    bin: str
    mfr_lot: str | None
    packing_list: str | None
    units: tuple[UnitPlan, ...]  # empty for a non-serialized item
    rows: tuple[tuple[str | None, int | None, int], ...] = ()  # (sheet, row, qty) for non-serialized lines
    #: the most the PO line may hold once this lot is in (ordered + tolerance), guarded at commit; None: exactly
    #: the quantity the check read must still be there
    qty_allowed: int | None = None


@dataclass(frozen=True, slots=True)
class ShipUnit:
    unit_id: int
    serial: str
    lot_id: int
    lot_document: str
    unit_cost: Decimal
    office_id: int | None
    bin_id: int | None
    bin: str | None
    entry: str
    sheet: str | None
    row: int | None


@dataclass(frozen=True)
class ShipLinePlan:
    so_number: str
    item_code: str
    office: str
    ship_date: dt.date
    qty: int
    qty_ordered: int
    qty_previously_shipped: int
    unit_price: Decimal | None
    units: tuple[ShipUnit, ...]  # empty for a non-serialized item: lots are consumed first in, first out
    rows: tuple[tuple[str | None, int | None, int], ...] = ()
    carrier: str | None = None
    tracking: str | None = None

    @property
    def cost(self) -> Decimal:
        return sum((u.unit_cost for u in self.units), Decimal(0))


@dataclass(frozen=True, slots=True)
class ReturnPlan:
    so_number: str
    item_code: str
    office: str
    serial: str
    unit_id: int
    lot_id: int
    lot_document: str
    unit_cost: Decimal
    disposition: str  # restock | scrap | return_to_vendor
    reason: str | None
    return_date: dt.date
    sheet: str | None
    row: int | None
    #: the last day of the unit's customer warranty (from its ship date), None without one
    warranty_until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class CountPlan:
    office: str
    bin: str | None
    item_code: str
    serial: str
    count_date: dt.date
    scans: int
    sheet: str | None
    row: int | None


@dataclass(frozen=True, slots=True)
class LotPick:
    """A quantity of a non-serialized item taken from one lot, first in, first out, when the file is checked
    (adjustments, vendor returns): posting takes exactly these, guarded, so the answer's values are the
    ledger's."""

    lot_id: int
    lot_document: str
    office_id: int
    office: str
    qty: int
    unit_cost: Decimal
    received_date: dt.date


@dataclass(frozen=True, slots=True)
class CountDifference:
    """One difference between a count and the ledger, and what would close it.

    ``difference``: missing (in stock here, not counted), unexpected (counted, unknown to the ledger),
    wrong office / wrong bin (counted here, in stock elsewhere), not in stock (counted, but shipped, scrapped or
    returned). ``proposal``: write_off, found, transfer, or None (a person has to look).
    """

    difference: str
    office: str
    bin: str | None  # where it was counted (missing: the bin the ledger has it in)
    item_code: str
    serial: str
    ledger_says: str
    proposal: str | None
    advice: str
    count_date: dt.date
    from_office: str | None = None  # a transfer's origin: where the ledger has it
    from_bin: str | None = None
    sheet: str | None = None
    row: int | None = None


#: A serialized unit taken from where it stands (a transfer, a scrap or write-off, a vendor return): the same
#: facts a shipment needs, checked again at commit (still in stock, at that office, in that lot).
StockUnit = ShipUnit


@dataclass(frozen=True)
class OfficeChange(MasterChange):
    """One office of an ``offices`` file: created, or its full name and bins updated (``values``: only the
    columns the file gives: ``description``, ``receiving_bin``, ``return_bin``)."""

    name: str
    values: Mapping[str, str]
    new: bool
    changed: bool = True


@dataclass(frozen=True)
class TransferLinePlan:
    """Units (or a quantity) of one item moving from one office (and bin) to another."""

    item_code: str
    from_office: str
    from_bin: str | None
    to_office: str
    to_bin: str | None  # None: the destination office's receiving bin
    qty: int
    transfer_date: dt.date
    reference: str | None
    units: tuple[StockUnit, ...]  # empty for a non-serialized item: lots are taken first in, first out
    rows: tuple[tuple[str | None, int | None, int], ...] = ()


@dataclass(frozen=True)
class AdjustmentLinePlan:
    """One item's scrap, write-off or found units (or quantity) at one office."""

    office: str
    item_code: str
    action: str  # scrap | write_off | found
    reason: str
    qty: int
    bin: str | None
    adjustment_date: dt.date
    unit_cost: Decimal | None  # found: the new lot's cost (the file's, else the item's estimate)
    units: tuple[StockUnit, ...] = ()  # scrap / write_off of serialized units
    found: tuple[UnitPlan, ...] = ()  # found serialized units
    rows: tuple[tuple[str | None, int | None, int], ...] = ()
    #: scrap / write_off of a non-serialized quantity: the lots it comes from
    picks: tuple[LotPick, ...] = ()


@dataclass(frozen=True)
class VendorReturnLinePlan:
    """Units (or a quantity) of one PO line going back to the vendor."""

    po_number: str
    item_code: str
    qty: int
    reason: str | None
    rma: str | None
    return_date: dt.date
    units: tuple[StockUnit, ...]  # empty for a non-serialized item: that PO's lots, first in, first out
    rows: tuple[tuple[str | None, int | None, int], ...] = ()
    #: unit id -> the last day of its vendor warranty (from its received date), None without one
    vendor_warranty_until: Mapping[int, dt.date | None] = field(default_factory=dict)
    #: a non-serialized quantity: the lots it comes from (the PO line's, and those moved out of them)
    picks: tuple[LotPick, ...] = ()
    #: the PO line, and its ordered and received quantities as the check read them (guarded at commit)
    po_line_id: int = 0
    qty_ordered: int = 0
    qty_received: int = 0
    #: the item's vendor warranty in months (None: none), for the picks' warranty dates
    vendor_warranty_months: int | None = None


@dataclass(frozen=True)
class PostingPlan:
    kind: KindName
    items: tuple[ItemChange, ...] = ()
    orders: tuple[OrderChange, ...] = ()
    lots: tuple[LotPlan, ...] = ()
    next_serials: Mapping[str, str] = field(default_factory=dict)  # item code -> new next_serial
    rows: int = 0
    shipments: tuple[ShipLinePlan, ...] = ()
    returns: tuple[ReturnPlan, ...] = ()
    counts: tuple[CountPlan, ...] = ()
    offices: tuple[OfficeChange, ...] = ()
    transfers: tuple[TransferLinePlan, ...] = ()
    adjustments: tuple[AdjustmentLinePlan, ...] = ()
    vendor_returns: tuple[VendorReturnLinePlan, ...] = ()
    #: a count's differences from the ledger as it stood when the count was checked (counts change no stock)
    count_differences: tuple[CountDifference, ...] = ()

    @property
    def units(self) -> int:
        return (sum(lot.qty for lot in self.lots) + sum(s.qty for s in self.shipments) + len(self.returns)
                + len(self.counts) + sum(t.qty for t in self.transfers) + sum(a.qty for a in self.adjustments)
                + sum(v.qty for v in self.vendor_returns))

    @property
    def value(self) -> Decimal:
        return sum((lot.unit_cost * lot.qty for lot in self.lots), Decimal(0))

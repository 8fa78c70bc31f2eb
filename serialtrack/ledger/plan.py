"""Posting plans: what a file will change, built as pure values before anything is written.

The store applies a plan in one transaction (``store.Store.apply``); building it needs only the file's
records and the ledger view, so it is tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from serialtrack.records import SerialStatus


@dataclass(frozen=True)
class ItemChange:
    code: str
    values: Mapping[str, Any]
    new: bool


@dataclass(frozen=True)
class OrderLineChange:
    item_code: str
    qty: int
    price: Decimal | None


@dataclass(frozen=True)
class OrderChange:
    kind: str  # "purchase_orders" or "sales_orders"
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


@dataclass(frozen=True)
class PostingPlan:
    kind: str
    items: tuple[ItemChange, ...] = ()
    orders: tuple[OrderChange, ...] = ()
    lots: tuple[LotPlan, ...] = ()
    next_serials: Mapping[str, str] = field(default_factory=dict)  # item code -> new next_serial
    rows: int = 0
    shipments: tuple[Any, ...] = ()  # plan_outbound.ShipLinePlan
    returns: tuple[Any, ...] = ()  # plan_outbound.ReturnPlan
    counts: tuple[Any, ...] = ()  # plan_outbound.CountPlan

    @property
    def units(self) -> int:
        return (sum(lot.qty for lot in self.lots) + sum(s.qty for s in self.shipments) + len(self.returns)
                + len(self.counts))

    @property
    def value(self) -> Decimal:
        return sum((lot.unit_cost * lot.qty for lot in self.lots), Decimal(0))


def plan_items(records: Sequence[Any], known: Mapping[str, Any]) -> PostingPlan:
    changes = tuple(ItemChange(r.code, dict(r.values), r.code not in known) for r in records)
    return PostingPlan("items", items=changes, rows=len(records))


def plan_orders(kind: str, records: Sequence[Any], known: Mapping[str, Any]) -> PostingPlan:
    grouped: dict[str, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.number, []).append(record)
    orders = []
    for number, lines in grouped.items():
        head = lines[0]
        party = next((ln.party for ln in lines if ln.party), None)
        order_date = next((ln.order_date for ln in lines if ln.order_date), None)
        orders.append(OrderChange(
            kind, number, head.office, party, order_date,
            tuple(OrderLineChange(ln.item_code, ln.qty, ln.price) for ln in lines), number not in known))
    return PostingPlan(kind, orders=tuple(orders), rows=len(records))


def plan_receipt(lines: Sequence[Any], view: Any, *, today: dt.date, receiving_bin: str,
                 next_serials: Mapping[str, str], rows: int) -> PostingPlan:
    """One lot per received PO line, unit cost from the PO line, else the item's estimate, else 0."""
    lots = []
    for line in lines:
        po = view.purchase_orders[line.po_number]
        po_line = po.lines[line.item_code]
        item = view.items[line.item_code]
        unit_cost = po_line.price if po_line.price is not None else (item.est_unit_cost or Decimal(0))
        dates = [r.date for r in line.rows if r.date]
        row_bins = [r.bin for r in line.rows if r.bin]
        lot_bin = row_bins[0] if row_bins else receiving_bin
        bins = {(r.source.sheet, r.source.row): r.bin for r in line.rows if r.bin}
        units = []
        for unit in line.units:
            src = unit.source
            sheet, row = (src.sheet, src.row) if src is not None else (None, None)
            known = view.serial_units.get((line.item_code, unit.serial))
            units.append(UnitPlan(unit.serial, bins.get((sheet, row)) or receiving_bin, unit.entry, sheet, row,
                                  known.id if known is not None and known.status == SerialStatus.REVERSED else None))
        mfr_lot = next((r.mfr_lot for r in line.rows if r.mfr_lot), None)
        lots.append(LotPlan(
            document=f"PO-{line.po_number}", po_number=line.po_number, item_code=line.item_code, office=po.office,
            received_date=min(dates) if dates else today, qty_ordered=po_line.qty_ordered, qty=line.qty,
            qty_previously_received=po_line.qty_done, unit_cost=Decimal(unit_cost), bin=lot_bin, mfr_lot=mfr_lot,
            packing_list=line.packing_list, units=tuple(units) if item.serialized else (),
            rows=tuple((r.source.sheet, r.source.row, r.qty if r.qty is not None else len(r.units))
                       for r in line.rows)))
    return PostingPlan("receiving", lots=tuple(lots), next_serials=dict(next_serials), rows=rows)

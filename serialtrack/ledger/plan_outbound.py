"""Plans for the outbound kinds: shipments (units leave stock, cost of goods from their lots), returns
(restock, scrap, return to vendor) and counts (stored scans). Pure values, applied by ``outbound_store``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from serialtrack.ledger.plan import PostingPlan


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


def _row_of(unit: object) -> tuple[str | None, int | None]:
    source = getattr(unit, "source", None)
    return (source.sheet, source.row) if source is not None else (None, None)


def plan_shipment(lines: Sequence[Any], view: Any, *, today: dt.date, rows: int,
                  shipping_info: Mapping[tuple[str, str], tuple[str | None, str | None]]) -> PostingPlan:
    """``shipping_info``: (SO, item) -> (carrier, tracking) as given on the line's rows."""
    plans = []
    for line in lines:
        so = view.sales_orders[line.number]
        so_line = so.lines[line.item_code]
        dates = [r.date for r in line.rows if r.date]
        units = []
        for unit in line.units:
            info = view.serial_units[(line.item_code, unit.serial)]
            sheet, row = _row_of(unit)
            units.append(ShipUnit(info.id, unit.serial, info.lot_id, info.lot_document, Decimal(info.unit_cost),
                                  info.office_id, info.bin_id, info.bin, unit.entry, sheet, row))
        carrier, tracking = shipping_info.get((line.number, line.item_code), (None, None))
        plans.append(ShipLinePlan(
            line.number, line.item_code, so.office, min(dates) if dates else today, line.qty, so_line.qty_ordered,
            so_line.qty_done, so_line.price, tuple(units),
            tuple((r.source.sheet, r.source.row, r.qty if r.qty is not None else len(r.units)) for r in line.rows),
            carrier, tracking))
    return PostingPlan("shipping", shipments=tuple(plans), rows=rows)


def plan_returns(entries: Sequence[Any], view: Any, *, today: dt.date, rows: int,
                 disposition_of: Any) -> PostingPlan:
    plans = []
    for e in entries:
        so = view.sales_orders[e.number]
        info = view.serial_units[(e.item_code, e.unit.serial)]
        sheet, row = _row_of(e.unit)
        plans.append(ReturnPlan(e.number, e.item_code, so.office, e.unit.serial, info.id, info.lot_id,
                                info.lot_document, Decimal(info.unit_cost), disposition_of(e.extra), e.reason,
                                e.date or today, sheet, row))
    return PostingPlan("returns", returns=tuple(plans), rows=rows)


def plan_counts(entries: Sequence[Any], *, today: dt.date, rows: int) -> PostingPlan:
    merged: dict[tuple[str, str, str], CountPlan] = {}
    for e in entries:
        key = (e.number.casefold(), e.item_code, e.unit.serial)
        sheet, row = _row_of(e.unit)
        if key in merged:
            merged[key] = replace(merged[key], scans=merged[key].scans + 1)
        else:
            merged[key] = CountPlan(e.number, e.extra, e.item_code, e.unit.serial, e.date or today, 1, sheet, row)
    return PostingPlan("counts", counts=tuple(merged.values()), rows=rows)

"""Shipping: a shipping sheet against sales orders. Rows group into order lines (SO, item) like packing lists;
serialized units leave stock with their lots' cost, plain stock is consumed first in, first out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.order_lines import OrderLine, order_lines, serials_by_item
from serialtrack.ingest.reader import Ingested, Row
from serialtrack.ingest.values import as_code, as_text
from serialtrack.kinds.base import (
    C,
    Checked,
    CheckEnv,
    FileKind,
    SummaryPair,
    codes,
    has_errors,
    no_rows,
    row_of,
)
from serialtrack.ledger.plan import PostingPlan, ShipLinePlan, ShipUnit
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_shipping
from serialtrack.ledger.view import LedgerView
from serialtrack.records import KindName
from serialtrack.rules.outbound import check_shipping

#: (SO, item) -> (carrier, tracking) as first given on the line's rows.
ShippingInfo = Mapping[tuple[str, str], tuple[str | None, str | None]]


def shipping_info(rows: Sequence[Row]) -> ShippingInfo:
    info: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for row in rows:
        so, item = row.get("so_number"), row.get("item_code")
        carrier, tracking = row.get("carrier"), row.get("tracking")
        if so and item and (carrier or tracking):
            info.setdefault((as_code(so.value) or "", as_code(item.value) or ""),
                            (as_text(carrier.value) if carrier else None, as_text(tracking.value) if tracking else None))
    return info


def plan_shipment(lines: Sequence[OrderLine], view: LedgerView, *, today: dt.date, rows: int,
                  info: ShippingInfo) -> PostingPlan:
    plans = []
    for line in lines:
        so = view.sales_orders[line.number]
        so_line = so.lines[line.item_code]
        dates = [r.date for r in line.rows if r.date]
        units = []
        for unit in line.units:
            known = view.serial_units[(line.item_code, unit.serial)]
            sheet, row = row_of(unit.source)
            units.append(ShipUnit(known.id, unit.serial, known.lot_id, known.lot_document, Decimal(known.unit_cost),
                                  known.office_id, known.bin_id, known.bin, unit.entry, sheet, row))
        carrier, tracking = info.get((line.number, line.item_code), (None, None))
        plans.append(ShipLinePlan(
            line.number, line.item_code, so.office, min(dates) if dates else today, line.qty, so_line.qty_ordered,
            so_line.qty_done, so_line.price, tuple(units),
            tuple((r.source.sheet, r.source.row, r.qty if r.qty is not None else len(r.units)) for r in line.rows),
            carrier, tracking))
    return PostingPlan(KindName.SHIPPING, shipments=tuple(plans), rows=rows)


def _line_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for s in plan.shipments:
        shipped = s.qty_previously_shipped + s.qty
        yield [s.so_number, s.item_code, s.office, s.qty_ordered, s.qty_previously_shipped, s.qty,
               max(s.qty_ordered - shipped, 0), s.ship_date, s.carrier, s.tracking]


#: Another name for the SO number on shipping and returns sheets.
ORDER_ALIASES = ("Order #", "Order No", "Order Number")


class Shipping(FileKind):
    name = KindName.SHIPPING
    fields = Kind(KindName.SHIPPING, ("so_number", "item_code", "qty", "serials", "description", "ship_date",
                                      "carrier", "tracking", "customer"),
                  frozenset({"so_number", "item_code"}), {"so_number": ORDER_ALIASES, "ship_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_shipping

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        lines, issues = order_lines(ingested.rows, policy=env.serial_policy, number_field="so_number",
                                    number_label="SO number", date_field="ship_date", max_serials=env.max_serials)
        issues = no_rows(ingested) + issues
        view = env.store.view(items=codes(ingested, "item_code"), sales_orders=codes(ingested, "so_number"),
                              serials=serials_by_item(lines), outbound=True)
        issues += check_shipping(lines, view)
        if has_errors(issues):
            return Checked(None, issues, view)
        plan = plan_shipment(lines, view, today=env.today, rows=len(ingested.rows),
                             info=shipping_info(ingested.rows))
        return Checked(plan, issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.shipments:
            return []
        return [("Sales orders", ", ".join(dict.fromkeys(s.so_number for s in plan.shipments))),
                ("SO lines shipped", len(plan.shipments)),
                ("Units shipped", sum(s.qty for s in plan.shipments)),
                ("Cost of goods shipped (serialized)", sum((s.cost for s in plan.shipments), Decimal(0))),
                ("Transactions created", result.transactions if result else 0)]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.shipments:
            return []
        return [
            ReportSheet("Lines", [
                C("SO", "text"), C("Item", "text"), C("Office", "text"), C("Ordered", "int"),
                C("Previously Shipped", "int"), C("This Shipment", "int"), C("Open", "int"),
                C("Ship Date", "date"), C("Carrier", "text"), C("Tracking", "text")], _line_rows(plan)),
            ReportSheet("Serials", [
                C("Serial", "text"), C("Item", "text"), C("SO", "text"), C("Lot", "text"), C("Unit Cost", "money"),
                C("From Bin", "text"), C("Entry", "text"), C("Sheet", "text"), C("Row", "int")],
                ([u.serial, s.item_code, s.so_number, u.lot_document, u.unit_cost, u.bin, u.entry, u.sheet, u.row]
                 for s in plan.shipments for u in s.units)),
        ]

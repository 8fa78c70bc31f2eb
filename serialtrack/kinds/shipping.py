"""Shipping: a shipping sheet against sales orders. Rows group into order lines (SO, item) like packing lists;
serialized units leave stock with their lots' cost, plain stock is consumed first in, first out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell, Formula
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
    cached,
    codes,
    has_errors,
    no_rows,
    row_of,
    width_for,
)
from serialtrack.ledger.plan import PostingPlan, ShipLinePlan, ShipUnit
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_shipping
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, KindName, SerialStatus, plural
from serialtrack.rules.lines import (
    order_lines_known,
    row_count_mismatches,
    serial_unknown,
    serials_on_plain_item,
    serials_unique_in_file,
)

#: (SO, item) -> (carrier, tracking) as first given on the line's rows.
ShippingInfo = Mapping[tuple[str, str], tuple[str | None, str | None]]


# -- rules ---------------------------------------------------------------------------------------------------

Lines = Sequence[OrderLine]


def so_and_item_known(lines: Lines, view: LedgerView) -> list[Issue]:
    return order_lines_known(lines, view.sales_orders, view, noun="sales order", code="so")



def within_open_qty(lines: Lines, view: LedgerView) -> list[Issue]:
    issues = []
    for line in lines:
        so = view.sales_orders.get(line.number)
        so_line = so.lines.get(line.item_code) if so else None
        if so_line is None:
            continue
        open_qty = so_line.qty_ordered - so_line.qty_done
        if line.qty > open_qty:
            issues.append(Issue("over-shipment", f"SO {line.number} line {line.item_code}: {line.qty} shipped in "
                                f"this file but only {open_qty} remain open ({so_line.qty_ordered} ordered, "
                                f"{so_line.qty_done} already shipped)", line.first_qty_source))
        if line.qty == 0 and not any(r.serials_refused for r in line.rows):
            issues.append(Issue("qty-zero", f"SO {line.number} line {line.item_code} ships nothing (quantity 0)",
                                line.first_qty_source))
    return issues



def every_unit_has_a_serial(lines: Lines, view: LedgerView) -> list[Issue]:
    issues = []
    for line in lines:
        item = view.items.get(line.item_code)
        if item is None:
            continue
        if not item.serialized:
            issues += serials_on_plain_item(line)
            continue
        if not line.has_serials:
            issues.append(Issue("serials-missing", f"item {line.item_code} is serialized: a shipment cannot post "
                                f"without its serials; list the {plural(line.qty, 'serial')} shipped", line.first_qty_source))
            continue
        issues += row_count_mismatches(line)
        issues += [Issue("serials-missing", f"item {line.item_code} is serialized: this row ships {row.qty} "
                         "without serials", row.qty_cell.source if row.qty_cell else row.source)
                   for row in line.rows if row.serial_cell is None and row.qty]
    return issues



def serials_in_stock_at_office(lines: Lines, view: LedgerView) -> list[Issue]:
    issues = []
    for line in lines:
        so = view.sales_orders.get(line.number)
        item = view.items.get(line.item_code)
        if item is None or not item.serialized:
            continue
        for unit in line.units:
            info = view.serial_units.get((line.item_code, unit.serial))
            if info is None or info.status == SerialStatus.REVERSED:
                issues.append(serial_unknown(unit.serial, line.item_code, unit.source))
            elif info.status != SerialStatus.IN_STOCK:
                where = f" on {info.shipped_on}" if info.status == SerialStatus.SHIPPED and info.shipped_on else ""
                issues.append(Issue("serial-not-in-stock", f"serial {unit.serial} of item {line.item_code} is not "
                                    f"in stock: it is {info.status.replace('_', ' ')}{where}", unit.source))
            elif so is not None and (info.office or "").casefold() != so.office.casefold():
                issues.append(Issue("serial-wrong-office", f"serial {unit.serial} is in stock at {info.office}, "
                                    f"but sales order {line.number} ships from {so.office}", unit.source))
    return issues



def plain_stock_sufficient(lines: Lines, view: LedgerView) -> list[Issue]:
    issues = []
    wanted: dict[tuple[str, str], int] = {}
    for line in lines:
        so = view.sales_orders.get(line.number)
        item = view.items.get(line.item_code)
        if so is None or item is None or item.serialized:
            continue
        key = (line.item_code, so.office.casefold())
        wanted[key] = wanted.get(key, 0) + line.qty
        on_hand = view.plain_on_hand.get(key, 0)
        if wanted[key] > on_hand:
            issues.append(Issue("insufficient-stock", f"item {line.item_code}: {wanted[key]} to ship from "
                                f"{so.office} but only {on_hand} on hand", line.first_qty_source))
    return issues



def serials_once_in_file(lines: Lines, view: LedgerView) -> list[Issue]:
    return serials_unique_in_file(lines)



SHIPPING_RULES: list[Callable[[Lines, LedgerView], list[Issue]]] = [
    so_and_item_known, within_open_qty, every_unit_has_a_serial, serials_once_in_file,
    serials_in_stock_at_office, plain_stock_sufficient,
]



def check_shipping(lines: Lines, view: LedgerView) -> list[Issue]:
    return [issue for rule in SHIPPING_RULES for issue in rule(lines, view)]



# -- lines, plan, kind ---------------------------------------------------------------------------------------

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
            tuple((r.sheet, r.number, r.moved) for r in line.rows),
            carrier, tracking))
    return PostingPlan(KindName.SHIPPING, shipments=tuple(plans), rows=rows)


#: Cost of goods shipped per (SO number, item) of a posted batch.
LineCosts = Mapping[tuple[str, str], Decimal]


def _line_cost(line: ShipLinePlan, costs: LineCosts | None) -> Decimal | None:
    if costs is not None:
        return costs.get((line.so_number, line.item_code), Decimal(0))
    return line.cost if line.units else None  # dry run: a non-serialized line's lots are picked when it posts


def _line_rows(plan: PostingPlan, costs: LineCosts | None) -> Iterator[list[Cell]]:
    for s in plan.shipments:
        shipped = s.qty_previously_shipped + s.qty
        cost = _line_cost(s, costs)
        unit = (cost / s.qty).quantize(Decimal("0.0001")) if cost is not None and s.qty else None
        yield [s.so_number, s.item_code, s.office, s.qty_ordered, s.qty_previously_shipped, s.qty,
               max(s.qty_ordered - shipped, 0), unit, cost, s.ship_date, s.carrier, s.tracking]


#: Another name for the SO number on shipping and returns sheets.
ORDER_ALIASES = ("Order #", "Order No", "Order Number")


class Shipping(FileKind):
    name = KindName.SHIPPING
    noun = "shipping files"
    fields = Kind(KindName.SHIPPING, ("so_number", "item_code", "qty", "serials", "description", "ship_date",
                                      "carrier", "tracking", "customer"),
                  frozenset({"so_number", "item_code"}), {"so_number": ORDER_ALIASES, "ship_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_shipping

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        items = env.store.view(items=codes(ingested, "item_code"))
        lines, issues = order_lines(ingested.rows, policy=env.serial_policy, number_field="so_number",
                                    number_label="SO number", date_field="ship_date", max_serials=env.max_serials,
                                    width_for=width_for(items, env.serial_policy))
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
        costs = result.line_costs if result is not None else None
        return [("Sales orders", ", ".join(dict.fromkeys(s.so_number for s in plan.shipments))),
                ("SO lines shipped", len(plan.shipments)),
                ("Units shipped", sum(s.qty for s in plan.shipments)),
                ("Cost of goods shipped" if costs is not None else
                 "Cost of goods shipped (serialized lines; others are costed when posted)",
                 Formula("=SUM(Lines[Cost])", cached(sum((_line_cost(s, costs) or Decimal(0)
                                                          for s in plan.shipments), Decimal(0))), "money")),
                ("Transactions created", result.transactions if result else 0)]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.shipments:
            return []
        return [
            ReportSheet("Lines", [
                C("SO", "text"), C("Item", "text"), C("Office", "text"), C("Ordered", "int"),
                C("Previously Shipped", "int"), C("This Shipment", "int"), C("Open", "int"),
                C("Unit Cost", "decimal"), C("Cost", "money"), C("Ship Date", "date"), C("Carrier", "text"),
                C("Tracking", "text")], _line_rows(plan, result.line_costs if result is not None else None),
                totals=("This Shipment", "Cost")),
            ReportSheet("Serials", [
                C("Serial", "text"), C("Item", "text"), C("SO", "text"), C("Lot", "text"), C("Unit Cost", "money"),
                C("From Bin", "text"), C("Entry", "text"), C("Sheet", "text"), C("Row", "int")],
                ([u.serial, s.item_code, s.so_number, u.lot_document, u.unit_cost, u.bin, u.entry, u.sheet, u.row]
                 for s in plan.shipments for u in s.units)),
        ]

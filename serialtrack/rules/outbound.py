"""Rules for shipping, returns and counts (SPEC "Rules"), each a small pure function returning Issues.

Shipping: the SO exists and holds the item; shipped qty stays within the open qty; every serialized unit has a
serial; each serial belongs to that item, is in stock at the order's office, and appears once. Returns: each
serial was shipped on that SO and not yet returned. Counts: the office and item exist; a serial scanned twice
is reported (a warning: the count is still stored once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from serialtrack.ingest.order_lines import OrderLine
from serialtrack.ingest.outbound import CountEntry, ReturnEntry, disposition_of
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, SerialStatus, Severity
from serialtrack.rules.receiving import (
    ReceivingPolicy,
    order_lines_known,
    row_count_mismatches,
    serials_on_plain_item,
    serials_unique_in_file,
)

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
        if line.qty == 0:
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
                                f"without its serials; list the {line.qty} serials shipped", line.first_qty_source))
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
        if so is None or item is None or not item.serialized:
            continue
        for unit in line.units:
            info = view.serial_units.get((line.item_code, unit.serial))
            if info is None or info.status == SerialStatus.REVERSED:
                issues.append(Issue("serial-unknown", f"serial {unit.serial} of item {line.item_code} is not in "
                                    "the ledger; check the serial and the item", unit.source))
            elif info.status != SerialStatus.IN_STOCK:
                where = f" on {info.shipped_on}" if info.status == SerialStatus.SHIPPED and info.shipped_on else ""
                issues.append(Issue("serial-not-in-stock", f"serial {unit.serial} of item {line.item_code} is not "
                                    f"in stock: it is {info.status.replace('_', ' ')}{where}", unit.source))
            elif (info.office or "").casefold() != so.office.casefold():
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
    return serials_unique_in_file(lines, view, ReceivingPolicy())


SHIPPING_RULES: list[Callable[[Lines, LedgerView], list[Issue]]] = [
    so_and_item_known, within_open_qty, every_unit_has_a_serial, serials_once_in_file,
    serials_in_stock_at_office, plain_stock_sufficient,
]


def check_shipping(lines: Lines, view: LedgerView) -> list[Issue]:
    return [issue for rule in SHIPPING_RULES for issue in rule(lines, view)]


def duplicate_scan_warning(serial: str, item: str, first: str, source: object) -> Issue:
    return Issue("count-duplicate-scan", f"serial {serial} of item {item} was scanned again (first at {first}); "
                 "it is counted once", source, Severity.WARNING)  # type: ignore[arg-type]


# -- returns ------------------------------------------------------------------------------------------------

def check_returns(entries: Sequence[ReturnEntry], view: LedgerView) -> list[Issue]:
    """Each serial was shipped on that SO and not returned since; the disposition is one we know."""
    issues: list[Issue] = []
    first: dict[tuple[str, str], str] = {}
    for e in entries:
        so = view.sales_orders.get(e.so_number)
        if so is None:
            issues.append(Issue("so-unknown", f"sales order {e.so_number} is not in the ledger", e.so_cell.source))
            continue
        if e.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {e.item_code} is not in the item list", e.item_cell.source))
            continue
        if disposition_of(e.disposition) is None:
            where = e.disposition_cell.source if e.disposition_cell else e.row
            issues.append(Issue("disposition-unknown", f"disposition {e.disposition!r} is not one of restock, scrap, "
                                "return to vendor", where))
        key = (e.item_code, e.unit.serial)
        if key in first:
            issues.append(Issue("serial-duplicate-in-file", f"serial {e.unit.serial} of item {e.item_code} is "
                                f"returned twice in this file (first at {first[key]})", e.unit.source))
            continue
        first[key] = (e.unit.source.cell if e.unit.source else None) or "?"
        info = view.serial_units.get(key)
        document = f"SO-{e.so_number}"
        if info is None or info.status == SerialStatus.REVERSED:
            issues.append(Issue("serial-unknown", f"serial {e.unit.serial} of item {e.item_code} is not in the "
                                "ledger", e.unit.source))
        elif info.status != SerialStatus.SHIPPED:
            state = info.status.replace("_", " ")
            hint = " (it was already returned)" if info.status in (SerialStatus.SCRAPPED, SerialStatus.RETURNED_TO_VENDOR) else ""
            issues.append(Issue("serial-not-shipped", f"serial {e.unit.serial} of item {e.item_code} is {state}, "
                                f"not shipped{hint}; only shipped units can come back", e.unit.source))
        elif info.shipped_on != document:
            issues.append(Issue("serial-not-shipped-on-order", f"serial {e.unit.serial} was shipped on "
                                f"{info.shipped_on or 'another order'}, not on sales order {e.so_number}",
                                e.unit.source))
    return issues


# -- counts -------------------------------------------------------------------------------------------------

def check_counts(entries: Sequence[CountEntry], view: LedgerView) -> list[Issue]:
    """Offices and items must exist; a serial scanned again is a warning (it is stored once)."""
    issues: list[Issue] = []
    first: dict[tuple[str, str, str], str] = {}
    for e in entries:
        if e.office.casefold() not in view.offices:
            issues.append(Issue("office-unknown", f"office {e.office} is not in the ledger (offices come from "
                                "purchase and sales orders)", e.office_cell.source))
            continue
        if e.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {e.item_code} is not in the item list", e.item_cell.source))
            continue
        key = (e.office.casefold(), e.item_code, e.unit.serial)
        if key in first:
            issues.append(duplicate_scan_warning(e.unit.serial, e.item_code, first[key], e.unit.source))
        else:
            first[key] = (e.unit.source.cell if e.unit.source else None) or "?"
    return issues

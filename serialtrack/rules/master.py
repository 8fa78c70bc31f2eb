"""Rules for master data: items, purchase orders and sales orders.

Each rule is a small pure function over the file's records and the ledger view, returning Issues. The
important ones guard posted history: ``serialized`` cannot flip once anything links to the item, and an order
line cannot be cut below what was already received or shipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from serialtrack.ingest.records import ItemRecord, OrderLineRecord
from serialtrack.ledger.view import LedgerView, OrderInfo
from serialtrack.records import Issue

CHECK_DIGITS = frozenset({"luhn"})


def items_unique_in_file(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    first: dict[str, ItemRecord] = {}
    issues = []
    for record in records:
        key = record.code.casefold()
        if key in first:
            issues.append(Issue("duplicate-item", f"item {record.code} appears again (first on row "
                                f"{first[key].source.row}); list each item once",
                                record.sources.get("item_code", record.source)))
        else:
            first[key] = record
    return issues


def item_serialized_locked(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    issues = []
    for record in records:
        known = view.items.get(record.code)
        new = record.values.get("serialized")
        if known is None or new is None or new == known.serialized or not known.linked:
            continue
        was, now = ("serialized", "not serialized") if known.serialized else ("not serialized", "serialized")
        issues.append(Issue(
            "item-serialized-locked",
            f"item {record.code} is {was} and purchase orders, sales orders, lots or transactions already use "
            f"it, so it cannot become {now}: that would break its posted history. Create a new item code "
            "instead", record.sources["serialized"]))
    return issues


def item_serial_settings_valid(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    issues = []
    for record in records:
        pattern = record.values.get("serial_pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                issues.append(Issue("serial-pattern-invalid",
                                    f"serial pattern {pattern!r} is not a valid regular expression ({exc})",
                                    record.sources["serial_pattern"]))
        check = record.values.get("check_digit")
        if check is not None and check.casefold() not in CHECK_DIGITS:
            issues.append(Issue("check-digit-unknown",
                                f"check digit {check!r} is not one we know; use Luhn or leave it empty",
                                record.sources["check_digit"]))
        next_serial = record.values.get("next_serial")
        if next_serial is not None and not re.search(r"\d", next_serial):
            issues.append(Issue("next-serial-invalid",
                                f"next serial {next_serial!r} has no digits to count up from",
                                record.sources["next_serial"]))
    return issues


ITEM_RULES: list[Callable[[Sequence[ItemRecord], LedgerView], list[Issue]]] = [
    items_unique_in_file,
    item_serialized_locked,
    item_serial_settings_valid,
]


@dataclass(frozen=True)
class OrderSide:
    """What differs between purchase and sales orders for the shared order rules."""

    done_word: str  # "received" (PO) or "shipped" (SO)
    orders_of: Callable[[LedgerView], Mapping[str, OrderInfo]]


def order_items_exist(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    return [Issue("item-unknown", f"item {r.item_code} is not in the item list; drop an items file that "
                  "adds it first", r.sources.get("item_code", r.source))
            for r in records if r.item_code not in view.items]


def order_lines_unique(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    seen: dict[tuple[str, str], OrderLineRecord] = {}
    issues = []
    for r in records:
        key = (r.number, r.item_code)
        if key in seen:
            issues.append(Issue("duplicate-order-line",
                                f"item {r.item_code} appears twice on order {r.number} (rows {seen[key].source.row} "
                                f"and {r.source.row}); put it on one line with the total quantity",
                                r.sources.get("item_code", r.source)))
        else:
            seen[key] = r
    return issues


def order_header_consistent(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    first: dict[str, OrderLineRecord] = {}
    issues = []
    for r in records:
        f = first.setdefault(r.number, r)
        if f.office.casefold() != r.office.casefold():
            issues.append(Issue("order-header-conflict",
                                f"order {r.number} is for office {f.office} on row {f.source.row} but {r.office} "
                                "here; an order belongs to one office", r.sources.get("office", r.source)))
    return issues


def order_changes_keep_history(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    done_word = side.done_word
    orders = side.orders_of(view)
    issues = []
    for r in records:
        order = orders.get(r.number)
        if order is None:
            continue
        if order.has_activity and order.office.casefold() != r.office.casefold():
            issues.append(Issue("order-office-locked",
                                f"order {r.number} already has {done_word} goods at office {order.office}; "
                                f"it cannot move to {r.office}", r.sources.get("office", r.source)))
        line = order.lines.get(r.item_code)
        if line is not None and r.qty < line.qty_done:
            issues.append(Issue("order-line-below-done",
                                f"order {r.number} line {r.item_code} cannot be cut to {r.qty}: {line.qty_done} "
                                f"were already {done_word}", r.sources.get("qty", r.source)))
    return issues


ORDER_RULES: list[Callable[[Sequence[OrderLineRecord], LedgerView, OrderSide], list[Issue]]] = [
    order_items_exist,
    order_lines_unique,
    order_header_consistent,
    order_changes_keep_history,
]


def check_items(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    return [issue for rule in ITEM_RULES for issue in rule(records, view)]


def check_orders(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    return [issue for rule in ORDER_RULES for issue in rule(records, view, side)]

"""What purchase and sales orders share: order-line records grouped into orders, the shared order rules, the
summary and the "Lines" sheet. ``purchase_orders`` and ``sales_orders`` each say which side they are."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import OrderLineRecord, order_line_records
from serialtrack.kinds.base import C, Checked, CheckEnv, FileKind, SummaryPair, has_errors, no_rows
from serialtrack.ledger.plan import OrderChange, OrderLineChange, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.view import LedgerView, OrderInfo
from serialtrack.records import Issue, KindName

#: What was ordered is the quantity of an order, never of a packing list (which may show both columns).
ORDERED_ALIASES = ("Qty Ordered", "Order Qty", "Ordered Qty", "Ordered")


@dataclass(frozen=True)
class OrderColumns:
    """The fields and headings that make one side of an order file."""

    number_field: str  # po_number / so_number
    party_field: str  # vendor / customer
    price_field: str  # unit_cost / unit_price
    party_heading: str
    price_heading: str


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



def check_orders(records: Sequence[OrderLineRecord], view: LedgerView, side: OrderSide) -> list[Issue]:
    return [issue for rule in ORDER_RULES for issue in rule(records, view, side)]



def plan_orders(kind: KindName, records: Sequence[OrderLineRecord], known: Mapping[str, OrderInfo]) -> PostingPlan:
    grouped: dict[str, list[OrderLineRecord]] = {}
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


def _order_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for o in plan.orders:
        for line in o.lines:
            yield [o.number, "created" if o.new else "updated", o.office, o.party, line.item_code, line.qty,
                   line.price, o.order_date]


class OrderKind(FileKind):
    """A purchase-order or sales-order file: one row per order line, upserted."""

    columns: OrderColumns
    side: OrderSide

    def orders_in(self, view: LedgerView) -> Mapping[str, OrderInfo]:
        return self.side.orders_of(view)

    def line_warnings(self, records: Sequence[OrderLineRecord], view: LedgerView) -> list[Issue]:
        """Warnings of this side only (the file still posts); none by default."""
        return []

    @abstractmethod
    def view_for(self, env: CheckEnv, records: Sequence[OrderLineRecord]) -> LedgerView:
        """The ledger slice the order rules need: the file's items and its orders of this side."""

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        cols = self.columns
        records, issues = order_line_records(ingested.rows, number_field=cols.number_field,
                                             party_field=cols.party_field, price_field=cols.price_field)
        issues = no_rows(ingested) + issues
        view = self.view_for(env, records)
        issues += check_orders(records, view, self.side) + self.line_warnings(records, view)
        plan = None if has_errors(issues) else plan_orders(self.name, records, self.orders_in(view))
        return Checked(plan, issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.orders:
            return []
        return [("Orders created", sum(o.new for o in plan.orders)),
                ("Orders updated", sum(not o.new for o in plan.orders)),
                ("Order lines", sum(len(o.lines) for o in plan.orders))]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.orders:
            return []
        return [ReportSheet("Lines", [
            C("Order", "text"), C("Change", "text"), C("Office", "text"), C(self.columns.party_heading, "text"),
            C("Item", "text"), C("Qty Ordered", "int"), C(self.columns.price_heading, "money"),
            C("Order Date", "date")], _order_rows(plan))]

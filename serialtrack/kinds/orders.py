"""What purchase and sales orders share: order-line records grouped into orders, the shared order rules, the
summary and the "Lines" sheet. ``purchase_orders`` and ``sales_orders`` each say which side they are."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import OrderLineRecord, order_line_records
from serialtrack.kinds.base import C, Checked, CheckEnv, FileKind, SummaryPair, has_errors, no_rows
from serialtrack.ledger.plan import OrderChange, OrderLineChange, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.view import LedgerView, OrderInfo
from serialtrack.records import KindName
from serialtrack.rules.master import OrderSide, check_orders

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

    @abstractmethod
    def view_for(self, env: CheckEnv, records: Sequence[OrderLineRecord]) -> LedgerView:
        """The ledger slice the order rules need: the file's items and its orders of this side."""

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        cols = self.columns
        records, issues = order_line_records(ingested.rows, number_field=cols.number_field,
                                             party_field=cols.party_field, price_field=cols.price_field)
        issues = no_rows(ingested) + issues
        view = self.view_for(env, records)
        issues += check_orders(records, view, self.side)
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

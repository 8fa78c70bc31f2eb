"""Purchase orders: what the vendor will send, per office; receipts are checked against their lines."""

from __future__ import annotations

from collections.abc import Sequence

from serialtrack.ingest.fields import Kind
from serialtrack.ingest.records import OrderLineRecord
from serialtrack.kinds.base import CheckEnv
from serialtrack.kinds.orders import ORDERED_ALIASES, OrderColumns, OrderKind, OrderSide
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, KindName, Severity


def po_lines_without_unit_cost(records: Sequence[OrderLineRecord], view: LedgerView) -> list[Issue]:
    """A PO line left without a unit cost (blank here, and none in the ledger to keep) posts, with a warning:
    its lots will be valued at the item's estimated cost, else 0 (see receiving's ``po_line_has_unit_cost``)."""
    issues = []
    for r in records:
        order = view.purchase_orders.get(r.number)
        known = order.lines.get(r.item_code) if order else None
        if r.price is not None or (known is not None and known.price is not None):
            continue
        item = view.items.get(r.item_code)
        value = (f"the item's estimated cost, {item.est_unit_cost:,.2f} a unit"
                 if item is not None and item.est_unit_cost is not None else "0, as the item has no estimated cost")
        issues.append(Issue("po-line-no-unit-cost", f"PO {r.number} line {r.item_code} has no unit cost: what is "
                            f"received against it will be valued at {value}; give the line its unit cost",
                            r.sources.get("unit_cost", r.sources.get("item_code", r.source)), Severity.WARNING))
    return issues


class PurchaseOrders(OrderKind):
    name = KindName.PURCHASE_ORDERS
    fields = Kind(KindName.PURCHASE_ORDERS,
                  ("po_number", "vendor", "office", "item_code", "qty", "unit_cost", "order_date"),
                  frozenset({"po_number", "office", "item_code", "qty"}),
                  {"order_date": ("Date",), "qty": ORDERED_ALIASES}, master_data=True)
    columns = OrderColumns("po_number", "vendor", "unit_cost", "Vendor", "Unit Cost")
    side = OrderSide("received", lambda view: view.purchase_orders)

    def line_warnings(self, records: Sequence[OrderLineRecord], view: LedgerView) -> list[Issue]:
        return po_lines_without_unit_cost(records, view)

    def view_for(self, env: CheckEnv, records: Sequence[OrderLineRecord]) -> LedgerView:
        return env.store.view(items=[r.item_code for r in records], purchase_orders=[r.number for r in records])

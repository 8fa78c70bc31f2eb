"""Sales orders: what a customer ordered, per office; shipments and returns are checked against them."""

from __future__ import annotations

from collections.abc import Sequence

from serialtrack.ingest.fields import Kind
from serialtrack.ingest.records import OrderLineRecord
from serialtrack.kinds.base import CheckEnv
from serialtrack.kinds.orders import ORDERED_ALIASES, OrderColumns, OrderKind
from serialtrack.ledger.view import LedgerView
from serialtrack.records import KindName
from serialtrack.rules.master import OrderSide


class SalesOrders(OrderKind):
    name = KindName.SALES_ORDERS
    fields = Kind(KindName.SALES_ORDERS,
                  ("so_number", "customer", "office", "item_code", "qty", "unit_price", "order_date"),
                  frozenset({"so_number", "office", "item_code", "qty"}),
                  {"order_date": ("Date",), "qty": ORDERED_ALIASES}, master_data=True)
    columns = OrderColumns("so_number", "customer", "unit_price", "Customer", "Unit Price")
    side = OrderSide("shipped", lambda view: view.sales_orders)

    def view_for(self, env: CheckEnv, records: Sequence[OrderLineRecord]) -> LedgerView:
        return env.store.view(items=[r.item_code for r in records], sales_orders=[r.number for r in records])

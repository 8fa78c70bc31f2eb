"""Purchase orders: what the vendor will send, per office; receipts are checked against their lines."""

from __future__ import annotations

from collections.abc import Sequence

from serialtrack.ingest.fields import Kind
from serialtrack.ingest.records import OrderLineRecord
from serialtrack.kinds.base import CheckEnv
from serialtrack.kinds.orders import ORDERED_ALIASES, OrderColumns, OrderKind
from serialtrack.ledger.view import LedgerView
from serialtrack.records import KindName
from serialtrack.rules.master import OrderSide


class PurchaseOrders(OrderKind):
    name = KindName.PURCHASE_ORDERS
    fields = Kind(KindName.PURCHASE_ORDERS,
                  ("po_number", "vendor", "office", "item_code", "qty", "unit_cost", "order_date"),
                  frozenset({"po_number", "office", "item_code", "qty"}),
                  {"order_date": ("Date",), "qty": ORDERED_ALIASES}, master_data=True)
    columns = OrderColumns("po_number", "vendor", "unit_cost", "Vendor", "Unit Cost")
    side = OrderSide("received", lambda view: view.purchase_orders)

    def view_for(self, env: CheckEnv, records: Sequence[OrderLineRecord]) -> LedgerView:
        return env.store.view(items=[r.item_code for r in records], purchase_orders=[r.number for r in records])

"""Per-kind wiring: rows -> records -> ledger view -> rules -> plan. One small handler per kind, found in
``HANDLERS``; the pipeline calls the same function for every kind."""

from __future__ import annotations

from collections.abc import Callable

from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import item_records, order_line_records
from serialtrack.ledger.plan import plan_items, plan_orders
from serialtrack.rules.master import check_items, check_orders
from serialtrack.service import outbound
from serialtrack.service.checked import Checked, no_rows
from serialtrack.service.context import Context
from serialtrack.service.receiving import check_receiving_file


def check_items_file(ingested: Ingested, ctx: Context) -> Checked:
    records, issues = item_records(ingested.rows)
    issues = no_rows(ingested) + issues
    view = ctx.store.view(items=[r.code for r in records])
    issues += check_items(records, view)
    plan = None if any(i.is_error for i in issues) else plan_items(records, view.items)
    return Checked(plan, issues, view)


def _check_orders_file(kind: str) -> Callable[[Ingested, Context], Checked]:
    number, party, price = (("po_number", "vendor", "unit_cost") if kind == "purchase_orders"
                            else ("so_number", "customer", "unit_price"))

    def check(ingested: Ingested, ctx: Context) -> Checked:
        records, issues = order_line_records(ingested.rows, number_field=number, party_field=party,
                                             price_field=price)
        issues = no_rows(ingested) + issues
        numbers = [r.number for r in records]
        view = ctx.store.view(items=[r.item_code for r in records],
                              purchase_orders=numbers if kind == "purchase_orders" else (),
                              sales_orders=numbers if kind == "sales_orders" else ())
        issues += check_orders(records, view, kind)
        known = view.purchase_orders if kind == "purchase_orders" else view.sales_orders
        plan = None if any(i.is_error for i in issues) else plan_orders(kind, records, known)
        return Checked(plan, issues, view)

    return check


HANDLERS: dict[str, Callable[[Ingested, Context], Checked]] = {
    "items": check_items_file,
    "purchase_orders": _check_orders_file("purchase_orders"),
    "sales_orders": _check_orders_file("sales_orders"),
    "receiving": check_receiving_file,
    "shipping": outbound.check_shipping_file,
    "returns": outbound.check_returns_file,
    "counts": outbound.check_counts_file,
}

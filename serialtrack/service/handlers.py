"""Per-kind wiring: rows -> records -> ledger view -> rules -> plan. One small handler per kind, found in
``HANDLERS``; the pipeline calls the same function for every kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import item_records, order_line_records
from serialtrack.ledger.plan import PostingPlan, plan_items, plan_orders
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, Source
from serialtrack.rules.master import check_items, check_orders
from serialtrack.service.context import Context


@dataclass
class Checked:
    """The outcome of checking one file: a plan when it may post, and every issue found."""

    plan: PostingPlan | None
    issues: list[Issue]
    view: LedgerView = field(default_factory=LedgerView)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(i.is_error for i in self.issues)


def _no_rows(ingested: Ingested) -> list[Issue]:
    if ingested.rows:
        return []
    where = ingested.tables[0] if ingested.tables else None
    source = Source(ingested.file, where.sheet, where.header_row) if where else Source(ingested.file)
    return [Issue("no-rows", "the header row was found but no data rows are under it; nothing to post", source)]


def check_items_file(ingested: Ingested, ctx: Context) -> Checked:
    records, issues = item_records(ingested.rows)
    issues = _no_rows(ingested) + issues
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
        issues = _no_rows(ingested) + issues
        numbers = [r.number for r in records]
        view = ctx.store.view(items=[r.item_code for r in records],
                              purchase_orders=numbers if kind == "purchase_orders" else (),
                              sales_orders=numbers if kind == "sales_orders" else ())
        issues += check_orders(records, view, kind)
        known = view.purchase_orders if kind == "purchase_orders" else view.sales_orders
        plan = None if any(i.is_error for i in issues) else plan_orders(kind, records, known)
        return Checked(plan, issues, view)

    return check


def _receiving(ingested: Ingested, ctx: Context) -> Checked:
    from serialtrack.service.receiving import check_receiving_file

    return check_receiving_file(ingested, ctx)


def _outbound(kind: str) -> Callable[[Ingested, Context], Checked]:
    def check(ingested: Ingested, ctx: Context) -> Checked:
        from serialtrack.service import outbound

        handler = {"shipping": outbound.check_shipping_file, "returns": outbound.check_returns_file,
                   "counts": outbound.check_counts_file}[kind]
        return handler(ingested, ctx)

    return check


HANDLERS: dict[str, Callable[[Ingested, Context], Checked]] = {
    "items": check_items_file,
    "purchase_orders": _check_orders_file("purchase_orders"),
    "sales_orders": _check_orders_file("sales_orders"),
    "receiving": _receiving,
    "shipping": _outbound("shipping"),
    "returns": _outbound("returns"),
    "counts": _outbound("counts"),
}

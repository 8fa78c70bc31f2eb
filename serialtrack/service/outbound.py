"""Handlers for shipping, returns and counts: rows -> lines or entries -> ledger view (one set-based round
for orders, items, offices and the file's serials) -> rules -> plan."""

from __future__ import annotations

from serialtrack.ingest.outbound import disposition_of, serial_entries
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.receiving import receiving_lines, serials_by_item
from serialtrack.ingest.values import as_code, as_text
from serialtrack.ledger.plan_outbound import plan_counts, plan_returns, plan_shipment
from serialtrack.rules.outbound import check_counts, check_returns, check_shipping
from serialtrack.service.checked import Checked, no_rows
from serialtrack.service.context import Context


def _codes(ingested: Ingested, name: str) -> list[str]:
    return sorted({as_code(c.value) or "" for r in ingested.rows if (c := r.get(name)) is not None})


def check_shipping_file(ingested: Ingested, ctx: Context) -> Checked:
    lines, issues = receiving_lines(ingested.rows, policy=ctx.serial_policy, number_field="so_number",
                                    number_label="SO number", date_field="ship_date",
                                    max_serials=ctx.settings.limits.max_serials_per_file)
    issues = no_rows(ingested) + issues
    view = ctx.store.view(items=_codes(ingested, "item_code"), sales_orders=_codes(ingested, "so_number"),
                          serials=serials_by_item(lines), outbound=True)
    issues += check_shipping(lines, view)
    if any(i.is_error for i in issues):
        return Checked(None, issues, view)
    info: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for row in ingested.rows:
        so, item = row.get("so_number"), row.get("item_code")
        carrier, tracking = row.get("carrier"), row.get("tracking")
        if so and item and (carrier or tracking):
            info.setdefault((as_code(so.value) or "", as_code(item.value) or ""),
                            (as_text(carrier.value) if carrier else None, as_text(tracking.value) if tracking else None))
    plan = plan_shipment(lines, view, today=ctx.today, rows=len(ingested.rows), shipping_info=info)
    return Checked(plan, issues, view)


def check_returns_file(ingested: Ingested, ctx: Context) -> Checked:
    entries, issues = serial_entries(ingested.rows, number_field="so_number", number_label="SO number",
                                     extra_field="disposition", date_field="return_date", policy=ctx.serial_policy,
                                     max_serials=ctx.settings.limits.max_serials_per_file)
    issues = no_rows(ingested) + issues
    wanted: dict[str, set[str]] = {}
    for e in entries:
        wanted.setdefault(e.item_code, set()).add(e.unit.serial)
    view = ctx.store.view(items=_codes(ingested, "item_code"), sales_orders=_codes(ingested, "so_number"),
                          serials=wanted, outbound=True)
    issues += check_returns(entries, view)
    if any(i.is_error for i in issues):
        return Checked(None, issues, view)
    plan = plan_returns(entries, view, today=ctx.today, rows=len(ingested.rows), disposition_of=disposition_of)
    return Checked(plan, issues, view)


def check_counts_file(ingested: Ingested, ctx: Context) -> Checked:
    entries, issues = serial_entries(ingested.rows, number_field="office", number_label="office",
                                     extra_field="bin", date_field="count_date", policy=ctx.serial_policy,
                                     max_serials=ctx.settings.limits.max_serials_per_file)
    issues = no_rows(ingested) + issues
    view = ctx.store.view(items=_codes(ingested, "item_code"), outbound=True)
    issues += check_counts(entries, view)
    if any(i.is_error for i in issues):
        return Checked(None, issues, view)
    return Checked(plan_counts(entries, today=ctx.today, rows=len(ingested.rows)), issues, view)

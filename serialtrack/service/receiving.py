"""The receiving handler: packing-list rows -> lines -> serials generated where a line lists none -> rules
against the ledger view (fetched in two set-based rounds: orders and items, then the file's serials) ->
a plan of lots."""

from __future__ import annotations

from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.receiving import ReceivingLine, receiving_lines, serials_by_item
from serialtrack.ingest.serial_gen import generate_serials, serial_width
from serialtrack.ingest.serials import SerialUnit
from serialtrack.ingest.values import as_code
from serialtrack.ledger.plan import plan_receipt
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue
from serialtrack.rules.receiving import ReceivingPolicy, check_receiving
from serialtrack.service.checked import Checked, no_rows
from serialtrack.service.context import Context


def _generate(lines: list[ReceivingLine], view: LedgerView, ctx: Context) -> tuple[dict[str, str], list[Issue]]:
    """Serials from ``next_serial`` for serialized lines that list none; the items' new next values."""
    next_values: dict[str, str] = {}
    issues: list[Issue] = []
    for line in lines:
        item = view.items.get(line.item_code)
        if item is None or not item.serialized or line.has_serials or not item.next_serial or line.qty <= 0:
            continue
        start = next_values.get(item.code, item.next_serial)
        serials, after, found = generate_serials(start, line.qty, policy=ctx.serial_policy,
                                                 source=line.first_qty_source)
        issues += found
        source = line.first_qty_source
        line.generated = [SerialUnit(s, f"generated from next serial {start}", source) for s in serials]
        next_values[item.code] = after
    return next_values, issues


def check_receiving_file(ingested: Ingested, ctx: Context) -> Checked:
    rows = ingested.rows
    codes = {c.value for r in rows if (c := r.get("item_code")) is not None}
    pos = {c.value for r in rows if (c := r.get("po_number")) is not None}
    first = ctx.store.view(items=[as_code(c) or "" for c in codes], purchase_orders=[as_code(p) or "" for p in pos])

    def width_for(code: str) -> int | None:
        item = first.items.get(code)
        return serial_width(item.next_serial, item.serial_pattern, ctx.serial_policy) if item else None

    lines, issues = receiving_lines(rows, policy=ctx.serial_policy, width_for=width_for,
                                    max_serials=ctx.settings.limits.max_serials_per_file)
    issues = no_rows(ingested) + issues
    next_values, generation_issues = _generate(lines, first, ctx)
    issues += generation_issues
    known = ctx.store.view(serials=serials_by_item(lines))
    view = LedgerView(items=first.items, purchase_orders=first.purchase_orders,
                      known_serials=known.known_serials, serial_units=known.serial_units)
    policy = ReceivingPolicy(ctx.settings.receiving.over_receipt_tolerance_percent)
    issues += check_receiving(lines, view, policy)
    if any(i.is_error for i in issues):
        return Checked(None, issues, view)
    plan = plan_receipt(lines, view, today=ctx.today, receiving_bin=ctx.settings.offices.receiving_bin,
                        next_serials=next_values, rows=len(rows))
    return Checked(plan, issues, view)

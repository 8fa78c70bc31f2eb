"""Returns: serials coming back on a sales order, each restocked, scrapped or returned to the vendor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.outbound import ReturnEntry, disposition_of, return_entries
from serialtrack.ingest.reader import Ingested
from serialtrack.kinds.base import (
    C,
    Checked,
    CheckEnv,
    FileKind,
    SummaryPair,
    codes,
    has_errors,
    no_rows,
    row_of,
    width_for,
)
from serialtrack.kinds.shipping import ORDER_ALIASES
from serialtrack.ledger.lookups import units_for
from serialtrack.ledger.plan import PostingPlan, ReturnPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_returns
from serialtrack.ledger.view import LedgerView
from serialtrack.ledger.warranty import warranty_state
from serialtrack.records import Issue, KindName, SerialStatus
from serialtrack.rules.lines import serial_unknown

DISPOSITIONS = ("restock", "scrap", "return_to_vendor")


def check_returns(entries: Sequence[ReturnEntry], view: LedgerView) -> list[Issue]:
    """Each serial was shipped on that SO and not returned since; the disposition is one we know."""
    issues: list[Issue] = []
    first: dict[tuple[str, str], str] = {}
    for e in entries:
        so = view.sales_orders.get(e.so_number)
        if so is None:
            issues.append(Issue("so-unknown", f"sales order {e.so_number} is not in the ledger", e.so_cell.source))
        where = e.disposition_cell.source if e.disposition_cell else e.row
        if e.disposition is None:
            issues.append(Issue("required-value-missing", "disposition empty on this row; write restock, scrap or "
                                "return to vendor", where))
        elif disposition_of(e.disposition) is None:
            issues.append(Issue("disposition-unknown", f"disposition {e.disposition!r} is not one of restock, scrap, "
                                "return to vendor", where))
        if e.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {e.item_code} is not in the item list", e.item_cell.source))
            continue
        key = (e.item_code, e.unit.serial)
        if key in first:
            issues.append(Issue("serial-duplicate-in-file", f"serial {e.unit.serial} of item {e.item_code} is "
                                f"returned twice in this file (first at {first[key]})", e.unit.source))
            continue
        first[key] = (e.unit.source.cell if e.unit.source else None) or "?"
        info = view.serial_units.get(key)
        document = f"SO-{e.so_number}"
        if info is None or info.status == SerialStatus.REVERSED:
            issues.append(serial_unknown(e.unit.serial, e.item_code, e.unit.source))
        elif info.status != SerialStatus.SHIPPED:
            state = info.status.replace("_", " ")
            hint = " (it was already returned)" if info.status in (SerialStatus.SCRAPPED, SerialStatus.RETURNED_TO_VENDOR) else ""
            issues.append(Issue("serial-not-shipped", f"serial {e.unit.serial} of item {e.item_code} is {state}, "
                                f"not shipped{hint}; only shipped units can come back", e.unit.source))
        elif so is not None and info.shipped_on != document:
            issues.append(Issue("serial-not-shipped-on-order", f"serial {e.unit.serial} was shipped on "
                                f"{info.shipped_on or 'another order'}, not on sales order {e.so_number}",
                                e.unit.source))
    return issues



def plan_returns(entries: Sequence[ReturnEntry], view: LedgerView, *, today: dt.date, rows: int) -> PostingPlan:
    plans = []
    for e in entries:
        so = view.sales_orders[e.so_number]
        known = view.serial_units[(e.item_code, e.unit.serial)]
        sheet, row = row_of(e.unit.source)
        plans.append(ReturnPlan(e.so_number, e.item_code, so.office, e.unit.serial, known.id, known.lot_id,
                                known.lot_document, Decimal(known.unit_cost), disposition_of(e.disposition) or "",
                                e.reason, e.date or today, sheet, row))
    return PostingPlan(KindName.RETURNS, returns=tuple(plans), rows=rows)


def _in_or_out(r: ReturnPlan) -> str:
    """In or out of the customer warranty on the day the unit came back."""
    state = warranty_state(r.warranty_until, r.return_date)
    return {"in": "in warranty", "out": "out of warranty"}.get(state or "", "no warranty")


class Returns(FileKind):
    name = KindName.RETURNS
    fields = Kind(KindName.RETURNS, ("so_number", "item_code", "serials", "disposition", "reason", "return_date"),
                  frozenset({"so_number", "item_code", "serials", "disposition"}),
                  {"so_number": ORDER_ALIASES, "return_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_returns

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        items = env.store.view(items=codes(ingested, "item_code"))
        entries, issues = return_entries(ingested.rows, policy=env.serial_policy, max_serials=env.max_serials,
                                         width_for=width_for(items, env.serial_policy))
        issues = no_rows(ingested) + issues
        wanted: dict[str, set[str]] = {}
        for e in entries:
            wanted.setdefault(e.item_code, set()).add(e.unit.serial)
        view = env.store.view(items=codes(ingested, "item_code"), sales_orders=codes(ingested, "so_number"),
                              serials=wanted, outbound=True)
        issues += check_returns(entries, view)
        if has_errors(issues):
            return Checked(None, issues, view)
        plan = plan_returns(entries, view, today=env.today, rows=len(ingested.rows))
        with env.store.engine.connect() as conn:
            facts = units_for(conn, [r.serial for r in plan.returns])
        until = {f.id: f.warranty_until for found in facts.values() for f in found}
        returns = tuple(replace(r, warranty_until=until.get(r.unit_id)) for r in plan.returns)
        return Checked(replace(plan, returns=returns), issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.returns:
            return []
        return [(f"Units returned: {d.replace('_', ' ')}", sum(r.disposition == d for r in plan.returns))
                for d in DISPOSITIONS]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.returns:
            return []
        return [ReportSheet("Returns", [
            C("Serial", "text"), C("Item", "text"), C("SO", "text"), C("Disposition", "text"), C("Reason", "text"),
            C("Lot", "text"), C("Unit Cost", "money"), C("Return Date", "date"), C("Warranty Until", "date"),
            C("Warranty", "text"), C("Sheet", "text"), C("Row", "int")],
            ([r.serial, r.item_code, r.so_number, r.disposition, r.reason, r.lot_document, r.unit_cost,
              r.return_date, r.warranty_until, _in_or_out(r), r.sheet, r.row] for r in plan.returns))]

"""Returns: serials coming back on a sales order, each restocked, scrapped or returned to the vendor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
)
from serialtrack.kinds.shipping import ORDER_ALIASES
from serialtrack.ledger.plan import PostingPlan, ReturnPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_returns
from serialtrack.ledger.view import LedgerView
from serialtrack.records import KindName
from serialtrack.rules.outbound import check_returns

DISPOSITIONS = ("restock", "scrap", "return_to_vendor")


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


class Returns(FileKind):
    name = KindName.RETURNS
    fields = Kind(KindName.RETURNS, ("so_number", "item_code", "serials", "disposition", "reason", "return_date"),
                  frozenset({"so_number", "item_code", "serials", "disposition"}),
                  {"so_number": ORDER_ALIASES, "return_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_returns

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        entries, issues = return_entries(ingested.rows, policy=env.serial_policy, max_serials=env.max_serials)
        issues = no_rows(ingested) + issues
        wanted: dict[str, set[str]] = {}
        for e in entries:
            wanted.setdefault(e.item_code, set()).add(e.unit.serial)
        view = env.store.view(items=codes(ingested, "item_code"), sales_orders=codes(ingested, "so_number"),
                              serials=wanted, outbound=True)
        issues += check_returns(entries, view)
        if has_errors(issues):
            return Checked(None, issues, view)
        return Checked(plan_returns(entries, view, today=env.today, rows=len(ingested.rows)), issues, view)

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
            C("Lot", "text"), C("Unit Cost", "money"), C("Return Date", "date"), C("Sheet", "text"),
            C("Row", "int")],
            ([r.serial, r.item_code, r.so_number, r.disposition, r.reason, r.lot_document, r.unit_cost,
              r.return_date, r.sheet, r.row] for r in plan.returns))]

"""Counts: serials scanned at an office (and bin), stored for reconciliation; they move no stock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from serialtrack.exporters.report import ReportSheet
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.outbound import CountEntry, count_entries
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
from serialtrack.ledger.plan import CountPlan, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_counts
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, KindName, Severity


def duplicate_scan_warning(serial: str, item: str, first: str, source: object) -> Issue:
    return Issue("count-duplicate-scan", f"serial {serial} of item {item} was scanned again (first at {first}); "
                 "it is counted once", source, Severity.WARNING)  # type: ignore[arg-type]



def check_counts(entries: Sequence[CountEntry], view: LedgerView) -> list[Issue]:
    """Offices and items must exist; a serial scanned again is a warning (it is stored once)."""
    issues: list[Issue] = []
    first: dict[tuple[str, str, str], str] = {}
    for e in entries:
        known = True  # both are checked, so one answer names every unknown office and item
        if e.office.casefold() not in view.offices:
            issues.append(Issue("office-unknown", f"office {e.office} is not in the ledger (offices come from "
                                "purchase and sales orders)", e.office_cell.source))
            known = False
        if e.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {e.item_code} is not in the item list", e.item_cell.source))
            known = False
        if not known:
            continue
        key = (e.office.casefold(), e.item_code, e.unit.serial)
        if key in first:
            issues.append(duplicate_scan_warning(e.unit.serial, e.item_code, first[key], e.unit.source))
        else:
            first[key] = (e.unit.source.cell if e.unit.source else None) or "?"
    return issues



def plan_counts(entries: Sequence[CountEntry], *, today: dt.date, rows: int) -> PostingPlan:
    """One count per (office, item, serial); a serial scanned again adds a scan."""
    merged: dict[tuple[str, str, str], CountPlan] = {}
    for e in entries:
        key = (e.office.casefold(), e.item_code, e.unit.serial)
        sheet, row = row_of(e.unit.source)
        if key in merged:
            merged[key] = replace(merged[key], scans=merged[key].scans + 1)
        else:
            merged[key] = CountPlan(e.office, e.bin, e.item_code, e.unit.serial, e.date or today, 1, sheet, row)
    return PostingPlan(KindName.COUNTS, counts=tuple(merged.values()), rows=rows)


class Counts(FileKind):
    name = KindName.COUNTS
    fields = Kind(KindName.COUNTS, ("office", "bin", "item_code", "serials", "count_date"),
                  frozenset({"office", "item_code", "serials"}), {"count_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_counts

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        view = env.store.view(items=codes(ingested, "item_code"), outbound=True)
        entries, issues = count_entries(ingested.rows, policy=env.serial_policy, max_serials=env.max_serials,
                                        width_for=width_for(view, env.serial_policy))
        issues = no_rows(ingested) + issues
        issues += check_counts(entries, view)
        if has_errors(issues):
            return Checked(None, issues, view)
        return Checked(plan_counts(entries, today=env.today, rows=len(ingested.rows)), issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.counts:
            return []
        return [("Serials counted", len(plan.counts)), ("Duplicate scans", sum(c.scans - 1 for c in plan.counts))]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.counts:
            return []
        return [ReportSheet("Counts", [
            C("Office", "text"), C("Bin", "text"), C("Item", "text"), C("Serial", "text"), C("Scans", "int"),
            C("Count Date", "date"), C("Sheet", "text"), C("Row", "int")],
            ([c.office, c.bin, c.item_code, c.serial, c.scans, c.count_date, c.sheet, c.row] for c in plan.counts))]

"""Counts: serials scanned at an office (and bin), stored for reconciliation; they move no stock.

A count covers its office and the items it lists (and only the bins it lists, where it gives bins). Its answer
holds the differences from the ledger and, ready to review and drop, the moves that would close them: a
Proposed adjustments sheet (missing units written off, unknown ones found) for ``inbox/adjustments/`` and a
Proposed transfers sheet (units counted in another office or bin) for ``inbox/transfers/``; the same workbook
may be dropped as each, since the same bytes post once per kind."""

from __future__ import annotations

import datetime as dt
from collections import Counter
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
from serialtrack.kinds.columns import heading
from serialtrack.ledger.count_view import in_stock_at
from serialtrack.ledger.plan import CountDifference, CountPlan, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_counts
from serialtrack.ledger.view import LedgerView, SerialInfo
from serialtrack.records import Issue, KindName, SerialStatus, Severity, plural
from serialtrack.rules.lines import office_unknown

#: The reason every proposed adjustment gives.
COUNT_REASON = "count difference"
#: Columns of the proposed adjustments and transfers, in the templates' headings (the reader maps them back).
ADJUSTMENT_FIELDS = ("office", "item_code", "action", "reason", "qty", "serials", "bin", "unit_cost",
                     "adjustment_date")
TRANSFER_FIELDS = ("item_code", "from_office", "from_bin", "to_office", "to_bin", "qty", "serials", "transfer_date",
                   "reference")
_FIELD_VALUES = {"qty": "int", "unit_cost": "money", "adjustment_date": "date", "transfer_date": "date"}


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
            issues.append(office_unknown(e.office, e.office_cell.source))
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


def _where(office: str | None, bin_name: str | None) -> str:
    return f"{office} / {bin_name}" if bin_name else (office or "no office")


def _not_in_stock(c: CountPlan, info: SerialInfo) -> CountDifference:
    unit = f"{c.item_code} {c.serial}"
    if info.status == SerialStatus.SHIPPED:
        says = f"shipped on {info.shipped_on}" if info.shipped_on else "shipped"
        advice = (f"The ledger has {unit} {says}; if it is really on the shelf, post its return (restock) or "
                  "reverse the shipment.")
    else:
        says = info.status.replace("_", " ")
        advice = (f"The ledger has {unit} as {says}; set it aside and ask the inventory controller how it came "
                  "back (reverse the adjustment or vendor return that took it out, if that was wrong).")
    return CountDifference("not in stock", c.office, c.bin, c.item_code, c.serial, says, None, advice, c.count_date,
                           sheet=c.sheet, row=c.row)


def _counted_difference(c: CountPlan, info: SerialInfo | None) -> CountDifference | None:
    unit = f"{c.item_code} {c.serial}"
    here = _where(c.office, c.bin)
    if info is None or info.status == SerialStatus.REVERSED:
        return CountDifference("unexpected", c.office, c.bin, c.item_code, c.serial, "not in the ledger", "found",
                               f"Check the label of {unit}; if the serial is right, post the proposed found "
                               "adjustment (or receive it against its purchase order).", c.count_date,
                               sheet=c.sheet, row=c.row)
    if info.status != SerialStatus.IN_STOCK:
        return _not_in_stock(c, info)
    there = _where(info.office, info.bin)
    if (info.office or "").casefold() != c.office.casefold():
        return CountDifference("wrong office", c.office, c.bin, c.item_code, c.serial, f"in stock at {there}",
                               "transfer", f"Post the proposed transfer of {unit} from {there} to {here}, or send "
                               f"it back to {info.office}.", c.count_date, info.office, info.bin, c.sheet, c.row)
    if c.bin and (info.bin or "").casefold() != c.bin.casefold():
        return CountDifference("wrong bin", c.office, c.bin, c.item_code, c.serial, f"in stock at {there}",
                               "transfer", f"Post the proposed transfer of {unit} to bin {c.bin}, or put it back "
                               f"in bin {info.bin}.", c.count_date, info.office, info.bin, c.sheet, c.row)
    return None


def count_differences(counts: Sequence[CountPlan], view: LedgerView, env: CheckEnv) -> list[CountDifference]:
    """The count against the ledger as it stands: each counted unit that is unknown, out of stock or somewhere
    else, then each unit in stock at a counted office (of a counted item, in a counted bin where bins are given)
    that nobody scanned."""
    found: list[CountDifference] = []
    counted: set[tuple[str, str]] = set()
    covered: dict[str, tuple[str, set[str], set[str], dt.date]] = {}  # office -> (name, items, bins, date)
    for c in counts:
        counted.add((c.item_code, c.serial))
        name, item_codes, bins, day = covered.setdefault(c.office.casefold(), (c.office, set(), set(), c.count_date))
        item_codes.add(c.item_code)
        if c.bin:
            bins.add(c.bin)
        covered[c.office.casefold()] = (name, item_codes, bins, max(day, c.count_date))
        difference = _counted_difference(c, view.serial_units.get((c.item_code, c.serial)))
        if difference is not None:
            found.append(difference)
    with env.store.engine.connect() as conn:
        for name, item_codes, bins, day in covered.values():
            for unit in in_stock_at(conn, name, item_codes, bins or None):
                if (unit.item_code, unit.serial) in counted:
                    continue
                found.append(CountDifference(
                    "missing", unit.office, unit.bin, unit.item_code, unit.serial,
                    f"in stock at {_where(unit.office, unit.bin)}", "write_off",
                    f"Look for {unit.item_code} {unit.serial} in {_where(unit.office, unit.bin)}; if it cannot be "
                    "found, post the proposed write-off.", day))
    return found


def _columns(fields: Sequence[str]) -> list[C]:
    return [C(heading(f), _FIELD_VALUES.get(f, "text")) for f in fields]  # type: ignore[arg-type]


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
        plan = plan_counts(entries, today=env.today, rows=len(ingested.rows))
        wanted: dict[str, set[str]] = {}
        for c in plan.counts:
            wanted.setdefault(c.item_code, set()).add(c.serial)
        units = env.store.view(items=list(wanted), serials=wanted, outbound=True)
        differences = tuple(count_differences(plan.counts, units, env))
        return Checked(replace(plan, count_differences=differences), issues, view)

    def counts(self, plan: PostingPlan) -> dict[str, int]:
        tally = Counter(d.difference for d in plan.count_differences)
        return {"differences": len(plan.count_differences), "missing": tally["missing"],
                "unexpected": tally["unexpected"], "misplaced": tally["wrong office"] + tally["wrong bin"],
                "not_in_stock": tally["not in stock"]}

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.counts:
            return []
        tally = Counter(d.difference for d in plan.count_differences)
        return [("Serials counted", len(plan.counts)), ("Duplicate scans", sum(c.scans - 1 for c in plan.counts)),
                ("Differences", len(plan.count_differences)), ("Missing (proposed write-off)", tally["missing"]),
                ("Unexpected (proposed found)", tally["unexpected"]),
                ("In another office or bin (proposed transfer)", tally["wrong office"] + tally["wrong bin"]),
                ("Counted but not in stock (to look into)", tally["not in stock"])]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.counts:
            return []
        sheets = [ReportSheet("Counts", [
            C("Office", "text"), C("Bin", "text"), C("Item", "text"), C("Serial", "text"), C("Scans", "int"),
            C("Count Date", "date"), C("Sheet", "text"), C("Row", "int")],
            ([c.office, c.bin, c.item_code, c.serial, c.scans, c.count_date, c.sheet, c.row] for c in plan.counts))]
        diffs = plan.count_differences
        sheets.append(ReportSheet("Differences", [
            C("Difference", "text"), C("Office", "text"), C("Bin", "text"), C("Item", "text"), C("Serial", "text"),
            C("Ledger Says", "text"), C("Proposal", "text"), C("What To Do", "text"), C("Count Date", "date"),
            C("Sheet", "text"), C("Row", "int")],
            ([d.difference, d.office, d.bin, d.item_code, d.serial, d.ledger_says, d.proposal or "none: look into it",
              d.advice, d.count_date, d.sheet, d.row] for d in diffs),
            note=(f"What this count found that the ledger does not say: {plural(len(diffs), 'difference')}."
                  if diffs else "The count agrees with the ledger: no differences.")))
        adjust = [d for d in diffs if d.proposal in ("write_off", "found")]
        if adjust:
            sheets.append(ReportSheet(
                "Proposed adjustments", _columns(ADJUSTMENT_FIELDS),
                ([d.office, d.item_code, d.proposal, COUNT_REASON, 1, d.serial, d.bin, None, d.count_date]
                 for d in adjust),
                note="Review, then drop this workbook into inbox/adjustments/ to post these adjustments."))
        moves = [d for d in diffs if d.proposal == "transfer"]
        if moves:
            reference = f"COUNT-{result.batch_id}" if result is not None else "COUNT"
            sheets.append(ReportSheet(
                "Proposed transfers", _columns(TRANSFER_FIELDS),
                ([d.item_code, d.from_office, d.from_bin, d.office, d.bin, 1, d.serial, d.count_date, reference]
                 for d in moves),
                note="Review, then drop this workbook into inbox/transfers/ to move these units where they were "
                     "counted."))
        return sheets

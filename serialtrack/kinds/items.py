"""Items: the item master (code, description, serialized, next serial, pattern, check digit, costs)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from serialtrack.exporters.report import ReportSheet
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import ItemRecord, item_records
from serialtrack.kinds.base import C, Checked, CheckEnv, FileKind, SummaryPair, has_errors, no_rows
from serialtrack.ledger.plan import ItemChange, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.view import ItemInfo, LedgerView
from serialtrack.records import Issue, ItemValue, KindName

CHECK_DIGITS = frozenset({"luhn"})



def items_unique_in_file(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    first: dict[str, ItemRecord] = {}
    issues = []
    for record in records:
        key = record.code.casefold()
        if key in first:
            issues.append(Issue("duplicate-item", f"item {record.code} appears again (first on row "
                                f"{first[key].source.row}); list each item once",
                                record.sources.get("item_code", record.source)))
        else:
            first[key] = record
    return issues



def item_serialized_locked(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    issues = []
    for record in records:
        known = view.items.get(record.code)
        new = record.values.get("serialized")
        if known is None or new is None or new == known.serialized or not known.linked:
            continue
        was, now = ("serialized", "not serialized") if known.serialized else ("not serialized", "serialized")
        issues.append(Issue(
            "item-serialized-locked",
            f"item {record.code} is {was} and purchase orders, sales orders, lots or transactions already use "
            f"it, so it cannot become {now}: that would break its posted history. Create a new item code "
            "instead", record.sources["serialized"]))
    return issues



def item_serial_settings_valid(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    issues = []
    for record in records:
        pattern = record.values.get("serial_pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                issues.append(Issue("serial-pattern-invalid",
                                    f"serial pattern {pattern!r} is not a valid regular expression ({exc})",
                                    record.sources["serial_pattern"]))
        check = record.values.get("check_digit")
        if check is not None and check.casefold() not in CHECK_DIGITS:
            issues.append(Issue("check-digit-unknown",
                                f"check digit {check!r} is not one we know; use Luhn or leave it empty",
                                record.sources["check_digit"]))
        next_serial = record.values.get("next_serial")
        if next_serial is not None and not re.search(r"\d", next_serial):
            issues.append(Issue("next-serial-invalid",
                                f"next serial {next_serial!r} has no digits to count up from",
                                record.sources["next_serial"]))
    return issues



ITEM_RULES: list[Callable[[Sequence[ItemRecord], LedgerView], list[Issue]]] = [
    items_unique_in_file,
    item_serialized_locked,
    item_serial_settings_valid,
]



def check_items(records: Sequence[ItemRecord], view: LedgerView) -> list[Issue]:
    return [issue for rule in ITEM_RULES for issue in rule(records, view)]



def differs(values: Mapping[str, ItemValue], known: ItemInfo) -> bool:
    """Whether a value the file gives is not what the ledger holds (a blank cell keeps the ledger's value, so
    only the values given are compared; the check digit is kept case-folded)."""
    for name, value in values.items():
        given = value.casefold() if name == "check_digit" and isinstance(value, str) else value
        if getattr(known, name) != given:
            return True
    return False


def plan_items(records: Sequence[ItemRecord], known: Mapping[str, ItemInfo]) -> PostingPlan:
    changes = tuple(ItemChange(r.code, dict(r.values), r.code not in known,
                               r.code not in known or differs(r.values, known[r.code])) for r in records)
    return PostingPlan(KindName.ITEMS, items=changes, rows=len(records))


def _yes(value: ItemValue | None) -> str | None:
    return None if value is None else ("Y" if value else "N")


def _item_rows(plan: PostingPlan) -> Iterator[list[ItemValue | None]]:
    for c in plan.items:
        v = c.values
        yield [c.code, c.change, v.get("description"), _yes(v.get("serialized")),
               _yes(v.get("track_mfr_lot")), v.get("next_serial"), v.get("est_unit_cost"), v.get("uom"),
               v.get("serial_pattern")]


class Items(FileKind):
    name = KindName.ITEMS
    fields = Kind(KindName.ITEMS, ("item_code", "description", "serialized", "track_mfr_lot", "next_serial",
                                   "est_unit_cost", "uom", "serial_pattern", "check_digit", "warranty_months",
                                   "vendor_warranty_months"),
                  frozenset({"item_code"}), master_data=True)

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        records, issues = item_records(ingested.rows)
        issues = no_rows(ingested) + issues
        view = env.store.view(items=[r.code for r in records])
        issues += check_items(records, view)
        plan = None if has_errors(issues) else plan_items(records, view.items)
        return Checked(plan, issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.items:
            return []
        return [(f"Items {key.removeprefix('items_')}", count) for key, count in self.counts(plan).items()]

    def counts(self, plan: PostingPlan) -> dict[str, int]:
        changes = [c.change for c in plan.items]
        return {f"items_{change}": changes.count(change) for change in ("created", "updated", "unchanged")}

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.items:
            return []
        return [ReportSheet("Items", [
            C("Item", "text"), C("Change", "text"), C("Description", "text"), C("Serialized", "text"),
            C("Track Mfr Lot", "text"), C("Next Serial", "text"), C("Est Unit Cost", "money"), C("UOM", "text"),
            C("Serial Pattern", "text")], _item_rows(plan))]

"""Items: the item master (code, description, serialized, next serial, pattern, check digit, costs)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from serialtrack.exporters.report import ReportSheet
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.records import ItemRecord, item_records
from serialtrack.kinds.base import C, Checked, CheckEnv, FileKind, SummaryPair, has_errors, no_rows
from serialtrack.ledger.plan import ItemChange, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.view import ItemInfo
from serialtrack.records import ItemValue, KindName
from serialtrack.rules.master import check_items


def plan_items(records: Sequence[ItemRecord], known: Mapping[str, ItemInfo]) -> PostingPlan:
    changes = tuple(ItemChange(r.code, dict(r.values), r.code not in known) for r in records)
    return PostingPlan(KindName.ITEMS, items=changes, rows=len(records))


def _yes(value: ItemValue | None) -> str | None:
    return None if value is None else ("Y" if value else "N")


def _item_rows(plan: PostingPlan) -> Iterator[list[ItemValue | None]]:
    for c in plan.items:
        v = c.values
        yield [c.code, "created" if c.new else "updated", v.get("description"), _yes(v.get("serialized")),
               _yes(v.get("track_mfr_lot")), v.get("next_serial"), v.get("est_unit_cost"), v.get("uom"),
               v.get("serial_pattern")]


class Items(FileKind):
    name = KindName.ITEMS
    fields = Kind(KindName.ITEMS, ("item_code", "description", "serialized", "track_mfr_lot", "next_serial",
                                   "est_unit_cost", "uom", "serial_pattern", "check_digit"),
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
        return [("Items created", sum(c.new for c in plan.items)),
                ("Items updated", sum(not c.new for c in plan.items))]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.items:
            return []
        return [ReportSheet("Items", [
            C("Item", "text"), C("Change", "text"), C("Description", "text"), C("Serialized", "text"),
            C("Track Mfr Lot", "text"), C("Next Serial", "text"), C("Est Unit Cost", "money"), C("UOM", "text"),
            C("Serial Pattern", "text")], _item_rows(plan))]

"""Offices: the office list as master data (office code, full name, receiving and return bins). Offices are
also created by the first PO or SO that names them; an offices file names their bins and full names.
Changing an office's receiving bin changes where later receipts go, never where stock already is."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from serialtrack.exporters.report import ReportSheet
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested, Row
from serialtrack.ingest.values import as_code, as_text
from serialtrack.kinds.base import C, Checked, CheckEnv, FileKind, SummaryPair, has_errors, no_rows
from serialtrack.ledger.office_store import OfficeInfo, offices_known
from serialtrack.ledger.plan import OfficeChange, PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.records import Issue, KindName, Source

#: File field -> offices column.
OFFICE_COLUMNS = {"name": "description", "receiving_bin": "receiving_bin", "return_bin": "return_bin"}
LABELS = {"name": "name", "receiving_bin": "receiving bin", "return_bin": "return bin"}


@dataclass(frozen=True)
class OfficeRecord:
    """One row of an offices file: the office and the values it gives (offices columns), with their cells."""

    office: str
    values: dict[str, str]
    source: Source
    sources: dict[str, Source] = field(default_factory=dict)


def office_records(rows: Sequence[Row]) -> tuple[list[OfficeRecord], list[Issue]]:
    records: list[OfficeRecord] = []
    issues: list[Issue] = []
    for row in rows:
        cell = row.get("office")
        office = as_code(cell.value) if cell is not None else None
        if cell is None or office is None:
            where = row.cells.get("office")
            issues.append(Issue("required-value-missing", "office is empty; every row needs the office's code "
                                "(the name POs, SOs and transfers use)", where.source if where else row.source))
            continue
        values: dict[str, str] = {}
        sources = {"office": cell.source}
        for name, column in OFFICE_COLUMNS.items():
            given = row.get(name)
            text = as_text(given.value) if given is not None else None
            if given is not None and text is not None:
                values[column] = text
                sources[column] = given.source
        records.append(OfficeRecord(office, values, row.source, sources))
    return records, issues


Records = Sequence[OfficeRecord]


def offices_once_in_file(records: Records, known: Mapping[str, OfficeInfo]) -> list[Issue]:
    """An office listed twice must say the same both times (listing it again with the same values is harmless)."""
    first: dict[str, OfficeRecord] = {}
    issues = []
    for record in records:
        key = record.office.casefold()
        seen = first.setdefault(key, record)
        if seen is record:
            continue
        for column, value in record.values.items():
            before = seen.values.get(column)
            if before is not None and before != value:
                label = next(k for k, v in OFFICE_COLUMNS.items() if v == column)
                issues.append(Issue("office-duplicate", f"office {record.office} appears again (first on row "
                                    f"{seen.source.row}) with {LABELS[label]} {value!r} instead of {before!r}; "
                                    "list each office once", record.sources[column]))
                break
    return issues


OFFICE_RULES: list[Callable[[Records, Mapping[str, OfficeInfo]], list[Issue]]] = [offices_once_in_file]


def check_offices(records: Records, known: Mapping[str, OfficeInfo]) -> list[Issue]:
    return [issue for rule in OFFICE_RULES for issue in rule(records, known)]


def plan_offices(records: Records, known: Mapping[str, OfficeInfo], rows: int) -> PostingPlan:
    """One change per office (rows repeating an office merge); an office the ledger holds keeps its spelling."""
    merged: dict[str, tuple[str, dict[str, str]]] = {}
    for record in records:
        name, values = merged.setdefault(record.office.casefold(), (record.office, {}))
        for column, value in record.values.items():
            values.setdefault(column, value)
    changes = []
    for key, (name, values) in merged.items():
        office = known.get(key)
        if office is None:
            changes.append(OfficeChange(name, values, new=True))
            continue
        changed = any(getattr(office, column) != value for column, value in values.items())
        changes.append(OfficeChange(office.name, values, new=False, changed=changed))
    return PostingPlan(KindName.OFFICES, offices=tuple(changes), rows=rows)


def _office_rows(plan: PostingPlan) -> Iterator[list[str | None]]:
    for c in plan.offices:
        v = c.values
        yield [c.name, c.change, v.get("description"), v.get("receiving_bin"), v.get("return_bin")]


class Offices(FileKind):
    name = KindName.OFFICES
    fields = Kind(KindName.OFFICES, ("office", "name", "receiving_bin", "return_bin"), frozenset({"office"}),
                  {"office": ("Office Code", "Site Code", "Warehouse Code")}, master_data=True)

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        records, issues = office_records(ingested.rows)
        issues = no_rows(ingested) + issues
        known = offices_known(env.store.engine)
        issues += check_offices(records, known)
        plan = None if has_errors(issues) else plan_offices(records, known, len(ingested.rows))
        return Checked(plan, issues)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.offices:
            return []
        return [(f"Offices {key.removeprefix('offices_')}", count) for key, count in self.counts(plan).items()]

    def counts(self, plan: PostingPlan) -> dict[str, int]:
        changes = [c.change for c in plan.offices]
        return {f"offices_{change}": changes.count(change) for change in ("created", "updated", "unchanged")}

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.offices:
            return []
        return [ReportSheet("Offices", [C("Office", "text"), C("Change", "text"), C("Name", "text"),
                                        C("Receiving Bin", "text"), C("Return Bin", "text")],
                            _office_rows(plan))]

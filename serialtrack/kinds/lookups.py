"""Lookups: a list of serials dropped as a question ("where is it, where did it come from, who has it, is it
still under warranty?"), answered with a workbook; the ledger does not change.

A file dropped straight into ``inbox/`` is a lookup when serials (and perhaps the item) are all it names: a scan
log pasted into a sheet. Each asked serial gets one row per item that holds it; an unknown serial says so and
names the ledger's serials that differ from it only by leading zeros; a cell the serial syntax cannot read
(Excel damage, a bad character) is answered with the reason, never refused: a question is never rejected for
the state of its answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from serialtrack.exporters.report import ReportSheet, summary_sheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.serials import parse_cells
from serialtrack.ingest.values import as_code, as_text
from serialtrack.kinds.base import Answer, C, Checked, CheckEnv, FileKind, SummaryPair, no_rows
from serialtrack.ledger.lookups import UnitFacts, histories, near_matches, units_for
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.warranty import warranty_state
from serialtrack.records import KindName, Source


@dataclass(frozen=True)
class Asked:
    """One serial as the clerk wrote it: its entry, the serial it normalises to (None when it could not be
    read), the item named beside it, the reason it could not be read, and its cell."""

    entry: str
    serial: str | None
    item_code: str | None
    problem: str | None
    source: Source | None


def asked_serials(ingested: Ingested, env: CheckEnv) -> list[Asked]:
    """Every serial asked, row by row, cell entry by entry, as the serial syntax reads it."""
    asked: list[Asked] = []
    for row in ingested.rows:
        cell = row.get("serials")
        if cell is None:
            continue
        item_cell = row.get("item_code")
        item = as_code(item_cell.value) if item_cell else None
        parsed = parse_cells([(cell.value, cell.source)], policy=env.serial_policy)
        for issue in parsed.issues:
            if issue.is_error:
                asked.append(Asked(as_text(cell.value) or "", None, item, issue.message, issue.source))
        for unit in parsed.units:
            asked.append(Asked(unit.entry, unit.serial, item, None, unit.source))
    return asked


def _warranty(until: dt.date | None, today: dt.date) -> str | None:
    state = warranty_state(until, today)
    return None if state is None else f"{state} (as of {today.isoformat()})"


def _row(a: Asked, u: UnitFacts | None, note: str | None, today: dt.date) -> list[Cell]:
    src = a.source
    where = [src.sheet if src else None, src.row if src else None]
    if u is None:
        return [a.entry, a.serial, a.item_code, "not read" if a.serial is None else "not in the ledger",
                *([None] * 17), note, *where]
    return [a.entry, u.serial, u.item_code, u.status.replace("_", " "), u.office, u.bin, u.lot, u.po_number,
            u.vendor, u.received_date, u.unit_cost, (u.last_type or "").replace("_", " ") or None, u.last_document,
            u.last_date, u.so_number, u.customer, u.ship_date, u.warranty_until, _warranty(u.warranty_until, today),
            u.vendor_warranty_until, _warranty(u.vendor_warranty_until, today), note, *where]


ANSWER_COLUMNS = [
    C("Asked", "text"), C("Serial", "text"), C("Item", "text"), C("Status", "text"), C("Office", "text"),
    C("Bin", "text"), C("Lot", "text"), C("PO", "text"), C("Vendor", "text"), C("Received", "date"),
    C("Unit Cost", "money"), C("Last Move", "text"), C("Last Document", "text"), C("Last Moved", "date"),
    C("SO", "text"), C("Customer", "text"), C("Shipped", "date"), C("Warranty Until", "date"),
    C("Warranty", "text"), C("Vendor Warranty Until", "date"), C("Vendor Warranty", "text"),
    C("Note", "text", width=60), C("Sheet", "text"), C("Row", "int")]

HISTORY_COLUMNS = [
    C("Serial", "text"), C("Item", "text"), C("Date", "date"), C("Type", "text"), C("Document", "text"),
    C("Qty", "int"), C("Unit Cost", "money"), C("Batch", "int"), C("Undoes Transaction", "int"),
    C("Source File", "text"), C("Source Sheet", "text"), C("Source Row", "int")]


def _not_found_note(a: Asked, held: Sequence[UnitFacts], near: Sequence[tuple[str, str]]) -> str:
    if held:  # the serial exists, on other items than the one asked about
        return (f"not on item {a.item_code}: held by item "
                f"{', '.join(u.item_code for u in held)}")
    if near:
        shown = ", ".join(f"{serial} ({item})" for item, serial in near[:5])
        return (f"not in the ledger; the ledger holds {shown}, which differ only by leading zeros (Excel drops "
                "them from numbers: format the column as Text)")
    return "not in the ledger"


class Lookups(FileKind):
    name = KindName.LOOKUPS
    noun = "lookups"
    answers = True
    fields = Kind(KindName.LOOKUPS, ("serials", "item_code"), frozenset({"serials"}), exclusive=True)

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        """A question is never refused for its answers; only a file with nothing to ask is."""
        return Checked(None, no_rows(ingested))

    def answer(self, ingested: Ingested, env: CheckEnv, *, file_name: str,
               answered_at: dt.datetime) -> Answer:
        asked = asked_serials(ingested, env)
        today = env.today
        with env.store.engine.connect() as conn:
            units = units_for(conn, [a.serial for a in asked if a.serial])
            unknown = [a.serial for a in asked if a.serial and a.serial not in units]
            near = near_matches(conn, unknown)
            shown: list[UnitFacts] = []
            rows: list[list[Cell]] = []
            found = missing = unread = 0
            for a in asked:
                if a.serial is None:
                    unread += 1
                    rows.append(_row(a, None, a.problem, today))
                    continue
                held = units.get(a.serial, [])
                matching = [u for u in held if a.item_code is None or u.item_code.casefold() == a.item_code.casefold()]
                if not matching:
                    missing += 1
                    rows.append(_row(a, None, _not_found_note(a, held, near.get(a.serial, [])), today))
                    continue
                found += 1
                several = f"held by {len(matching)} items" if len(matching) > 1 else None
                for u in matching:
                    rows.append(_row(a, u, several, today))
                    shown.append(u)
        names = {u.id: (u.serial, u.item_code) for u in shown}

        def history_rows() -> Iterator[list[Cell]]:
            """Read while the sheet is written: every history at once would not fit a 100,000-serial answer."""
            with env.store.engine.connect() as reading:
                for unit_id, h in histories(reading, list(names)):
                    serial, item = names[unit_id]
                    yield [serial, item, h.occurred_on, h.type.replace("_", " "), h.document, h.qty, h.unit_cost,
                           h.batch_id, h.reverses_id, h.source_file, h.source_sheet, h.source_row]

        counts = {"rows": len(ingested.rows), "asked": len(asked), "found": found, "not_found": missing,
                  "not_read": unread}
        summary = summary_sheet([
            ("File", file_name), ("Kind", "lookups: a question; nothing was posted"),
            ("Answered at", answered_at.astimezone().replace(tzinfo=None)), ("Serials asked", len(asked)),
            ("Found in the ledger", found), ("Not in the ledger", missing), ("Not read", unread),
            ("Warranty as of", today)])
        return Answer([summary, ReportSheet("Answers", ANSWER_COLUMNS, rows),
                       ReportSheet("Serial History", HISTORY_COLUMNS, history_rows())], counts)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        return []

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        return []

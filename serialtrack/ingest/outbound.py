"""Returns and count sheets -> one entry per serial: a ``ReturnEntry`` (SO, disposition, reason) or a
``CountEntry`` (office, bin), each with its date and the cell it came from. (Shipping sheets group into order
lines like packing lists: ``order_lines``.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from serialtrack.ingest.order_lines import Budget
from serialtrack.ingest.reader import Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cells
from serialtrack.ingest.values import Cell, as_code, as_date, as_text, convert
from serialtrack.records import Issue, Source

DISPOSITIONS = {
    "restock": "restock", "restocked": "restock", "return to stock": "restock", "stock": "restock",
    "scrap": "scrap", "scrapped": "scrap", "scrap it": "scrap",
    "return to vendor": "return_to_vendor", "return_to_vendor": "return_to_vendor", "rtv": "return_to_vendor",
    "returntovendor": "return_to_vendor", "return-to-vendor": "return_to_vendor",
}


@dataclass(frozen=True)
class ReturnEntry:
    """One serial of a returns row: which sales order it came back on and what becomes of it."""

    so_number: str
    item_code: str
    unit: SerialUnit
    date: dt.date | None
    disposition: str | None
    reason: str | None
    row: Source
    item_cell: Cell
    so_cell: Cell
    disposition_cell: Cell | None


@dataclass(frozen=True)
class CountEntry:
    """One serial scanned on a count sheet: at which office and bin."""

    office: str
    item_code: str
    unit: SerialUnit
    date: dt.date | None
    bin: str | None
    row: Source
    item_cell: Cell
    office_cell: Cell


@dataclass(frozen=True)
class _SerialRow:
    key: str
    key_cell: Cell
    item_code: str
    item_cell: Cell
    unit: SerialUnit
    date: dt.date | None
    detail: str | None
    detail_cell: Cell | None
    reason: str | None
    row: Source


def _serial_rows(rows: list[Row], *, key_field: str, key_label: str, detail_field: str, date_field: str,
                 policy: SerialPolicy, max_serials: int | None, issues: list[Issue],
                 width_for: Callable[[str], int | None] | None = None,
                 detail_required: bool = False) -> list[_SerialRow]:
    """One record per serial; ``max_serials`` bounds the whole file as for packing lists; ``width_for(item)``
    gives the item's serial width, so a serial whose leading zeros Excel dropped is caught as on receiving.
    Where ``detail_required``, a blank detail keeps its cell (its place, for the message that asks for it)."""
    found: list[_SerialRow] = []
    budget = Budget(max_serials, policy)
    for row in rows:
        key_cell, item_cell, serial_cell = row.get(key_field), row.get("item_code"), row.get("serials")
        missing = [(name, label) for name, label, cell in ((key_field, key_label, key_cell),
                                                           ("item_code", "item code", item_cell),
                                                           ("serials", "serials", serial_cell)) if cell is None]
        if missing:
            name = missing[0][0]
            where = row.cells.get(name)
            issues.append(Issue("required-value-missing", f"{' and '.join(m[1] for m in missing)} empty on this "
                                "row", where.source if where else row.source))
            continue
        assert key_cell is not None and item_cell is not None and serial_cell is not None
        detail_cell = row.get(detail_field)
        if detail_cell is None and detail_required:
            detail_cell = row.cells.get(detail_field)
        date = convert(row.get(date_field), as_date, issues, date_field.replace("_", " "))
        reason_cell = row.get("reason")
        if not budget.allows(None, serial_cell, issues):
            continue
        width = width_for(as_code(item_cell.value) or "") if width_for else None
        parsed = parse_cells([(serial_cell.value, serial_cell.source)], policy=budget.policy(), width=width)
        issues += parsed.issues
        budget.spend(len(parsed.units), parsed.issues, serial_cell, issues)
        for unit in parsed.units:
            found.append(_SerialRow(as_code(key_cell.value) or "", key_cell, as_code(item_cell.value) or "",
                                    item_cell, unit, date, as_text(detail_cell.value) if detail_cell else None,
                                    detail_cell, as_text(reason_cell.value) if reason_cell else None, row.source))
    return found


def return_entries(rows: list[Row], *, policy: SerialPolicy, max_serials: int | None = None,
                   width_for: Callable[[str], int | None] | None = None) -> tuple[list[ReturnEntry], list[Issue]]:
    issues: list[Issue] = []
    found = _serial_rows(rows, key_field="so_number", key_label="SO number", detail_field="disposition",
                         date_field="return_date", policy=policy, max_serials=max_serials, issues=issues,
                         width_for=width_for, detail_required=True)
    return [ReturnEntry(r.key, r.item_code, r.unit, r.date, r.detail, r.reason, r.row, r.item_cell, r.key_cell,
                        r.detail_cell) for r in found], issues


def count_entries(rows: list[Row], *, policy: SerialPolicy, max_serials: int | None = None,
                  width_for: Callable[[str], int | None] | None = None) -> tuple[list[CountEntry], list[Issue]]:
    issues: list[Issue] = []
    found = _serial_rows(rows, key_field="office", key_label="office", detail_field="bin", date_field="count_date",
                         policy=policy, max_serials=max_serials, issues=issues, width_for=width_for)
    return [CountEntry(r.key, r.item_code, r.unit, r.date, r.detail, r.row, r.item_cell, r.key_cell)
            for r in found], issues


def disposition_of(text: str | None) -> str | None:
    if text is None:
        return None
    return DISPOSITIONS.get(" ".join(text.casefold().replace("_", " ").split()))

"""Returns and count sheets -> one entry per serial, each with its row's disposition, office, bin and date and
the cell it came from. (Shipping sheets group into order lines like packing lists: ``receiving_lines``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from serialtrack.ingest.reader import Row
from serialtrack.ingest.receiving import Budget
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
class SerialEntry:
    """One serial of a returns or count row."""

    number: str  # SO number (returns) or office (counts)
    item_code: str
    unit: SerialUnit
    date: dt.date | None
    extra: str | None  # disposition (returns) or bin (counts)
    reason: str | None
    row: Source
    item_cell: Cell
    number_cell: Cell
    extra_cell: Cell | None


def serial_entries(rows: list[Row], *, number_field: str, number_label: str, extra_field: str, date_field: str,
                   policy: SerialPolicy, max_serials: int | None = None) -> tuple[list[SerialEntry], list[Issue]]:
    """One entry per serial; ``max_serials`` bounds the whole file as for packing lists."""
    entries: list[SerialEntry] = []
    issues: list[Issue] = []
    budget = Budget(max_serials, policy)
    for row in rows:
        number_cell, item_cell, serial_cell = row.get(number_field), row.get("item_code"), row.get("serials")
        missing = [(name, label) for name, label, cell in ((number_field, number_label, number_cell),
                                                           ("item_code", "item code", item_cell),
                                                           ("serials", "serials", serial_cell)) if cell is None]
        if missing:
            name = missing[0][0]
            where = row.cells.get(name)
            issues.append(Issue("required-value-missing", f"{' and '.join(m[1] for m in missing)} empty on this "
                                "row", where.source if where else row.source))
            continue
        assert number_cell is not None and item_cell is not None and serial_cell is not None
        extra_cell = row.get(extra_field)
        date = convert(row.get(date_field), as_date, issues, date_field.replace("_", " "))
        reason_cell = row.get("reason")
        if not budget.allows(None, serial_cell, issues):
            continue
        parsed = parse_cells([(serial_cell.value, serial_cell.source)], policy=budget.policy())
        issues += parsed.issues
        budget.spend(len(parsed.units), parsed.issues, serial_cell, issues)
        for unit in parsed.units:
            entries.append(SerialEntry(as_code(number_cell.value) or "", as_code(item_cell.value) or "", unit, date,
                                       as_text(extra_cell.value) if extra_cell else None,
                                       as_text(reason_cell.value) if reason_cell else None, row.source, item_cell,
                                       number_cell, extra_cell))
    return entries, issues


def disposition_of(text: str | None) -> str | None:
    if text is None:
        return None
    return DISPOSITIONS.get(" ".join(text.casefold().replace("_", " ").split()))

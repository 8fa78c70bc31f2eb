"""Adjustment and vendor-return sheets -> one ``StockRow`` per sheet row: its key values (office or PO, item,
action, reason, ...), its quantity, its serials parsed with the cell each came from, and its date. Unlike
packing lists, rows are not summed into order lines: each row is one movement with its own reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from serialtrack.ingest.order_lines import Budget
from serialtrack.ingest.reader import Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cells
from serialtrack.ingest.values import Cell, as_code, as_date, as_money, as_qty, as_text, convert
from serialtrack.records import Issue, Source


@dataclass
class StockRow:
    """One sheet row of an adjustments or vendor-returns file."""

    row: Row
    item_code: str
    item_cell: Cell
    #: field -> the row's text for the fields asked for (office, po_number, action, reason, bin, rma ...)
    text: dict[str, str | None]
    qty: int | None
    units: list[SerialUnit] = field(default_factory=list)
    date: dt.date | None = None
    unit_cost: Decimal | None = None
    #: the serial cell held something refused (a lost leading zero, a bad character): its count is not
    #: compared with the quantity, since the refusal already names the cell
    serials_refused: bool = False

    @property
    def source(self) -> Source:
        return self.row.source

    @property
    def sheet(self) -> str | None:
        return self.row.frame.sheet

    @property
    def count(self) -> int:
        """The units the row moves: its quantity, else one per serial listed."""
        return self.qty if self.qty is not None else len(self.units)

    def cell(self, name: str) -> Cell | None:
        return self.row.get(name)

    def where(self, name: str) -> Source:
        """The cell of ``name`` on this row (blank or not), else the row."""
        found = self.row.cells.get(name)
        return found.source if found is not None and found.source is not None else self.row.source

    @property
    def qty_source(self) -> Source:
        return self.where("qty") if self.qty is not None else self.where("serials")


def stock_rows(rows: Sequence[Row], *, required: Sequence[tuple[str, str]], text_fields: Sequence[str],
               date_field: str, policy: SerialPolicy, max_serials: int | None = None,
               width_for: Callable[[str], int | None] | None = None,
               money_field: str | None = None) -> tuple[list[StockRow], list[Issue]]:
    """One ``StockRow`` per row whose ``required`` fields (field, label) are all filled in; a row missing one
    is reported at the first empty cell. ``width_for(item)`` gives the item's serial width, so a serial whose
    leading zeros Excel dropped is caught as on receiving."""
    issues: list[Issue] = []
    found: list[StockRow] = []
    budget = Budget(max_serials, policy)
    for row in rows:
        missing = [(name, label) for name, label in required if row.get(name) is None]
        if missing:
            where = row.cells.get(missing[0][0])
            issues.append(Issue("required-value-missing", f"{' and '.join(m[1] for m in missing)} empty on this "
                                "row; fill in every required column", where.source if where else row.source))
            continue
        item_cell = row.get("item_code")
        assert item_cell is not None
        item_code = as_code(item_cell.value) or ""
        qty = convert(row.get("qty"), as_qty, issues, "quantity")
        date = convert(row.get(date_field), as_date, issues, date_field.replace("_", " "))
        cost = convert(row.get(money_field), as_money, issues, "unit cost") if money_field else None
        text = {}
        for name in text_fields:
            cell = row.get(name)
            text[name] = (as_code(cell.value) if name in ("office", "po_number", "bin") else as_text(cell.value)) \
                if cell is not None else None
        entry = StockRow(row, item_code, item_cell, text, qty, date=date, unit_cost=cost)
        serial_cell = row.get("serials")
        if serial_cell is not None and budget.allows(qty, serial_cell, issues):
            width = width_for(item_code) if width_for else None
            parsed = parse_cells([(serial_cell.value, serial_cell.source)], policy=budget.policy(), width=width,
                                 expected_qty=qty)
            issues += parsed.issues
            budget.spend(len(parsed.units), parsed.issues, serial_cell, issues)
            entry.units = parsed.units
            entry.serials_refused = bool(parsed.issues)
        found.append(entry)
    return found, issues

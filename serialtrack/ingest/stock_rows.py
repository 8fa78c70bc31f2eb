"""Adjustment and vendor-return sheets -> one ``StockRow`` per sheet row: its key values (office or PO, item,
action, reason, ...), its quantity, its serials parsed with the cell each came from, and its date. Unlike
packing lists, rows are not summed into order lines: each row is one movement with its own reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from serialtrack.ingest.order_lines import Budget
from serialtrack.ingest.order_lines import _Memo as Memo  # the same memo and quantity reader as order lines
from serialtrack.ingest.order_lines import _qty as qty_of
from serialtrack.ingest.reader import Frame, Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cells, plain_unit
from serialtrack.ingest.values import Cell, as_code, as_date, as_money, as_text, convert
from serialtrack.records import Issue, Source


@dataclass
class StockRow:
    """One sheet row of an adjustments or vendor-returns file."""

    row: Row
    item_code: str
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
    def item_cell(self) -> Cell:
        cell = self.row.get("item_code")
        assert cell is not None
        return cell

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


_CODES = frozenset({"office", "po_number", "bin"})


def stock_rows(rows: Sequence[Row], *, required: Sequence[tuple[str, str]], text_fields: Sequence[str],
               date_field: str, policy: SerialPolicy, max_serials: int | None = None,
               width_for: Callable[[str], int | None] | None = None,
               money_field: str | None = None) -> tuple[list[StockRow], list[Issue]]:
    """One ``StockRow`` per row whose ``required`` fields (field, label) are all filled in; a row missing one
    is reported at the first empty cell. ``width_for(item)`` gives the item's serial width, so a serial whose
    leading zeros Excel dropped is caught as on receiving. Each field is read column-wise (one picker per
    table) and a cell is made only for a value that needs converting or naming, as ``order_lines`` does: a
    count's proposed adjustments are one row per serial."""
    issues: list[Issue] = []
    found: list[StockRow] = []
    budget = Budget(max_serials, policy)
    widths: dict[str, int | None] = {}
    codes, texts = Memo(lambda v: as_code(v) or ""), Memo(as_text)
    names = [name for name, _ in required]
    frame: Frame | None = None
    for row in rows:
        if row.frame is not frame:
            frame = row.frame
            pick_required = [frame.picker(name) for name in names]
            pick_text = [(name, frame.picker(name)) for name in text_fields]
            pick_item, pick_qty, pick_date, pick_serials = (frame.picker(n) for n in ("item_code", "qty", date_field,
                                                                                     "serials"))
            pick_money = frame.picker(money_field) if money_field else None
        values = row.values
        missing = [label for (_, label), pick in zip(required, pick_required, strict=True) if pick(values) is None]
        if missing:
            first = next(name for (name, _), pick in zip(required, pick_required, strict=True) if pick(values) is None)
            where = row.cells.get(first)
            issues.append(Issue("required-value-missing", f"{' and '.join(missing)} empty on this row; fill in "
                                "every required column", where.source if where else row.source))
            continue
        item_code = codes(pick_item(values))
        qty = qty_of(row, "qty", pick_qty(values), issues)
        date = None if pick_date(values) is None else convert(row.get(date_field), as_date, issues,
                                                              date_field.replace("_", " "))
        cost = (convert(row.get(money_field), as_money, issues, "unit cost")
                if pick_money is not None and money_field and pick_money(values) is not None else None)
        text: dict[str, str | None] = {}
        for name, pick in pick_text:
            value = pick(values)
            text[name] = None if value is None else (codes(value) if name in _CODES else texts(value))
        entry = StockRow(row, item_code, text, qty, date=date, unit_cost=cost)
        if pick_serials(values) is not None:
            serial_cell = row.get("serials")
            assert serial_cell is not None
            if budget.allows(qty, serial_cell, issues):
                if item_code not in widths:
                    widths[item_code] = width_for(item_code) if width_for else None
                width = widths[item_code]
                value = serial_cell.value
                unit = (plain_unit(value, serial_cell.source, policy=policy, width=width)
                        if isinstance(value, str) else None)
                if unit is not None:
                    entry.units = [unit]
                    budget.used += 1
                else:
                    parsed = parse_cells([(value, serial_cell.source)], policy=budget.policy(), width=width,
                                         expected_qty=qty)
                    issues += parsed.issues
                    budget.spend(len(parsed.units), parsed.issues, serial_cell, issues)
                    entry.units = parsed.units
                    entry.serials_refused = bool(parsed.issues)
        found.append(entry)
    return found, issues

"""Packing-list and shipping rows -> order lines: rows of one PO line (PO, item) summed, every serial parsed with the
cell it came from. A row may hold one unit (qty empty or 1), a whole line (all serials in one cell), or
anything between; a row with serials and no qty counts one unit per serial."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from serialtrack.ingest.reader import Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cells
from serialtrack.ingest.values import Cell, as_code, as_date, as_qty, as_text, convert
from serialtrack.records import Issue, Source, plural


@dataclass
class LineRow:
    """One sheet row's share of a line."""

    source: Source
    qty: int | None
    qty_cell: Cell | None
    serial_cell: Cell | None
    units: list[SerialUnit]
    bin: str | None
    date: dt.date | None  # the row's received, ship or return date
    mfr_lot: str | None
    mfr_lot_cell: Cell | None
    #: the serial cell held something refused (a lost leading zero, a bad character): its count is not
    #: compared with the quantity, since the refusal already names the cell
    serials_refused: bool = False


@dataclass
class OrderLine:
    """All rows of one order line (PO line when receiving, SO line when shipping) in the file."""

    number: str
    item_code: str
    number_cell: Cell
    item_cell: Cell
    rows: list[LineRow] = field(default_factory=list)
    packing_list: str | None = None
    #: serials generated from the item's next_serial (filled by the handler when the line lists none)
    generated: list[SerialUnit] = field(default_factory=list)

    @property
    def qty(self) -> int:
        return sum(r.qty if r.qty is not None else len(r.units) for r in self.rows)

    @property
    def units(self) -> list[SerialUnit]:
        return [u for r in self.rows for u in r.units] + self.generated

    @property
    def has_serials(self) -> bool:
        return any(r.units or r.serial_cell for r in self.rows)

    @property
    def first_qty_source(self) -> Source:
        for r in self.rows:
            if r.qty_cell is not None:
                return r.qty_cell.source
        return self.item_cell.source


def order_lines(rows: list[Row], *, policy: SerialPolicy,
                    width_for: Callable[[str], int | None] | None = None, qty_field: str = "qty",
                    number_field: str = "po_number", number_label: str = "PO number",
                    date_field: str = "received_date",
                    max_serials: int | None = None) -> tuple[list[OrderLine], list[Issue]]:
    """Group rows into lines and parse their serials. ``width_for(item_code)`` gives the item's serial width
    for lost-leading-zero checks (None when unknown). ``max_serials`` is the file's budget
    (limits.max_serials_per_file): no row is expanded past it, so a few huge spans cannot exhaust memory."""
    lines: dict[tuple[str, str], OrderLine] = {}
    issues: list[Issue] = []
    budget = Budget(max_serials, policy)
    for row in rows:
        number_cell, item_cell = row.get(number_field), row.get("item_code")
        missing = [label for cell, label in ((number_cell, number_label), (item_cell, "item code")) if cell is None]
        if missing:
            where = row.cells.get(number_field if number_cell is None else "item_code")
            issues.append(Issue("required-value-missing", f"{' and '.join(missing)} empty on this row; every row "
                                f"needs {'a PO' if number_field == 'po_number' else 'an order'} and an item", where.source if where else row.source))
            continue
        assert number_cell is not None and item_cell is not None
        number, item = as_code(number_cell.value) or "", as_code(item_cell.value) or ""
        line = lines.get((number, item))
        if line is None:
            line = lines[(number, item)] = OrderLine(number, item, number_cell, item_cell)
        qty_cell = row.get(qty_field)
        qty = convert(qty_cell, as_qty, issues, "quantity")
        serial_cell = row.get("serials")
        units: list[SerialUnit] = []
        refused = False
        if serial_cell is not None and budget.allows(qty, serial_cell, issues):
            width = width_for(item) if width_for else None
            parsed = parse_cells([(serial_cell.value, serial_cell.source)], policy=budget.policy(),
                                 expected_qty=qty, width=width)
            units, found = parsed.units, parsed.issues
            refused = any(i.is_error for i in found)
            issues.extend(found)
            budget.spend(len(units), found, serial_cell, issues)
        date_cell = row.get(date_field)
        lot_cell = row.get("mfr_lot")
        bin_cell = row.get("bin")
        line.rows.append(LineRow(
            row.source, qty, qty_cell, serial_cell, units, as_text(bin_cell.value) if bin_cell else None,
            convert(date_cell, as_date, issues, date_field.replace("_", " ")), as_text(lot_cell.value) if lot_cell else None,
            lot_cell, refused))
        pl = row.get("packing_list")
        if pl is not None and line.packing_list is None:
            line.packing_list = as_text(pl.value)
    return list(lines.values()), issues


class Budget:
    """The serials a file may still list; says so once, by cell, when it runs out."""

    def __init__(self, limit: int | None, policy: SerialPolicy) -> None:
        self.limit, self.base, self.used, self.over = limit, policy, 0, False

    def _refuse(self, cell: Cell, issues: list[Issue]) -> None:
        if not self.over:
            issues.append(Issue("too-many-serials", f"the file lists more than {plural(self.limit or 0, 'serial')}, the "
                                "limit for one file (limits.max_serials_per_file); split it into smaller files",
                                cell.source))
        self.over = True

    def allows(self, qty: int | None, cell: Cell, issues: list[Issue]) -> bool:
        if self.limit is None:
            return True
        if self.over or self.used >= self.limit or (qty is not None and self.used + qty > self.limit):
            self._refuse(cell, issues)
            return False
        return True

    def policy(self) -> SerialPolicy:
        if self.limit is None:
            return self.base
        return replace(self.base, max_expansion=max(1, min(self.base.max_expansion, self.limit - self.used)))

    def spend(self, count: int, found: list[Issue], cell: Cell, issues: list[Issue]) -> None:
        self.used += count
        if self.limit is not None and self.limit - (self.used - count) < self.base.max_expansion and any(
                i.code == "serial-expansion-limit" for i in found):
            self._refuse(cell, issues)


def serials_by_item(lines: list[OrderLine]) -> Mapping[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for line in lines:
        wanted.setdefault(line.item_code, set()).update(u.serial for u in line.units)
    return wanted

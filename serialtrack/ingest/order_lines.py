"""Packing-list and shipping rows -> order lines: rows of one PO line (PO, item) summed, every serial parsed with the
cell it came from. A row may hold one unit (qty empty or 1), a whole line (all serials in one cell), or
anything between; a row with serials and no qty counts one unit per serial."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from serialtrack.ingest.reader import Frame, Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit, parse_cells, plain_unit
from serialtrack.ingest.values import Cell, as_code, as_date, as_qty, as_text, convert
from serialtrack.records import CellValue, Issue, Source, plural


class LineRow:
    """One sheet row's share of a line. The row's cells (quantity, serials, manufacturer lot) are made from the
    sheet row when asked for (messages only), not kept: a 100k-row scan log does not hold 300k cells."""

    __slots__ = ("row", "qty_field", "qty", "units", "bin", "date", "mfr_lot", "serials_refused")

    def __init__(self, row: Row, qty_field: str, qty: int | None, units: list[SerialUnit], bin: str | None,
                 date: dt.date | None, mfr_lot: str | None, serials_refused: bool = False) -> None:
        self.row, self.qty_field, self.qty, self.units = row, qty_field, qty, units
        self.bin, self.date, self.mfr_lot = bin, date, mfr_lot  # date: the row's received, ship or return date
        #: the serial cell held something refused (a lost leading zero, a bad character): its count is not
        #: compared with the quantity, since the refusal already names the cell
        self.serials_refused = serials_refused

    @property
    def source(self) -> Source:
        return self.row.source

    @property
    def moved(self) -> int:
        """The units this row receives, ships or moves: its quantity, else one per serial listed."""
        return self.qty if self.qty is not None else len(self.units)

    @property
    def sheet(self) -> str | None:
        return self.row.frame.sheet

    @property
    def number(self) -> int:
        """The row's 1-based sheet row (``source.row`` without making the Source)."""
        return self.row.number

    @property
    def qty_cell(self) -> Cell | None:
        return self.row.get(self.qty_field)

    @property
    def serial_cell(self) -> Cell | None:
        return self.row.get("serials")

    @property
    def mfr_lot_cell(self) -> Cell | None:
        return self.row.get("mfr_lot")


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
        return sum(r.moved for r in self.rows)

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
                    max_serials: int | None = None, needs: str | None = None) -> tuple[list[OrderLine], list[Issue]]:
    """Group rows into lines and parse their serials. ``width_for(item_code)`` gives the item's serial width
    for lost-leading-zero checks (None when unknown). ``max_serials`` is the file's budget
    (limits.max_serials_per_file): no row is expanded past it, so a few huge spans cannot exhaust memory.
    ``needs``: what every row needs, said when the number or item is missing (default: a PO, or an order)."""
    lines: dict[tuple[str, str], OrderLine] = {}
    issues: list[Issue] = []
    budget = Budget(max_serials, policy)
    widths: dict[str, int | None] = {}
    codes, texts = _Memo(lambda v: as_code(v) or ""), _Memo(as_text)  # columns repeat a few values down the sheet
    frame: Frame | None = None
    for row in rows:
        if row.frame is not frame:  # each field read column-wise: one picker per table, not a lookup per cell
            frame = row.frame
            pick_number, pick_item, pick_qty, pick_date, pick_lot, pick_bin, pick_pl = (
                frame.picker(name) for name in (number_field, "item_code", qty_field, date_field, "mfr_lot", "bin",
                                                "packing_list"))
        values = row.values
        number_value, item_value = pick_number(values), pick_item(values)
        if number_value is None or item_value is None:
            missing = [label for value, label in ((number_value, number_label), (item_value, "item code"))
                       if value is None]
            where = row.cells.get(number_field if number_value is None else "item_code")
            issues.append(Issue("required-value-missing", f"{' and '.join(missing)} empty on this row; every row "
                                f"needs {needs or ('a PO' if number_field == 'po_number' else 'an order')} and an "
                                "item",
                                where.source if where else row.source))
            continue
        number, item = codes(number_value), codes(item_value)
        line = lines.get((number, item))
        if line is None:
            number_cell, item_cell = row.get(number_field), row.get("item_code")
            assert number_cell is not None and item_cell is not None
            line = lines[(number, item)] = OrderLine(number, item, number_cell, item_cell)
        qty = _qty(row, qty_field, pick_qty(values), issues)
        units: list[SerialUnit] = []
        refused = False
        serial_cell = row.get("serials")
        if serial_cell is not None and budget.allows(qty, serial_cell, issues):
            if item in widths:
                width = widths[item]
            else:
                width = widths[item] = width_for(item) if width_for else None
            value = serial_cell.value
            # the budget allowed one more serial, so its policy's cap does not bind a single plain serial
            unit = plain_unit(value, serial_cell.source, policy=policy, width=width) if isinstance(value, str) else None
            if unit is not None:
                units = [unit]
                budget.used += 1
            else:
                parsed = parse_cells([(value, serial_cell.source)], policy=budget.policy(), expected_qty=qty,
                                     width=width)
                units, found = parsed.units, parsed.issues
                refused = any(i.is_error for i in found)
                issues.extend(found)
                budget.spend(len(units), found, serial_cell, issues)
        date_value, lot_value, bin_value = pick_date(values), pick_lot(values), pick_bin(values)
        line.rows.append(LineRow(
            row, qty_field, qty, units, None if bin_value is None else texts(bin_value),
            None if date_value is None else convert(row.get(date_field), as_date, issues,
                                                    date_field.replace("_", " ")),
            None if lot_value is None else as_text(lot_value), refused))
        if line.packing_list is None:
            pl = pick_pl(values)
            if pl is not None:
                line.packing_list = as_text(pl)
    return list(lines.values()), issues


class _Memo:
    """``convert(value)``, remembered for the values seen (keyed by type too: ``1``, ``1.0`` and ``True`` differ)."""

    __slots__ = ("convert", "seen")

    def __init__(self, convert: Callable[[CellValue], Any]) -> None:
        self.convert = convert
        self.seen: dict[tuple[type, CellValue], Any] = {}

    def __call__(self, value: CellValue) -> Any:
        key = (value.__class__, value)
        try:
            return self.seen[key]
        except KeyError:
            if len(self.seen) > 10_000:  # a column of unique values: do not keep them all
                self.seen.clear()
            result = self.seen[key] = self.convert(value)
            return result
        except TypeError:  # unhashable
            return self.convert(value)


def _qty(row: Row, name: str, value: CellValue, issues: list[Issue]) -> int | None:
    """The row's quantity (``value``, the row's ``name`` field), as ``as_qty`` reads it: whole non-negative
    numbers (and digit text) without the general converter, anything else through it (which names the cell
    when it is not a quantity)."""
    if value is None:
        return None
    kind = value.__class__
    if kind is int and value >= 0:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    if kind is float and value.is_integer() and value >= 0:  # type: ignore[union-attr, operator]
        return int(value)  # type: ignore[arg-type]
    if kind is str and value.isascii() and value.isdigit():  # type: ignore[union-attr]
        return int(value)  # type: ignore[arg-type]
    return convert(row.get(name), as_qty, issues, "quantity")  # type: ignore[no-any-return]


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

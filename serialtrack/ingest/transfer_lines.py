"""Transfer rows -> transfer lines: the rows moving one item from one place (office, bin) to another under one
reference, summed, every serial parsed with the cell it came from. Rows are read as order lines are
(``order_lines``: quantity, serials, spans, the file's serial budget, lost leading zeros), keyed by the
from-office, then split by where they go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from serialtrack.ingest.order_lines import LineRow, OrderLine, order_lines
from serialtrack.ingest.reader import Frame, Row
from serialtrack.ingest.serials import SerialPolicy, SerialUnit
from serialtrack.ingest.values import Cell, as_text
from serialtrack.records import CellValue, Issue, Source


@dataclass
class TransferLine:
    """All rows of one item moving from one office (and bin) to one office (and bin) under one reference. Its
    ``line`` is an ``OrderLine`` (number: the from-office), so the shared line rules apply to it."""

    line: OrderLine
    from_bin: str | None
    to_office: str
    to_bin: str | None
    reference: str | None
    to_cell: Cell
    from_bin_cell: Cell | None = None
    to_bin_cell: Cell | None = None
    rows: list[LineRow] = field(default_factory=list)

    @property
    def item_code(self) -> str:
        return self.line.item_code

    @property
    def from_office(self) -> str:
        return self.line.number

    @property
    def qty(self) -> int:
        return sum(r.moved for r in self.rows)

    @property
    def units(self) -> list[SerialUnit]:
        return [u for r in self.rows for u in r.units]

    @property
    def date(self) -> dt.date | None:
        dates = [r.date for r in self.rows if r.date]
        return min(dates) if dates else None

    @property
    def first_qty_source(self) -> Source:
        for r in self.rows:
            if r.qty_cell is not None:
                return r.qty_cell.source
        return self.line.item_cell.source

    def as_order_line(self) -> OrderLine:
        """This line's rows as an order line, for the rules ``rules.lines`` shares."""
        return OrderLine(self.line.number, self.line.item_code, self.line.number_cell, self.line.item_cell,
                         list(self.rows))


def transfer_lines(rows: list[Row], *, policy: SerialPolicy, width_for: Callable[[str], int | None] | None = None,
                   max_serials: int | None = None) -> tuple[list[TransferLine], list[Issue]]:
    """Group rows into transfer lines; a row without a to-office is reported by cell and left out."""
    lines, issues = order_lines(rows, policy=policy, width_for=width_for, number_field="from_office",
                                number_label="from office", date_field="transfer_date", max_serials=max_serials,
                                needs="a from office")
    found: dict[tuple[str, str, str, str, str, str], TransferLine] = {}
    texts: dict[tuple[type, CellValue], str | None] = {}
    frame: Frame | None = None
    for line in lines:
        for line_row in line.rows:
            row = line_row.row
            if row.frame is not frame:  # read column-wise: one picker per table and field
                frame = row.frame
                pick_to, pick_from_bin, pick_to_bin, pick_reference = (
                    frame.picker(name) for name in ("to_office", "from_bin", "to_bin", "reference"))
            values = row.values
            to_value = pick_to(values)
            if to_value is None:
                where = row.cells.get("to_office")
                issues.append(Issue("required-value-missing", "to office empty on this row; every row needs the "
                                    "office the units go to", where.source if where else row.source))
                continue
            to_office = _text(to_value, texts) or ""
            from_bin, to_bin, reference = (_text(pick(values), texts) for pick in (pick_from_bin, pick_to_bin,
                                                                                     pick_reference))
            key = (line.item_code, line.number.casefold(), (from_bin or "").casefold(), to_office.casefold(),
                   (to_bin or "").casefold(), reference or "")
            moved = found.get(key)
            if moved is None:
                to_cell = row.get("to_office")
                assert to_cell is not None
                moved = found[key] = TransferLine(line, from_bin, to_office, to_bin, reference, to_cell,
                                                  row.get("from_bin"), row.get("to_bin"))
            moved.rows.append(line_row)
    return list(found.values()), issues


def _text(value: CellValue, seen: dict[tuple[type, CellValue], str | None]) -> str | None:
    """``as_text(value)``, remembered (a column repeats a few bins and references down the sheet)."""
    if value is None:
        return None
    key = (value.__class__, value)
    try:
        return seen[key]
    except KeyError:
        text = seen[key] = as_text(value)
        return text
    except TypeError:
        return as_text(value)


def serials_by_item(lines: list[TransferLine]) -> Mapping[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for line in lines:
        wanted.setdefault(line.item_code, set()).update(u.serial for u in line.units)
    return wanted

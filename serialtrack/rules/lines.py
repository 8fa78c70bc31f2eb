"""Rules the kinds share over order lines (receiving and shipping): the order exists and holds the item, no
serials on a plain item, rows whose quantity and serials disagree, a serial listed twice in the file; and the
sentences every kind says alike (an unknown office, an unknown serial). Each is a small pure function
returning ``Issue`` values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from serialtrack.ingest.order_lines import OrderLine
from serialtrack.ingest.serials import SerialUnit
from serialtrack.ledger.view import LedgerView, OrderInfo
from serialtrack.records import Issue, Source, plural


def order_lines_known(lines: Sequence[OrderLine], orders: Mapping[str, OrderInfo], view: LedgerView, *,
                      noun: str, code: str) -> list[Issue]:
    """The order exists and holds the item: shared by receiving (purchase orders) and shipping (sales orders).
    ``code`` is ``po`` or ``so``, the prefix of the Issue codes."""
    issues = []
    for line in lines:
        order = orders.get(line.number)
        if order is None:
            issues.append(Issue(f"{code}-unknown", f"{noun} {line.number} is not in the ledger; drop the "
                                f"{code.upper()} file first, or check the number", line.number_cell.source))
        elif line.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {line.item_code} is not in the item list",
                                line.item_cell.source))
        elif line.item_code not in order.lines:
            issues.append(Issue(f"{code}-line-missing", f"{noun} {line.number} has no line for item "
                                f"{line.item_code} (it orders {', '.join(sorted(order.lines))})",
                                line.item_cell.source))
    return issues



def office_unknown(office: str, where: Source | None) -> Issue:
    """An office the ledger does not know (transfers, adjustments, counts): one sentence for every kind."""
    return Issue("office-unknown", f"office {office} is not in the ledger; check the name, or drop an offices file "
                 "that creates it first", where)



def serial_unknown(serial: str, item_code: str, where: Source | None) -> Issue:
    """A serial the ledger never received for the item (or whose receipt was reversed), where a kind moves a
    unit it must hold (shipping, transfers, adjustments, returns, vendor returns): one sentence for every kind."""
    return Issue("serial-unknown", f"serial {serial} of item {item_code} is not in the ledger; check the serial and "
                 "the item", where)


def serials_on_plain_item(line: OrderLine) -> list[Issue]:
    """Serials given for an item that is not serialized, one Issue per cell (receiving and shipping)."""
    return [Issue("serials-on-non-serialized-item", f"item {line.item_code} is not serialized, so it takes no "
                  "serials; remove them or fix the item", row.serial_cell.source)
            for row in line.rows if row.serial_cell is not None]



def row_count_mismatches(line: OrderLine) -> list[Issue]:
    """Rows whose quantity differs from the serials they list (receiving and shipping)."""
    return [Issue("serial-count-mismatch", f"this row says quantity {row.qty} but lists "
                  f"{plural(len(row.units), 'serial')}", row.serial_cell.source)
            for row in line.rows
            if row.qty is not None and len(row.units) != row.qty and not row.serials_refused
            and row.serial_cell is not None]



class WithSerials(Protocol):
    """A line of any kind that lists serials of one item (an order line, a transfer line)."""

    @property
    def item_code(self) -> str: ...

    @property
    def units(self) -> Sequence[SerialUnit]: ...


def serials_unique_in_file(lines: Sequence[WithSerials], each: str = "each unit is received once") -> list[Issue]:
    """A serial listed twice for one item, across rows and cells (receiving, shipping, transfers); ``each`` ends
    the sentence in the kind's words."""
    issues = []
    # serial -> the cell it came first from, one table per item (not one (item, serial) key a serial: a
    # million-serial file would hold a million tuples while this runs)
    firsts: dict[str, dict[str, Source | None]] = {}
    reported: set[tuple[str, str, Source | None]] = set()
    for line in lines:
        item_code = line.item_code
        first = firsts.setdefault(item_code, {})
        for unit in line.units:
            earlier = first.setdefault(unit.serial, unit.source)
            if earlier is unit.source:
                continue
            again = (item_code, unit.serial, unit.source)
            if unit.source == earlier or again in reported:
                continue  # again within one cell: the parser already said so
            reported.add(again)
            where = (earlier.cell if earlier else None) or "?"
            issues.append(Issue("serial-duplicate-in-file", f"serial {unit.serial} of item {item_code} "
                                f"appears again (first at {where}); {each}", unit.source))
    return issues


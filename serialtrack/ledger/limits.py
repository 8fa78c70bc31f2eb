"""What the ledger's columns can hold, read from the schema itself: the longest text and the largest number
each file field may carry. ``rules.cell_limits`` checks every cell against these, so a value the database
would refuse (PostgreSQL: ``value too long``, ``integer out of range``, ``numeric field overflow``; SQLite:
integers beyond 64 bits) is a rejection by cell, never an internal error. Change a column in ``schema`` and
the limit follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Integer, Numeric, String

from serialtrack.ledger import schema as t

#: The largest value of a 32-bit ``INTEGER`` column (PostgreSQL's ``integer``).
INTEGER_MAX = 2**31 - 1


@dataclass(frozen=True)
class FieldLimit:
    """The most a field's cell may hold: characters of text, or the size of a number."""

    column: str  # table.column, for the log and the tests
    max_length: int | None = None
    max_number: Decimal | None = None


def _limit(column: Column[object]) -> FieldLimit:
    name = f"{column.table.name}.{column.name}"
    kind = column.type
    if isinstance(kind, String) and kind.length:
        return FieldLimit(name, max_length=kind.length)
    if isinstance(kind, BigInteger):
        return FieldLimit(name, max_number=Decimal(2**63 - 1))
    if isinstance(kind, Integer):
        return FieldLimit(name, max_number=Decimal(INTEGER_MAX))
    if isinstance(kind, Numeric) and kind.precision is not None:
        whole = kind.precision - (kind.scale or 0)
        return FieldLimit(name, max_number=Decimal(10) ** whole - Decimal(1))
    return FieldLimit(name)


#: File field -> the column its value is stored in.
_FIELD_COLUMNS: dict[str, Column[object]] = {
    "serials": t.serial_units.c.serial,
    "po_number": t.purchase_orders.c.number,
    "so_number": t.sales_orders.c.number,
    "item_code": t.items.c.code,
    "office": t.offices.c.name,
    "from_office": t.offices.c.name,
    "to_office": t.offices.c.name,
    "name": t.offices.c.name,
    "bin": t.bins.c.name,
    "from_bin": t.bins.c.name,
    "to_bin": t.bins.c.name,
    "receiving_bin": t.offices.c.receiving_bin,
    "return_bin": t.offices.c.return_bin,
    "mfr_lot": t.lots.c.mfr_lot,
    "packing_list": t.lots.c.packing_list,
    "uom": t.items.c.uom,
    "next_serial": t.items.c.next_serial,
    "check_digit": t.items.c.check_digit,
    "qty": t.po_lines.c.qty_ordered,
    "unit_cost": t.po_lines.c.unit_cost,
    "unit_price": t.so_lines.c.unit_price,
    "est_unit_cost": t.items.c.est_unit_cost,
}

FIELD_LIMITS: dict[str, FieldLimit] = {field: _limit(column) for field, column in _FIELD_COLUMNS.items()}

"""What a count is compared with when it posts: the units the ledger has in stock at the counted office, for
the counted items (and, where the count gives bins, in the counted bins). One query per (office, item)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from serialtrack.ledger import schema as t
from serialtrack.records import SerialStatus


@dataclass(frozen=True, slots=True)
class OnShelf:
    """A unit the ledger has in stock at an office."""

    item_code: str
    serial: str
    office: str
    bin: str | None


def in_stock_at(conn: Connection, office: str, item_codes: Iterable[str],
                bins: Iterable[str] | None = None) -> list[OnShelf]:
    """Units in stock at ``office`` (by name, any case) of ``item_codes``; only in ``bins`` (any case) when
    given. Ordered by item, bin and serial."""
    su, items, offices, bins_t = t.serial_units, t.items, t.offices, t.bins
    query = (select(items.c.code, su.c.serial, offices.c.name.label("office"), bins_t.c.name.label("bin"))
             .select_from(su).join(items, items.c.id == su.c.item_id).join(offices, offices.c.id == su.c.office_id)
             .outerjoin(bins_t, bins_t.c.id == su.c.bin_id)
             .where(su.c.status == SerialStatus.IN_STOCK, func.lower(offices.c.name) == office.casefold(),
                    items.c.code.in_(sorted(set(item_codes)))))
    if bins is not None:
        query = query.where(func.lower(bins_t.c.name).in_(sorted({b.casefold() for b in bins})))
    return [OnShelf(r.code, r.serial, r.office, r.bin)
            for r in conn.execute(query.order_by(items.c.code, bins_t.c.name, su.c.serial))]

"""What the sub-stores share while a plan is applied: the batch being written, and the offices and bins that
posting creates on first use. Imported by ``store`` and by every ``*_store`` module; imports neither."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import new_id, office_ids_named


@dataclass(frozen=True)
class BatchMeta:
    file_name: str
    sha256: str
    kind: str | None
    rows: int = 0
    started_at: dt.datetime | None = None


@dataclass(frozen=True)
class PostResult:
    batch_id: int
    lots: int
    units: int
    transactions: int
    lot_ids: tuple[int, ...] = ()
    #: Cost of goods shipped per (SO number, item), read back from the ledger once posted (every line,
    #: serialized or not); None where nobody asked (``ledger.receipts.shipment_costs``).
    line_costs: Mapping[tuple[str, str], Decimal] | None = None


@dataclass(frozen=True)
class Places:
    """The bins every new office gets."""

    receiving_bin: str = "RECEIVING"
    return_bin: str = "RETURNS"


@dataclass(frozen=True)
class Posting:
    """The batch a plan is being applied under, inside the store's open transaction."""

    batch_id: int
    meta: BatchMeta
    now: dt.datetime
    places: Places


def ensure_office(conn: Connection, places: Places, name: str, now: dt.datetime) -> int:
    found = office_ids_named(conn, name)
    if found:
        return found[0]
    office_id = new_id(conn.execute(insert(t.offices).values(
        name=name, receiving_bin=places.receiving_bin, return_bin=places.return_bin, created_at=now)
    ))
    for bin_name in dict.fromkeys((places.receiving_bin, places.return_bin)):
        conn.execute(insert(t.bins).values(office_id=office_id, name=bin_name))
    return office_id


def ensure_bins(conn: Connection, office_id: int, names: Iterable[str]) -> dict[str, int]:
    wanted = set(names)
    found = {r.name: r.id for r in conn.execute(
        select(t.bins.c.id, t.bins.c.name).where(t.bins.c.office_id == office_id))}
    for name in sorted(wanted - set(found)):
        found[name] = new_id(conn.execute(insert(t.bins).values(office_id=office_id, name=name)))
    return found

"""Set-based look-ups the outbound kinds need beyond the common view: which sales order shipped each unit,
the non-serialized stock per office, and the offices by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, func, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import chunks
from serialtrack.ledger.view import ItemInfo


def shipped_on(conn: Connection, unit_ids: Iterable[int]) -> dict[int, str]:
    """unit id -> document of its latest shipment that no reversal undid."""
    tx = t.transactions
    undone = select(tx.c.reverses_id).where(tx.c.reverses_id.is_not(None))
    result: dict[int, str] = {}
    for part in chunks(sorted(set(unit_ids))):
        latest = (select(tx.c.serial_unit_id, func.max(tx.c.id).label("tx_id"))
                  .where(tx.c.serial_unit_id.in_(part), tx.c.type == "shipment", tx.c.id.not_in(undone))
                  .group_by(tx.c.serial_unit_id).subquery())
        for unit_id, document in conn.execute(select(latest.c.serial_unit_id, tx.c.document)
                                              .join(tx, tx.c.id == latest.c.tx_id)):
            result[int(unit_id)] = document
    return result


def plain_on_hand(conn: Connection, items: Mapping[str, ItemInfo]) -> dict[tuple[str, str], int]:
    """(item code, office casefolded) -> remaining quantity of the item's live lots at that office."""
    plain = {info.id: code for code, info in items.items() if not info.serialized}
    if not plain:
        return {}
    lots = t.lots
    query = (select(lots.c.item_id, t.offices.c.name, func.sum(lots.c.qty_received - lots.c.qty_used))
             .join(t.offices, t.offices.c.id == lots.c.office_id)
             .where(lots.c.item_id.in_(list(plain)), lots.c.reversed_batch_id.is_(None))
             .group_by(lots.c.item_id, t.offices.c.name))
    return {(plain[item_id], office.casefold()): int(qty or 0) for item_id, office, qty in conn.execute(query)}


def offices_by_name(conn: Connection) -> dict[str, int]:
    return {name.casefold(): int(office_id) for office_id, name in conn.execute(select(t.offices.c.id,
                                                                                       t.offices.c.name))}

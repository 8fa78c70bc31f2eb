"""What the ledger knows about a list of serials (the ``lookups`` kind): each unit holding one, where it came
from and where it went, its history, and for an unknown serial the ledger's serials that differ from it only by
leading zeros. Set-based, in chunks over indexed columns: a 100,000-serial question is a few hundred queries,
never one per serial."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, exists, func, literal, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import chunks
from serialtrack.ledger.warranty import warranty_until
from serialtrack.records import BatchStatus


@dataclass(frozen=True)
class UnitFacts:
    """One unit holding an asked serial: where it is, where it came from, where it went."""

    id: int
    serial: str
    item_code: str
    status: str
    office: str | None
    bin: str | None
    lot: str
    po_number: str | None
    vendor: str | None
    received_date: dt.date
    unit_cost: Decimal
    last_type: str | None = None
    last_document: str | None = None
    last_date: dt.date | None = None
    so_number: str | None = None
    customer: str | None = None
    ship_date: dt.date | None = None
    warranty_until: dt.date | None = None
    vendor_warranty_until: dt.date | None = None


def _standing(tx: Any) -> Any:
    """A transaction that stands: not itself a reversal, in a batch that was not reversed (``reverse`` undoes
    whole batches, so the batch's status says it; a primary-key look-up, never a search of the reversals)."""
    batches = t.batches
    return and_(tx.c.reverses_id.is_(None),
                exists(select(batches.c.id).where(batches.c.id == tx.c.batch_id,
                                                  batches.c.status == BatchStatus.POSTED)))


def units_for(conn: Connection, serials: Iterable[str]) -> dict[str, list[UnitFacts]]:
    """Asked (normalised) serial -> the units holding it, one per item, by item code."""
    su, items, lots, offices, bins = t.serial_units, t.items, t.lots, t.offices, t.bins
    pol, po = t.po_lines, t.purchase_orders
    origin = lots.alias("origin")  # a lot a transfer made reaches its PO line through the received lot
    found: dict[str, list[UnitFacts]] = {}
    rows: dict[int, dict[str, Any]] = {}
    for part in chunks(sorted(set(serials))):
        query = (select(su.c.id, su.c.serial, items.c.code.label("item_code"), su.c.status,
                        offices.c.name.label("office"), bins.c.name.label("bin"), lots.c.document.label("lot"),
                        po.c.number.label("po_number"), po.c.vendor, lots.c.received_date, lots.c.unit_cost,
                        items.c.warranty_months, items.c.vendor_warranty_months)
                 .join(items, items.c.id == su.c.item_id).join(lots, lots.c.id == su.c.lot_id)
                 .outerjoin(origin, origin.c.id == lots.c.origin_lot_id)
                 .outerjoin(pol, pol.c.id == func.coalesce(lots.c.po_line_id, origin.c.po_line_id))
                 .outerjoin(po, po.c.id == pol.c.po_id)
                 .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
                 .where(su.c.serial.in_(part)))
        for r in conn.execute(query):
            rows[r.id] = dict(r._mapping)
    last = _last_moves(conn, list(rows))
    shipped = _last_shipments(conn, list(rows))
    for unit_id, row in sorted(rows.items(), key=lambda kv: (kv[1]["serial"], kv[1]["item_code"])):
        kind, document, moved_on = last.get(unit_id, (None, None, None))
        so, customer, ship_date = shipped.get(unit_id, (None, None, None))
        facts = UnitFacts(
            unit_id, row["serial"], row["item_code"], row["status"], row["office"], row["bin"], row["lot"],
            row["po_number"], row["vendor"], row["received_date"], Decimal(row["unit_cost"]),
            last_type=kind, last_document=document, last_date=moved_on, so_number=so, customer=customer,
            ship_date=ship_date, warranty_until=warranty_until(ship_date, row["warranty_months"]),
            vendor_warranty_until=warranty_until(row["received_date"], row["vendor_warranty_months"]))
        found.setdefault(row["serial"], []).append(facts)
    return found


def _last_moves(conn: Connection, unit_ids: Sequence[int]) -> dict[int, tuple[str, str | None, dt.date]]:
    """Unit id -> (type, document, date) of its latest transaction (a reversal included: it moved it last)."""
    tx = t.transactions
    moves: dict[int, tuple[str, str | None, dt.date]] = {}
    for part in chunks(list(unit_ids)):
        latest = (select(func.max(tx.c.id).label("id")).where(tx.c.serial_unit_id.in_(part))
                  .group_by(tx.c.serial_unit_id).subquery())
        for r in conn.execute(select(tx.c.serial_unit_id, tx.c.type, tx.c.document, tx.c.occurred_on)
                              .join(latest, latest.c.id == tx.c.id)):
            moves[r.serial_unit_id] = (r.type, r.document, r.occurred_on)
    return moves


def _last_shipments(conn: Connection, unit_ids: Sequence[int]) -> dict[int, tuple[str, str | None, dt.date]]:
    """Unit id -> (SO number, customer, ship date) of its latest shipment that stands; the sales order is
    joined through the shipment's document, ``SO-<number>``, as the reconciliation joins it."""
    tx, so = t.transactions, t.sales_orders
    shipped: dict[int, tuple[str, str | None, dt.date]] = {}
    for part in chunks(list(unit_ids)):
        latest = (select(func.max(tx.c.id).label("id"))
                  .where(tx.c.serial_unit_id.in_(part), tx.c.type == "shipment", _standing(tx))
                  .group_by(tx.c.serial_unit_id).subquery())
        for r in conn.execute(select(tx.c.serial_unit_id, so.c.number, so.c.customer, tx.c.occurred_on)
                              .join(latest, latest.c.id == tx.c.id)
                              .join(so, literal("SO-") + so.c.number == tx.c.document)):
            shipped[r.serial_unit_id] = (r.number, r.customer, r.occurred_on)
    return shipped


def histories(conn: Connection, unit_ids: Sequence[int]) -> Iterator[tuple[int, Any]]:
    """(unit id, transaction row) for each unit's transactions in order, with the file, sheet and row each
    came from; streamed chunk by chunk, so a long answer never holds every history at once."""
    tx, batches = t.transactions, t.batches
    for part in chunks(list(unit_ids)):
        query = (select(tx.c.serial_unit_id, tx.c.id, tx.c.type, tx.c.occurred_on, tx.c.document, tx.c.qty,
                        tx.c.unit_cost, tx.c.batch_id, tx.c.source_file, tx.c.source_sheet, tx.c.source_row,
                        tx.c.reverses_id, batches.c.status.label("batch_status"))
                 .join(batches, batches.c.id == tx.c.batch_id)
                 .where(tx.c.serial_unit_id.in_(part)).order_by(tx.c.serial_unit_id, tx.c.id))
        for r in conn.execute(query):
            yield r.serial_unit_id, r


def near_matches(conn: Connection, serials: Iterable[str], *, longest: int = 20) -> dict[str, list[tuple[str, str]]]:
    """Asked numeric serial -> the ledger's (item, serial) that differ from it only by leading zeros
    (``101`` -> ``000101``; ``00101`` -> ``101``), found through the serial index: each asked number is looked up
    with every zero padding up to ``longest`` digits."""
    variants: dict[str, str] = {}
    for asked in serials:
        if not asked.isdigit() or not asked.isascii():
            continue
        bare = asked.lstrip("0") or "0"
        for width in range(len(bare), longest + 1):
            candidate = bare.zfill(width)
            if candidate != asked:
                variants[candidate] = asked
    su, items = t.serial_units, t.items
    found: dict[str, list[tuple[str, str]]] = {}
    for part in chunks(sorted(variants)):
        for r in conn.execute(select(items.c.code, su.c.serial).join(items, items.c.id == su.c.item_id)
                              .where(and_(su.c.serial.in_(part))).order_by(su.c.serial, items.c.code)):
            found.setdefault(variants[r.serial], []).append((r.code, r.serial))
    return found

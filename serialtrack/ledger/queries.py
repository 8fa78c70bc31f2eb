"""Read-only questions people ask of the ledger: where is this serial, which lots, what is in stock.

Each returns plain dicts ready for ``--json`` and for the text tables of the CLI; all are set-based queries
on indexed columns (a serial lookup is two index probes however large the ledger).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, func, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import office_ids_named
from serialtrack.records import SerialStatus


def serial_history(engine: Engine, unit_id: int) -> list[dict[str, Any]]:
    tx, batches = t.transactions, t.batches
    query = (select(tx.c.id, tx.c.type, tx.c.occurred_on.label("date"), tx.c.document, tx.c.source_file.label("file"),
                    tx.c.source_sheet.label("sheet"), tx.c.source_row.label("row"), tx.c.batch_id.label("batch"),
                    tx.c.unit_cost, tx.c.note, batches.c.status.label("batch_status"), batches.c.dropped_by_user,
                    batches.c.dropped_by_group, batches.c.run_by)
             .join(batches, batches.c.id == tx.c.batch_id)
             .where(tx.c.serial_unit_id == unit_id).order_by(tx.c.id))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def lots_report(engine: Engine, *, item_code: str | None = None, po_number: str | None = None,
                serial: str | None = None, with_serials: bool = True) -> list[dict[str, Any]]:
    """Lots with ordered, received, used and remaining quantities and values, and the serials remaining; a lot
    whose receipt was reversed says so (``reversed``, and the reversal's batch in ``reversed_batch_id``)."""
    lots, items, offices, su = t.lots, t.items, t.offices, t.serial_units
    query = (select(lots.c.id, lots.c.document, items.c.code.label("item_code"), offices.c.name.label("office"),
                    lots.c.received_date, lots.c.qty_ordered, lots.c.qty_received, lots.c.qty_used,
                    lots.c.unit_cost, lots.c.mfr_lot, lots.c.packing_list, lots.c.batch_id, items.c.serialized,
                    lots.c.reversed_batch_id)
             .join(items, items.c.id == lots.c.item_id)
             .join(offices, offices.c.id == lots.c.office_id))
    if item_code:
        query = query.where(items.c.code == item_code)
    if po_number:
        query = query.where(lots.c.document == f"PO-{po_number}")
    if serial:
        query = query.where(lots.c.id.in_(select(su.c.lot_id).where(su.c.serial == serial)))
    result = []
    with engine.connect() as conn:
        for r in conn.execute(query.order_by(lots.c.id)):
            row = dict(r._mapping)
            cost = Decimal(row["unit_cost"])
            # a lot whose receipt was reversed holds nothing
            remaining = 0 if row["reversed_batch_id"] else row["qty_received"] - row["qty_used"]
            row.update(reversed=row["reversed_batch_id"] is not None, qty_remaining=remaining,
                       value_received=cost * row["qty_received"],
                       value_used=cost * row["qty_used"], value_remaining=cost * remaining)
            if with_serials and row["serialized"]:
                row["serials_remaining"] = list(conn.execute(
                    select(su.c.serial).where(and_(su.c.lot_id == row["id"], su.c.status == SerialStatus.IN_STOCK))
                    .order_by(su.c.serial)).scalars())
            result.append(row)
    return result


def batches_recorded(engine: Engine) -> int:
    """How many files the ledger has recorded, whatever became of them (posted, rejected, duplicate, reversed)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.batches)).scalar_one())


def item_known(engine: Engine, code: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(t.items.c.id).where(t.items.c.code == code)).first() is not None


def office_known(engine: Engine, name: str) -> bool:
    """Whatever its case, as ``stock --office`` compares it."""
    with engine.connect() as conn:
        return bool(office_ids_named(conn, name))


def purchase_order_known(engine: Engine, number: str) -> bool:
    with engine.connect() as conn:
        po = t.purchase_orders
        return conn.execute(select(po.c.id).where(po.c.number == number)).first() is not None


def stock_report(engine: Engine, *, item_code: str | None = None, office: str | None = None,
                 with_serials: bool = True) -> list[dict[str, Any]]:
    """On hand per item, office and bin: serial units in stock, or for non-serialized items the lots'
    remaining quantity, in the bin the lot was received into (the bin of its receipt transactions: a packing
    list's Bin column, else the office's receiving bin), or for a lot a transfer made, the bin it moved to."""
    su, items, offices, bins, lots, tx = t.serial_units, t.items, t.offices, t.bins, t.lots, t.transactions
    serial_q = (select(items.c.code.label("item_code"), offices.c.name.label("office"), bins.c.name.label("bin"),
                       func.count().label("on_hand"))
                .select_from(su).join(items, items.c.id == su.c.item_id)
                .join(offices, offices.c.id == su.c.office_id).join(bins, bins.c.id == su.c.bin_id)
                .where(su.c.status == SerialStatus.IN_STOCK)
                .group_by(items.c.code, offices.c.name, bins.c.name))
    lot_bin = (select(tx.c.lot_id, func.min(tx.c.bin_id).label("bin_id"))
               .where(tx.c.type.in_(("receipt", "transfer_in")), tx.c.serial_unit_id.is_(None)).group_by(tx.c.lot_id)
               .subquery("lot_bin"))
    plain_q = (select(items.c.code.label("item_code"), offices.c.name.label("office"), bins.c.name.label("bin"),
                      func.sum(lots.c.qty_received - lots.c.qty_used).label("on_hand"))
               .select_from(lots).join(items, items.c.id == lots.c.item_id)
               .join(offices, offices.c.id == lots.c.office_id)
               .outerjoin(lot_bin, lot_bin.c.lot_id == lots.c.id).outerjoin(bins, bins.c.id == lot_bin.c.bin_id)
               .where(items.c.serialized.is_(False), lots.c.reversed_batch_id.is_(None))
               .group_by(items.c.code, offices.c.name, bins.c.name))
    if item_code:
        serial_q = serial_q.where(items.c.code == item_code)
        plain_q = plain_q.where(items.c.code == item_code)
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        if office:
            named = office_ids_named(conn, office)
            serial_q = serial_q.where(offices.c.id.in_(named))
            plain_q = plain_q.where(offices.c.id.in_(named))
        for r in conn.execute(serial_q):
            row = dict(r._mapping)
            if with_serials:
                row["serials"] = list(conn.execute(
                    select(su.c.serial).join(items, items.c.id == su.c.item_id)
                    .join(offices, offices.c.id == su.c.office_id).join(bins, bins.c.id == su.c.bin_id)
                    .where(items.c.code == row["item_code"], offices.c.name == row["office"],
                           bins.c.name == row["bin"], su.c.status == SerialStatus.IN_STOCK).order_by(su.c.serial)).scalars())
            rows.append(row)
        for r in conn.execute(plain_q):
            if r.on_hand:
                rows.append({"item_code": r.item_code, "office": r.office, "bin": r.bin, "on_hand": int(r.on_hand)})
    rows.sort(key=lambda row: (row["item_code"], row["office"], row["bin"] or ""))
    return rows

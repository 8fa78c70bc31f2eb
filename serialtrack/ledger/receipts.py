"""Rebuild a posted batch's plan from the ledger, so its receipt can be written again when the run that posted
it stopped before writing one (a crash between commit and report, a full disk). What the ledger does not keep
(the entry a serial expanded from, master-data values) is left blank; the summary says it was regenerated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.plan import (
    CountPlan,
    LotPlan,
    PostingPlan,
    ReturnPlan,
    ShipLinePlan,
    ShipUnit,
    UnitPlan,
)
from serialtrack.ledger.posting import BatchMeta, PostResult
from serialtrack.records import KindName


def shipment_costs(engine: Engine, batch_id: int) -> dict[tuple[str, str], Decimal]:
    """Cost of goods shipped by a posted batch per (SO number, item): every shipment transaction's qty x unit
    cost, serialized or not (a non-serialized line's cost is fixed when it posts, first in, first out)."""
    tx, items = t.transactions, t.items
    query = (select(tx.c.document, items.c.code, func.sum(tx.c.qty * tx.c.unit_cost))
             .join(items, items.c.id == tx.c.item_id)
             .where(tx.c.batch_id == batch_id, tx.c.type == "shipment").group_by(tx.c.document, items.c.code))
    with engine.connect() as conn:
        return {(str(document).removeprefix("SO-"), code): Decimal(cost or 0)
                for document, code, cost in conn.execute(query)}


def _lots(conn: Any, batch_id: int) -> tuple[LotPlan, ...]:
    lots, items, offices, po, pol = t.lots, t.items, t.offices, t.purchase_orders, t.po_lines
    rows = conn.execute(select(lots, items.c.code, offices.c.name.label("office"), po.c.number)
                        .join(items, items.c.id == lots.c.item_id).join(offices, offices.c.id == lots.c.office_id)
                        .join(pol, pol.c.id == lots.c.po_line_id).join(po, po.c.id == pol.c.po_id)
                        .where(lots.c.batch_id == batch_id).order_by(lots.c.id)).all()
    units: dict[int, list[UnitPlan]] = defaultdict(list)
    tx, su, bins = t.transactions, t.serial_units, t.bins
    for r in conn.execute(select(tx.c.lot_id, su.c.serial, bins.c.name, tx.c.source_sheet, tx.c.source_row)
                          .join(su, su.c.id == tx.c.serial_unit_id).outerjoin(bins, bins.c.id == tx.c.bin_id)
                          .where(tx.c.batch_id == batch_id, tx.c.type == "receipt").order_by(tx.c.id)):
        units[r.lot_id].append(UnitPlan(r.serial, r.name or "", "", r.source_sheet, r.source_row))
    return tuple(LotPlan(r.document, r.number, r.code, r.office, r.received_date, r.qty_ordered, r.qty_received,
                         0, Decimal(r.unit_cost), "", r.mfr_lot, r.packing_list, tuple(units[r.id])) for r in rows)


def _shipments(conn: Any, batch_id: int) -> tuple[ShipLinePlan, ...]:
    tx, su, items, bins, lots = t.transactions, t.serial_units, t.items, t.bins, t.lots
    lines: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in conn.execute(select(tx, items.c.code, su.c.serial, bins.c.name.label("bin"),
                                 lots.c.document.label("lot_document"))
                          .join(items, items.c.id == tx.c.item_id).outerjoin(su, su.c.id == tx.c.serial_unit_id)
                          .outerjoin(bins, bins.c.id == tx.c.bin_id).outerjoin(lots, lots.c.id == tx.c.lot_id)
                          .where(tx.c.batch_id == batch_id, tx.c.type == "shipment").order_by(tx.c.id)):
        lines[(r.document, r.code)].append(r)
    plans = []
    for (document, code), txs in lines.items():
        units = tuple(ShipUnit(r.serial_unit_id, r.serial, r.lot_id, r.lot_document, Decimal(r.unit_cost),
                               r.office_id, r.bin_id, r.bin, "", r.source_sheet, r.source_row)
                      for r in txs if r.serial_unit_id is not None)
        qty = sum(r.qty for r in txs)
        plans.append(ShipLinePlan(document[3:], code, "", txs[0].occurred_on, qty, 0, 0, None, units,
                                  carrier=txs[0].note))
    return tuple(plans)


def _returns(conn: Any, batch_id: int) -> tuple[ReturnPlan, ...]:
    tx, su, items, lots = t.transactions, t.serial_units, t.items, t.lots
    return tuple(
        ReturnPlan(r.document[3:], r.code, "", r.serial, r.serial_unit_id, r.lot_id, r.lot_document,
                   Decimal(r.unit_cost), (r.note or "").split(":")[0], None, r.occurred_on, r.source_sheet,
                   r.source_row)
        for r in conn.execute(select(tx, items.c.code, su.c.serial, lots.c.document.label("lot_document"))
                              .join(items, items.c.id == tx.c.item_id).join(su, su.c.id == tx.c.serial_unit_id)
                              .join(lots, lots.c.id == tx.c.lot_id)
                              .where(tx.c.batch_id == batch_id, tx.c.type == "return").order_by(tx.c.id)))


def _counts(conn: Any, batch_id: int) -> tuple[CountPlan, ...]:
    c, items, offices = t.counts, t.items, t.offices
    return tuple(CountPlan(r.name, r.bin, r.code, r.serial, r.count_date, r.scans, r.source_sheet, r.source_row)
                 for r in conn.execute(select(c, items.c.code, offices.c.name)
                                       .join(items, items.c.id == c.c.item_id)
                                       .join(offices, offices.c.id == c.c.office_id)
                                       .where(c.c.batch_id == batch_id).order_by(c.c.id)))


def plan_from_batch(engine: Engine, batch_id: int) -> tuple[BatchMeta, PostingPlan, PostResult]:
    """The plan a posted batch applied, as far as the ledger remembers it."""
    with engine.connect() as conn:
        batch = conn.execute(select(t.batches).where(t.batches.c.id == batch_id)).one()
        plan = PostingPlan(KindName(batch.kind), lots=_lots(conn, batch_id), shipments=_shipments(conn, batch_id),
                           returns=_returns(conn, batch_id), counts=_counts(conn, batch_id), rows=batch.rows)
        txns = conn.execute(select(func.count()).select_from(t.transactions)
                            .where(t.transactions.c.batch_id == batch_id)).scalar_one()
    started = batch.started_at if isinstance(batch.started_at, dt.datetime) else None
    meta = BatchMeta(batch.file_name, batch.sha256, batch.kind, batch.rows, started)
    return meta, plan, PostResult(batch_id, len(plan.lots), batch.units, int(txns))

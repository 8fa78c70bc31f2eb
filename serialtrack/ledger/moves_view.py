"""Read-only look-ups the adjustments and vendor-returns checks need beyond ``Store.view``: what last happened
to a unit (to say what became of it), each office's receiving bin, the PO a unit was received on (through a
transfer's origin lot), and the lots a quantity would be taken from, first in, first out. Set-based and
chunked like the view; nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.plan import LotPick
from serialtrack.ledger.sql import chunks
from serialtrack.records import BatchStatus


@dataclass(frozen=True, slots=True)
class LastMove:
    type: str
    document: str | None
    note: str | None
    occurred_on: dt.date


Pick = LotPick


def last_moves(conn: Connection, unit_ids: Iterable[int]) -> dict[int, LastMove]:
    """Unit id -> its latest transaction that stands (not a reversal, in a batch still posted)."""
    tx, batches = t.transactions, t.batches
    moves: dict[int, LastMove] = {}
    standing = and_(tx.c.reverses_id.is_(None), tx.c.type != "reversal",
                    exists(select(batches.c.id).where(batches.c.id == tx.c.batch_id,
                                                      batches.c.status == BatchStatus.POSTED)))
    for part in chunks(sorted(set(unit_ids))):
        latest = (select(func.max(tx.c.id).label("id")).where(tx.c.serial_unit_id.in_(part), standing)
                  .group_by(tx.c.serial_unit_id).subquery())
        for r in conn.execute(select(tx.c.serial_unit_id, tx.c.type, tx.c.document, tx.c.note, tx.c.occurred_on)
                              .join(latest, latest.c.id == tx.c.id)):
            moves[int(r.serial_unit_id)] = LastMove(r.type, r.document, r.note, r.occurred_on)
    return moves


def receiving_bins(conn: Connection) -> dict[str, tuple[str, str]]:
    """Office name casefolded -> (its name as written, its receiving bin)."""
    return {name.casefold(): (name, bin_name) for name, bin_name in
            conn.execute(select(t.offices.c.name, t.offices.c.receiving_bin))}


def units_po(conn: Connection, unit_ids: Iterable[int]) -> dict[int, tuple[str | None, dt.date]]:
    """Unit id -> (the PO number it was received on, its lot's received date): the PO of its lot's PO line, or
    of its origin lot's (a unit a transfer moved sits in a lot without a PO line)."""
    su, lots, pol, po = t.serial_units, t.lots, t.po_lines, t.purchase_orders
    origin = lots.alias("origin")
    found: dict[int, tuple[str | None, dt.date]] = {}
    for part in chunks(sorted(set(unit_ids))):
        query = (select(su.c.id, po.c.number, lots.c.received_date)
                 .join(lots, lots.c.id == su.c.lot_id)
                 .outerjoin(origin, origin.c.id == lots.c.origin_lot_id)
                 .outerjoin(pol, pol.c.id == func.coalesce(lots.c.po_line_id, origin.c.po_line_id))
                 .outerjoin(po, po.c.id == pol.c.po_id)
                 .where(su.c.id.in_(part)))
        for r in conn.execute(query):
            found[int(r.id)] = (r.number, r.received_date)
    return found


def _picks(conn: Connection, where: Sequence[ColumnElement[bool]], qty: int) -> tuple[list[Pick], int]:
    """The oldest live lots matching ``where`` with stock left, enough for ``qty``; (picks, qty not found)."""
    lots, offices = t.lots, t.offices
    picks: list[Pick] = []
    query = (select(lots.c.id, lots.c.document, lots.c.office_id, offices.c.name, lots.c.qty_received - lots.c.qty_used,
                    lots.c.unit_cost, lots.c.received_date)
             .join(offices, offices.c.id == lots.c.office_id)
             .where(*where, lots.c.reversed_batch_id.is_(None), lots.c.qty_received > lots.c.qty_used)
             .order_by(lots.c.received_date, lots.c.id))
    for lot_id, document, office_id, office, left, cost, received in conn.execute(query):
        if qty <= 0:
            break
        take = min(int(left), qty)
        picks.append(Pick(int(lot_id), document, int(office_id), office, take, Decimal(cost), received))
        qty -= take
    return picks, qty


def office_fifo(conn: Connection, item_id: int, office_id: int, qty: int) -> tuple[list[Pick], int]:
    """``qty`` of the item from the office's live lots, first in, first out; (picks, qty not found)."""
    lots = t.lots
    return _picks(conn, (lots.c.item_id == item_id, lots.c.office_id == office_id), qty)


def po_line_fifo(conn: Connection, po_line_id: int, qty: int) -> tuple[list[Pick], int]:
    """``qty`` from the lots received on the PO line and the lots transfers moved out of them (wherever they
    are now), first in, first out; (picks, qty not found)."""
    lots = t.lots
    origin = select(lots.c.id).where(lots.c.po_line_id == po_line_id).scalar_subquery()
    return _picks(conn, (or_(lots.c.po_line_id == po_line_id, lots.c.origin_lot_id.in_(origin)),), qty)


def split_picks(picks: Sequence[Pick], sizes: Sequence[int]) -> list[list[Pick]]:
    """The picks for several rows' quantities taken together, shared out to the rows in order."""
    shares: list[list[Pick]] = []
    queue = list(picks)
    for size in sizes:
        share: list[Pick] = []
        while size > 0 and queue:
            head = queue[0]
            take = min(head.qty, size)
            share.append(replace(head, qty=take))
            size -= take
            if take == head.qty:
                queue.pop(0)
            else:
                queue[0] = replace(head, qty=head.qty - take)
        shares.append(share)
    return shares


def po_line_on_hand(conn: Connection, po_line_id: int) -> int:
    """What the PO line's lots (and the lots moved out of them) still hold."""
    lots = t.lots
    origin = select(lots.c.id).where(lots.c.po_line_id == po_line_id).scalar_subquery()
    left = conn.execute(select(func.sum(lots.c.qty_received - lots.c.qty_used))
                        .where(or_(lots.c.po_line_id == po_line_id, lots.c.origin_lot_id.in_(origin)),
                               lots.c.reversed_batch_id.is_(None))).scalar()
    return int(left or 0)

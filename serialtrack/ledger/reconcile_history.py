"""Balances as of the end of a past day, computed from the transaction history (``reconcile --date``).

The ledger's balance columns (``lots.qty_used``, ``po_lines.qty_received``, ``so_lines.qty_shipped``, a
unit's status and place) say how things stand *now*. A report for an earlier day instead replays the
history up to that day, by business date (``occurred_on``):

* a transaction *stands* at the end of ``day`` when it is not a reversal, is dated ``day`` or earlier, and
  no reversal dated ``day`` or earlier undoes it (a receipt reversed later still stood that day);
* a lot's received quantity is what standing transactions brought into it (receipts, transfers in, found
  adjustments); its used quantity what they took out (shipments, transfers out, scrap and write-off
  adjustments, vendor returns) less its standing restocked returns; a lot with nothing received standing did
  not exist (or was void) that day;
* a PO line's received quantity is the standing receipts into its lots less its standing vendor returns; an SO
  line's shipped quantity the standing shipments of its item on ``SO-<number>``;
* a serial unit is in stock when its last standing transaction brings it into a lot (a receipt, a transfer in,
  a found adjustment) or is a restocked return, at the office and bin that transaction names.

``later_activity`` says whether anything is dated after ``day``: when nothing is, the balance columns are
the history's result and the (faster) current-state queries give the same answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from serialtrack.ledger import schema as t


def disposition_is(note: Any, disposition: str) -> Any:
    """A return's note is its disposition, optionally followed by ``: reason`` (``restock: DOA``)."""
    return or_(note == disposition, note.like(f"{disposition}:%"))


def is_action(tx: Any, action: str) -> Any:
    """``tx`` is an adjustment whose note starts with ``action`` (scrap, write_off, found)."""
    return and_(tx.c.type == "adjustment", disposition_is(tx.c.note, action))


def brings_in(tx: Any) -> Any:
    """``tx`` adds its quantity to its lot's received: a receipt, a transfer in, a found adjustment."""
    return or_(tx.c.type.in_(("receipt", "transfer_in")), is_action(tx, "found"))


def takes_out(tx: Any) -> Any:
    """``tx`` adds its quantity to its lot's used: a shipment, a transfer out, a vendor return, a scrap or a
    write-off (a restocked return takes it back)."""
    return or_(tx.c.type.in_(("shipment", "transfer_out", "vendor_return")), is_action(tx, "scrap"),
               is_action(tx, "write_off"))


def later_activity(conn: Connection, day: dt.date) -> bool:
    """Is any transaction (a reversal included) dated after ``day``?"""
    tx = t.transactions
    return bool(conn.execute(select(exists().where(tx.c.occurred_on > day))).scalar())


def stands(tx: Any, day: dt.date) -> Any:
    """``tx`` (a transactions alias) stands at the end of ``day``."""
    undo = t.transactions.alias("undo")
    undone = (select(undo.c.reverses_id)
              .where(undo.c.type == "reversal", undo.c.occurred_on <= day, undo.c.reverses_id.is_not(None)))
    return and_(tx.c.type != "reversal", tx.c.occurred_on <= day, tx.c.id.not_in(undone))


def lot_flows(day: dt.date) -> Any:
    """Subquery ``lot_id, received, used`` of every lot with standing transactions at the end of ``day``."""
    tx = t.transactions.alias("flow")
    restock = and_(tx.c.type == "return", disposition_is(tx.c.note, "restock"))
    received = func.sum(case((brings_in(tx), tx.c.qty), else_=0))
    used = func.sum(case((takes_out(tx), tx.c.qty), (restock, -tx.c.qty), else_=0))
    return (select(tx.c.lot_id, received.label("received"), used.label("used"))
            .where(stands(tx, day), tx.c.lot_id.is_not(None))
            .group_by(tx.c.lot_id).subquery("lot_flows"))


def po_received(day: dt.date) -> Any:
    """Subquery ``po_line_id, received``: standing receipts into each PO line's lots, less the standing vendor
    returns out of them (or out of the lots transfers moved them into)."""
    tx, lots, origin = t.transactions.alias("rcv"), t.lots, t.lots.alias("origin")
    line = func.coalesce(origin.c.po_line_id, lots.c.po_line_id)
    signed = case((tx.c.type == "vendor_return", -tx.c.qty), else_=tx.c.qty)
    return (select(line.label("po_line_id"), func.sum(signed).label("received"))
            .select_from(tx).join(lots, lots.c.id == tx.c.lot_id)
            .outerjoin(origin, origin.c.id == lots.c.origin_lot_id)
            .where(tx.c.type.in_(("receipt", "vendor_return")), stands(tx, day), line.is_not(None))
            .group_by(line).subquery("po_received"))


def so_shipped(day: dt.date) -> Any:
    """Subquery ``document, item_id, shipped``: standing shipments per ``SO-<number>`` and item."""
    tx = t.transactions.alias("shp")
    return (select(tx.c.document, tx.c.item_id, func.sum(tx.c.qty).label("shipped"))
            .where(tx.c.type == "shipment", stands(tx, day))
            .group_by(tx.c.document, tx.c.item_id).subquery("so_shipped"))


def last_standing(day: dt.date) -> Any:
    """Subquery ``serial_unit_id, last_id``: each unit's last standing transaction at the end of ``day``."""
    tx = t.transactions.alias("hist")
    return (select(tx.c.serial_unit_id, func.max(tx.c.id).label("last_id"))
            .where(stands(tx, day), tx.c.serial_unit_id.is_not(None))
            .group_by(tx.c.serial_unit_id).subquery("last_standing"))


def leaves_in_stock(tx: Any) -> Any:
    """The transaction ``tx`` leaves its unit in stock (a receipt, a transfer in, a found unit, or a restocked
    return)."""
    return or_(brings_in(tx), and_(tx.c.type == "return", disposition_is(tx.c.note, "restock")))

"""Balances as of the end of a past day, computed from the transaction history (``reconcile --date``).

The ledger's balance columns (``lots.qty_used``, ``po_lines.qty_received``, ``so_lines.qty_shipped``, a
unit's status and place) say how things stand *now*. A report for an earlier day instead replays the
history up to that day, by business date (``occurred_on``):

* a transaction *stands* at the end of ``day`` when it is not a reversal, is dated ``day`` or earlier, and
  no reversal dated ``day`` or earlier undoes it (a receipt reversed later still stood that day);
* a lot's received quantity is its standing receipts; its used quantity its standing shipments less its
  standing restocked returns; a lot with nothing received standing did not exist (or was void) that day;
* a PO line's received quantity is the standing receipts into its lots; an SO line's shipped quantity the
  standing shipments of its item on ``SO-<number>``;
* a serial unit is in stock when its last standing transaction is a receipt or a restocked return, at the
  office and bin that transaction names.

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
    received = func.sum(case((tx.c.type == "receipt", tx.c.qty), else_=0))
    used = func.sum(case((tx.c.type == "shipment", tx.c.qty), (restock, -tx.c.qty), else_=0))
    return (select(tx.c.lot_id, received.label("received"), used.label("used"))
            .where(stands(tx, day), tx.c.lot_id.is_not(None))
            .group_by(tx.c.lot_id).subquery("lot_flows"))


def po_received(day: dt.date) -> Any:
    """Subquery ``po_line_id, received``: standing receipts into each PO line's lots."""
    tx, lots = t.transactions.alias("rcv"), t.lots
    return (select(lots.c.po_line_id, func.sum(tx.c.qty).label("received"))
            .select_from(tx).join(lots, lots.c.id == tx.c.lot_id)
            .where(tx.c.type == "receipt", stands(tx, day), lots.c.po_line_id.is_not(None))
            .group_by(lots.c.po_line_id).subquery("po_received"))


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
    """The transaction ``tx`` leaves its unit in stock (a receipt, or a restocked return)."""
    return or_(tx.c.type == "receipt", and_(tx.c.type == "return", disposition_is(tx.c.note, "restock")))

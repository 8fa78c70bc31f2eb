"""Reversing an adjustments batch (``serialtrack reverse``): scrapped and written-off units go back in stock
where they were and their lots' usage drops; found units become ``reversed`` (like a reversed receipt, so the
serial may be found or received again) and their lots are marked reversed. Refused, with the reason, when a
found lot has been used since. Kept apart from ``adjustment_store``: ``reverse_store`` imports the store, which
imports the apply step, so the undo importing ``reverse_store`` from there would be an import loop."""

from __future__ import annotations

from sqlalchemy import Connection, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.adjustment_store import LEAVING
from serialtrack.ledger.reverse_store import (
    PostedTx,
    ReverseRefused,
    back_in_stock,
    give_back_to_lots,
    used_lot,
)
from serialtrack.ledger.sql import bind_marks


def undo_adjustments(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    """Scrapped and written-off units back in stock where they were; found units ``reversed`` and their lots
    marked reversed (refused when a found lot has been used since)."""
    used = used_lot(conn, batch_id)
    if used is not None:
        raise ReverseRefused(f"the {used.qty_used} of item {used.code} found in lot {used.document} have since "
                             "been shipped, moved or scrapped; reverse those files first")
    leaving = [tx for tx in txs if (tx.note or "").split(":")[0] in LEAVING]
    back_in_stock(conn, leaving, "scrapped",
                  "a unit this batch scrapped is no longer scrapped; reverse what changed it first")
    give_back_to_lots(conn, leaving)
    found = [(tx.serial_unit_id,) for tx in txs
             if (tx.note or "").split(":")[0] not in LEAVING and tx.serial_unit_id is not None]
    if found:
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'reversed', office_id = NULL, "
                                              "bin_id = NULL WHERE id = ?"), found)
    conn.execute(update(t.lots).where(t.lots.c.batch_id == batch_id).values(reversed_batch_id=reversal_id))

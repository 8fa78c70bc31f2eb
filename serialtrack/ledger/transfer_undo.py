"""Reversing a transfer batch (``serialtrack reverse``): its units go back to the lot, office and bin they left
(read from its ``transfer_out`` rows), the source lots take back what left them, and the lots the transfer made
are marked reversed. Refused with the reason when later activity depends on it: a unit moved on, shipped or
scrapped since (``reverse_store._later_activity``, before this runs), or a quantity used from a lot the
transfer made. (Its own module, not ``transfer_store``: ``reverse_store`` imports the store, which imports
``transfer_store``.)"""

from __future__ import annotations

from sqlalchemy import Connection, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.reverse_store import PostedTx, ReverseRefused, give_back_to_lots, used_lot
from serialtrack.ledger.sql import bind_marks, chunks


def _check_destination_lots_unused(conn: Connection, batch_id: int) -> None:
    row = used_lot(conn, batch_id)
    if row is not None:
        raise ReverseRefused(f"{row.qty_used} of item {row.code} (lot {row.document}) moved to {row.office} by this "
                             "transfer have since left it (shipped, moved on or written off); reverse those files "
                             "first")


def undo_transfers(conn: Connection, txs: list[PostedTx], batch_id: int, reversal_id: int) -> None:
    _check_destination_lots_unused(conn, batch_id)
    out = [tx for tx in txs if tx.type == "transfer_out"]
    back = [(tx.lot_id, tx.office_id, tx.bin_id, tx.serial_unit_id) for tx in out if tx.serial_unit_id is not None]
    for part in chunks(back, 50_000):
        conn.exec_driver_sql(bind_marks(conn, "UPDATE serial_units SET status = 'in_stock', lot_id = ?, "
                                              "office_id = ?, bin_id = ? WHERE id = ?"), list(part))
    give_back_to_lots(conn, out)
    conn.execute(update(t.lots).where(t.lots.c.batch_id == batch_id).values(reversed_batch_id=reversal_id))

"""Write ledger histories for reconciliation tests straight into a migrated database (SQLAlchemy Core).

Each posting follows the ledger's data contract (the one shipping, returns, counts and reverse post to):
receipts one transaction per serial unit (qty 1) or per row; shipments one per unit or per lot consumed, at
the lot's unit cost, ``lots.qty_used`` and ``so_lines.qty_shipped`` raised; a restock return puts the unit in
the office's return bin and lowers ``qty_used``; a reversal undoes one batch with compensating transactions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import new_id

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


class LedgerWriter:
    def __init__(self, engine: Engine, *, now: dt.datetime = NOW) -> None:
        self.engine = engine
        self.now = now
        self.items: dict[str, int] = {}
        self.offices: dict[str, int] = {}
        self.bins: dict[tuple[str, str], int] = {}
        self.pos: dict[str, tuple[int, str]] = {}
        self.sos: dict[str, tuple[int, str]] = {}
        self.units: dict[tuple[str, str], int] = {}
        self._file = 0

    def _insert(self, table: Any, **values: Any) -> int:
        with self.engine.begin() as conn:
            return new_id(conn.execute(insert(table).values(**values)))

    def batch(self, file_name: str, kind: str) -> int:
        self._file += 1
        return self._insert(t.batches, file_name=file_name, sha256=f"{self._file:064x}", kind=kind,
                            status="posted", started_at=self.now, finished_at=self.now)

    def item(self, code: str, description: str | None = None, *, serialized: bool = True) -> int:
        self.items[code] = self._insert(t.items, code=code, description=description, serialized=serialized,
                                        track_mfr_lot=False, created_at=self.now, updated_at=self.now)
        return self.items[code]

    def office(self, name: str, *extra_bins: str) -> int:
        self.offices[name] = self._insert(t.offices, name=name, receiving_bin="RECEIVING", return_bin="RETURNS",
                                          created_at=self.now)
        for bin_name in ("RECEIVING", "RETURNS", *extra_bins):
            self.bins[(name, bin_name)] = self._insert(t.bins, office_id=self.offices[name], name=bin_name)
        return self.offices[name]

    def po(self, number: str, vendor: str, office: str, lines: list[tuple[str, int, str]],
           order_date: dt.date | None = None) -> None:
        batch = self.batch(f"po-{number}.xlsx", "purchase_orders")
        po_id = self._insert(t.purchase_orders, number=number, vendor=vendor, office_id=self.offices[office],
                             order_date=order_date, batch_id=batch)
        self.pos[number] = (po_id, office)
        for code, qty, cost in lines:
            self._insert(t.po_lines, po_id=po_id, item_id=self.items[code], qty_ordered=qty, qty_received=0,
                         unit_cost=Decimal(cost))

    def so(self, number: str, customer: str, office: str, lines: list[tuple[str, int, str]],
           order_date: dt.date | None = None) -> None:
        batch = self.batch(f"so-{number}.xlsx", "sales_orders")
        so_id = self._insert(t.sales_orders, number=number, customer=customer, office_id=self.offices[office],
                             order_date=order_date, batch_id=batch)
        self.sos[number] = (so_id, office)
        for code, qty, price in lines:
            self._insert(t.so_lines, so_id=so_id, item_id=self.items[code], qty_ordered=qty, qty_shipped=0,
                         unit_price=Decimal(price))

    def receive(self, file_name: str, po: str, code: str, day: dt.date, *, serials: list[str] = (),  # type: ignore[assignment]
                qty: int | None = None, bin_name: str = "RECEIVING", mfr_lot: str | None = None) -> int:
        """One lot (its own batch) for PO line ``po``/``code``; returns the lot id."""
        batch = self.batch(file_name, "receiving")
        po_id, office = self.pos[po]
        qty = len(serials) if serials else int(qty or 0)
        with self.engine.begin() as conn:
            line = conn.execute(select(t.po_lines).where(t.po_lines.c.po_id == po_id,
                                                         t.po_lines.c.item_id == self.items[code])).one()
            lot = new_id(conn.execute(insert(t.lots).values(
                document=f"PO-{po}", item_id=self.items[code], office_id=self.offices[office], po_line_id=line.id,
                batch_id=batch, received_date=day, qty_ordered=line.qty_ordered, qty_received=qty, qty_used=0,
                unit_cost=line.unit_cost, mfr_lot=mfr_lot, packing_list=file_name.rsplit(".", 1)[0])))
            conn.execute(update(t.po_lines).where(t.po_lines.c.id == line.id)
                         .values(qty_received=t.po_lines.c.qty_received + qty))
            base = dict(batch_id=batch, type="receipt", item_id=self.items[code], lot_id=lot,
                        office_id=self.offices[office], bin_id=self.bins[(office, bin_name)],
                        unit_cost=line.unit_cost, document=f"PO-{po}", occurred_on=day, created_at=self.now,
                        source_file=file_name, source_sheet="Packing List")
            if not serials:
                conn.execute(insert(t.transactions).values(qty=qty, source_row=2, **base))
            for row, serial in enumerate(serials, start=2):
                unit = new_id(conn.execute(insert(t.serial_units).values(
                    item_id=self.items[code], serial=serial, status="in_stock", office_id=self.offices[office],
                    bin_id=self.bins[(office, bin_name)], lot_id=lot)))
                self.units[(code, serial)] = unit
                conn.execute(insert(t.transactions).values(qty=1, serial_unit_id=unit, source_row=row, **base))
        return lot

    def ship(self, file_name: str, so: str, code: str, day: dt.date, *, serials: list[str] = (),  # type: ignore[assignment]
             lots: list[tuple[int, int]] = ()) -> int:  # type: ignore[assignment]
        """Shipment batch: serial units, or (lot id, qty) for a non-serialized item; returns the batch id."""
        batch = self.batch(file_name, "shipping")
        so_id, office = self.sos[so]
        item_id = self.items[code]
        with self.engine.begin() as conn:
            line = conn.execute(select(t.so_lines).where(t.so_lines.c.so_id == so_id,
                                                         t.so_lines.c.item_id == item_id)).one()
            moves = []
            for serial in serials:
                unit = conn.execute(select(t.serial_units).where(t.serial_units.c.id == self.units[(code, serial)])).one()
                moves.append((unit.lot_id, 1, unit.id, unit.bin_id))
                conn.execute(update(t.serial_units).where(t.serial_units.c.id == unit.id)
                             .values(status="shipped", office_id=None, bin_id=None))
            moves += [(lot, qty, None, None) for lot, qty in lots]
            for row, (lot_id, qty, unit_id, bin_id) in enumerate(moves, start=2):
                cost = conn.execute(select(t.lots.c.unit_cost).where(t.lots.c.id == lot_id)).scalar_one()
                conn.execute(update(t.lots).where(t.lots.c.id == lot_id).values(qty_used=t.lots.c.qty_used + qty))
                conn.execute(insert(t.transactions).values(
                    batch_id=batch, type="shipment", item_id=item_id, serial_unit_id=unit_id, lot_id=lot_id,
                    office_id=self.offices[office], bin_id=bin_id, qty=qty, unit_cost=cost, document=f"SO-{so}",
                    occurred_on=day, created_at=self.now, source_file=file_name, source_sheet="Pick List",
                    source_row=row))
            shipped = sum(qty for _, qty, _, _ in moves)
            conn.execute(update(t.so_lines).where(t.so_lines.c.id == line.id)
                         .values(qty_shipped=t.so_lines.c.qty_shipped + shipped))
        return batch

    def return_(self, file_name: str, so: str, code: str, day: dt.date, returns: list[tuple[str, str]]) -> int:
        """Returns batch: (serial, disposition) pairs; returns the batch id."""
        batch = self.batch(file_name, "returns")
        _, office = self.sos[so]
        with self.engine.begin() as conn:
            for row, (serial, disposition) in enumerate(returns, start=2):
                unit = conn.execute(select(t.serial_units).where(t.serial_units.c.id == self.units[(code, serial)])).one()
                cost = conn.execute(select(t.lots.c.unit_cost).where(t.lots.c.id == unit.lot_id)).scalar_one()
                values: dict[str, Any] = {"status": {"restock": "in_stock", "scrap": "scrapped",
                                                     "return_to_vendor": "returned_to_vendor"}[disposition]}
                bin_id = None
                if disposition == "restock":
                    bin_id = self.bins[(office, "RETURNS")]
                    values.update(office_id=self.offices[office], bin_id=bin_id)
                    conn.execute(update(t.lots).where(t.lots.c.id == unit.lot_id)
                                 .values(qty_used=t.lots.c.qty_used - 1))
                conn.execute(update(t.serial_units).where(t.serial_units.c.id == unit.id).values(**values))
                conn.execute(insert(t.transactions).values(
                    batch_id=batch, type="return", item_id=self.items[code], serial_unit_id=unit.id,
                    lot_id=unit.lot_id, office_id=self.offices[office], bin_id=bin_id, qty=1, unit_cost=cost,
                    document=f"SO-{so}", occurred_on=day, created_at=self.now, source_file=file_name,
                    source_sheet="Returns", source_row=row, note=disposition))
        return batch

    def count(self, file_name: str, office: str, day: dt.date, rows: list[tuple[str | None, str, str]]) -> int:
        """A count batch: (bin, item code, serial) per counted serial."""
        batch = self.batch(file_name, "counts")
        with self.engine.begin() as conn:
            for row, (bin_name, code, serial) in enumerate(rows, start=2):
                conn.execute(insert(t.counts).values(
                    batch_id=batch, office_id=self.offices[office], bin=bin_name, item_id=self.items[code],
                    serial=serial, count_date=day, scans=1, source_sheet="Count", source_row=row))
        return batch

    def reverse_shipment(self, batch: int, day: dt.date) -> int:
        """Undo a shipping batch: a reversal per transaction, units back in stock where they shipped from."""
        undo = self.batch(f"reversal-of-{batch}", "reversal")
        with self.engine.begin() as conn:
            for tx in conn.execute(select(t.transactions).where(t.transactions.c.batch_id == batch)).all():
                conn.execute(insert(t.transactions).values(
                    batch_id=undo, type="reversal", item_id=tx.item_id, serial_unit_id=tx.serial_unit_id,
                    lot_id=tx.lot_id, office_id=tx.office_id, bin_id=tx.bin_id, qty=tx.qty, unit_cost=tx.unit_cost,
                    document=tx.document, occurred_on=day, created_at=self.now, reverses_id=tx.id))
                conn.execute(update(t.lots).where(t.lots.c.id == tx.lot_id)
                             .values(qty_used=t.lots.c.qty_used - tx.qty))
                if tx.serial_unit_id:
                    conn.execute(update(t.serial_units).where(t.serial_units.c.id == tx.serial_unit_id)
                                 .values(status="in_stock", office_id=tx.office_id, bin_id=tx.bin_id))
                so_id, _ = self.sos[tx.document.removeprefix("SO-")]
                conn.execute(update(t.so_lines).where(t.so_lines.c.so_id == so_id,
                                                      t.so_lines.c.item_id == tx.item_id)
                             .values(qty_shipped=t.so_lines.c.qty_shipped - tx.qty))
            conn.execute(update(t.batches).where(t.batches.c.id == batch).values(status="reversed"))
        return undo

    def execute(self, statement: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(statement)

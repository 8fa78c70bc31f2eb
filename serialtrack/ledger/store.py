"""The store: the one place that opens database transactions.

``view`` fetches, in a few set-based queries, the slice of the ledger one file's rules need; ``apply`` posts a
plan and its batch in one transaction, so any failure leaves the ledger as it was. The unique index on posted
content hashes makes a second post of the same bytes fail inside that transaction (``AlreadyPosted``). The
apply steps write through ``guard``: when the ledger changed since the check in a way the plan depends on,
``apply`` raises ``guard.Conflict`` with nothing written, and the caller checks the file again.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    String,
    Table,
    any_,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from serialtrack.faults import fault_point
from serialtrack.ledger import schema as t
from serialtrack.ledger.adjustment_store import apply_adjustments
from serialtrack.ledger.guard import Conflict
from serialtrack.ledger.office_store import apply_offices
from serialtrack.ledger.outbound_store import apply_outbound
from serialtrack.ledger.outbound_view import offices_by_name, plain_on_hand, shipped_on
from serialtrack.ledger.plan import ItemChange, OrderChange, PostingPlan
from serialtrack.ledger.posting import BatchMeta, Places, Posting, PostResult, ensure_office
from serialtrack.ledger.receiving_store import apply_lots
from serialtrack.ledger.sql import CHUNK, chunks, new_id
from serialtrack.ledger.transfer_store import apply_transfers
from serialtrack.ledger.vendor_return_store import apply_vendor_returns
from serialtrack.ledger.view import ItemInfo, LedgerView, OrderInfo, OrderLineInfo, SerialInfo
from serialtrack.records import BatchStatus, KindName, SerialStatus


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class BatchInfo:
    id: int
    file_name: str
    sha256: str
    kind: str | None
    status: str
    output: str | None
    started_at: dt.datetime


class AlreadyPosted(Exception):
    """The same bytes were posted by another process while this one was checking them."""


class Store:
    def __init__(self, engine: Engine, *, receiving_bin: str = "RECEIVING", return_bin: str = "RETURNS",
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.receiving_bin = receiving_bin
        self.return_bin = return_bin
        self.places = Places(receiving_bin, return_bin)
        self.clock = clock
        self.host = socket.gethostname()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction (on SQLite it takes the write lock at BEGIN)."""
        with self.engine.connect() as conn:
            conn.execution_options(write=True)
            with conn.begin():
                yield conn

    # -- batches -------------------------------------------------------------------------------------------

    def _first_batch(self, *conditions: ColumnElement[bool]) -> BatchInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.batches).where(*conditions).order_by(t.batches.c.id)).first()
        return _batch_info(row) if row else None

    def posted_batch(self, sha256: str, kind: str | None = None) -> BatchInfo | None:
        """The posted batch of these bytes; of this kind when ``kind`` is given (the same bytes may post once per
        kind: a count's answer is dropped as adjustments and again as transfers)."""
        of_kind = (t.batches.c.kind == kind,) if kind is not None else ()
        return self._first_batch(t.batches.c.sha256 == sha256, t.batches.c.status == BatchStatus.POSTED, *of_kind)

    def posted_batch_named(self, file_name: str) -> BatchInfo | None:
        return self._first_batch(t.batches.c.file_name == file_name, t.batches.c.status == BatchStatus.POSTED)

    def batch(self, batch_id: int) -> BatchInfo | None:
        return self._first_batch(t.batches.c.id == batch_id)

    def record_batch(self, meta: BatchMeta, status: str, *, errors: int = 0, output: str | None = None) -> int:
        """A batch that posts nothing (rejected, duplicate): kept for the audit trail."""
        with self.writing() as conn:
            return _insert_batch(conn, meta, status, self.clock(), self.host, errors=errors, output=output)

    def record_rejection(self, meta: BatchMeta, *, errors: int, output: str | None,
                         whatever_was_posted: bool = False) -> int:
        """A rejected batch, unless the same bytes were posted meanwhile (``AlreadyPosted``): the look-up and the
        insert share the writer transaction, so a file whose twin committed while it was being checked is
        reported as a duplicate, never rejected for its own serials. ``whatever_was_posted``: rejected even so
        (a refusal that does not depend on the ledger, such as someone who may not post the kind)."""
        with self.writing() as conn:
            of_kind = (t.batches.c.kind == meta.kind,) if meta.kind is not None else ()
            posted = conn.execute(select(t.batches.c.id).where(t.batches.c.sha256 == meta.sha256,
                                                              t.batches.c.status == BatchStatus.POSTED, *of_kind)).first()
            if posted is not None and not whatever_was_posted:
                raise AlreadyPosted(meta.sha256)
            return _insert_batch(conn, meta, BatchStatus.REJECTED, self.clock(), self.host, errors=errors,
                                 output=output)

    def set_output(self, batch_id: int, output: str) -> None:
        with self.writing() as conn:
            conn.execute(update(t.batches).where(t.batches.c.id == batch_id).values(output=output))

    # -- the view ------------------------------------------------------------------------------------------

    def view(self, *, items: Iterable[str] = (), purchase_orders: Iterable[str] = (),
             sales_orders: Iterable[str] = (), serials: Mapping[str, Iterable[str]] | None = None,
             outbound: bool = False) -> LedgerView:
        """The ledger slice for one file, in a handful of chunked set-based queries. ``outbound`` adds what
        shipping, returns and counts need: offices, non-serialized stock, and each unit's shipping order."""
        item_codes = sorted(set(items) | set(serials or {}))
        offices: dict[str, int] = {}
        plain: dict[tuple[str, str], int] = {}
        with self.engine.connect() as conn:
            item_map = _items(conn, item_codes)
            pos = _orders(conn, t.purchase_orders, t.po_lines, "qty_received", "unit_cost",
                          sorted(set(purchase_orders)))
            sos = _orders(conn, t.sales_orders, t.so_lines, "qty_shipped", "unit_price", sorted(set(sales_orders)))
            units = _serial_units(conn, item_map, serials or {})
            if outbound:
                offices = offices_by_name(conn)
                plain = plain_on_hand(conn, item_map)
                docs = shipped_on(conn, (u.id for u in units.values() if u.status == SerialStatus.SHIPPED))
                units = {k: replace(u, shipped_on=docs[u.id]) if u.id in docs else u for k, u in units.items()}
        known: dict[str, set[str]] = {}
        for (code, serial), unit in units.items():
            if unit.status != SerialStatus.REVERSED:  # a reversed receipt's unit may be received again
                known.setdefault(code, set()).add(serial)
        return LedgerView(items=item_map, purchase_orders=pos, sales_orders=sos,
                          known_serials={k: frozenset(v) for k, v in known.items()}, serial_units=units,
                          offices=offices, plain_on_hand=plain)

    # -- posting -------------------------------------------------------------------------------------------

    def apply(self, plan: PostingPlan, meta: BatchMeta) -> PostResult:
        """Post ``plan`` and its batch in one transaction."""
        now = self.clock()
        try:
            with self.writing() as conn:
                batch_id = _insert_batch(conn, meta, BatchStatus.POSTED, now, self.host)
                for change in plan.items:
                    _upsert_item(conn, change, now)
                posting = Posting(batch_id, meta, now, self.places)
                apply_offices(conn, posting, plan)
                for order in plan.orders:
                    self._upsert_order(conn, order, batch_id, now)
                lot_ids, units, txns = apply_lots(conn, posting, plan)
                out_units, out_txns = apply_outbound(conn, posting, plan)
                units, txns = units + out_units, txns + out_txns
                made = 0
                for apply_moves in (apply_transfers, apply_adjustments, apply_vendor_returns):
                    lots_made, moved, written = apply_moves(conn, posting, plan)
                    made, units, txns = made + lots_made, units + moved, txns + written
                for code, next_serial in plan.next_serials.items():
                    conn.execute(update(t.items).where(t.items.c.code == code)
                                 .values(next_serial=next_serial, updated_at=now))
                conn.execute(update(t.batches).where(t.batches.c.id == batch_id).values(
                    rows=plan.rows, units=units, lots=len(lot_ids) + made, transactions=txns, finished_at=self.clock()))
                fault_point("before-commit")
        except IntegrityError as exc:
            if "sha256" in str(exc.orig):
                raise AlreadyPosted(meta.sha256) from exc
            # a constraint the check could not see coming: another posting got there first (a serial received
            # twice, a lot or a unit used twice, a new office or item created by both)
            raise Conflict(f"a ledger constraint refused the posting: {str(exc.orig).splitlines()[0]}") from exc
        return PostResult(batch_id, len(lot_ids) + made, units, txns, tuple(lot_ids))

    def _upsert_order(self, conn: Connection, order: OrderChange, batch_id: int, now: dt.datetime) -> None:
        head, lines, party, price, fk = _ORDER_TABLES[order.kind]
        office_id = ensure_office(conn, self.places, order.office, now)
        row = conn.execute(select(head.c.id).where(head.c.number == order.number)).first()
        values: dict[str, object] = {"office_id": office_id, "batch_id": batch_id}
        if order.party is not None:
            values[party] = order.party
        if order.order_date is not None:
            values["order_date"] = order.order_date
        if row is None:
            order_id = new_id(conn.execute(insert(head).values(number=order.number, **values)))
        else:
            order_id = int(row[0])
            conn.execute(update(head).where(head.c.id == order_id).values(**values))
        codes = [line.item_code for line in order.lines]
        item_ids = dict(conn.execute(select(t.items.c.code, t.items.c.id).where(t.items.c.code.in_(codes))).all())
        existing = dict(conn.execute(select(lines.c.item_id, lines.c.id).where(lines.c[fk] == order_id)).all())
        for line in order.lines:
            item_id = item_ids[line.item_code]
            line_values: dict[str, object] = {"qty_ordered": line.qty}
            if line.price is not None:
                line_values[price] = line.price
            if item_id in existing:
                conn.execute(update(lines).where(lines.c.id == existing[item_id]).values(**line_values))
            else:
                conn.execute(insert(lines).values({fk: order_id, "item_id": item_id, **line_values}))


#: Order kind -> (header table, line table, party column, price column, line -> header key): data, not a branch.
_ORDER_TABLES = {
    KindName.PURCHASE_ORDERS: (t.purchase_orders, t.po_lines, "vendor", "unit_cost", "po_id"),
    KindName.SALES_ORDERS: (t.sales_orders, t.so_lines, "customer", "unit_price", "so_id"),
}


def _batch_info(row: Row[Any]) -> BatchInfo:
    return BatchInfo(row.id, row.file_name, row.sha256, row.kind, row.status, row.output, row.started_at)


def _insert_batch(conn: Connection, meta: BatchMeta, status: str, now: dt.datetime, host: str, *,
                  errors: int = 0, output: str | None = None) -> int:
    return new_id(conn.execute(insert(t.batches).values(
        file_name=meta.file_name, sha256=meta.sha256, kind=meta.kind, status=status, rows=meta.rows,
        errors=errors, output=output, started_at=meta.started_at or now,
        finished_at=now if status != BatchStatus.POSTED else None, host=host,
        dropped_by_user=meta.dropped_by.user, dropped_by_group=meta.dropped_by.group,
        run_by=meta.dropped_by.run_by)))


def _upsert_item(conn: Connection, change: ItemChange, now: dt.datetime) -> None:
    values = dict(change.values)
    if "check_digit" in values:
        values["check_digit"] = str(values["check_digit"]).casefold()
    if change.new:
        conn.execute(insert(t.items).values(code=change.code, created_at=now, updated_at=now, **values))
    elif values and change.changed:
        conn.execute(update(t.items).where(t.items.c.code == change.code).values(updated_at=now, **values))


def _items(conn: Connection, codes: Sequence[str]) -> dict[str, ItemInfo]:
    found: dict[str, ItemInfo] = {}
    for part in chunks(codes):
        rows = conn.execute(select(t.items).where(t.items.c.code.in_(part))).all()
        ids = [r.id for r in rows]
        linked = set()
        for table in (t.po_lines, t.so_lines, t.lots, t.transactions):
            linked |= {r[0] for r in conn.execute(select(table.c.item_id).where(table.c.item_id.in_(ids))
                                                  .distinct())}
        for r in rows:
            found[r.code] = ItemInfo(r.id, r.code, bool(r.serialized), bool(r.track_mfr_lot), r.next_serial,
                                     r.est_unit_cost, r.serial_pattern, r.check_digit, r.description,
                                     r.id in linked, r.uom,
                                     _ledger_width(conn, r.id) if r.serialized else None, r.warranty_months,
                                     r.vendor_warranty_months)
    return found


def _ledger_width(conn: Connection, item_id: int) -> int | None:
    """The width of the item's serials when the lowest and highest (by the unique index, so two index look-ups
    whatever the ledger's size) are purely numeric and equally long: ``000101`` ... ``009999`` gives 6."""
    low, high = conn.execute(select(func.min(t.serial_units.c.serial), func.max(t.serial_units.c.serial))
                             .where(t.serial_units.c.item_id == item_id)).one()
    if low is None or high is None or len(low) != len(high) or not (low + high).isdigit() or not low.isascii():
        return None
    return len(low)


def _orders(conn: Connection, head: Table, lines: Table, done: str, price: str,
            numbers: Sequence[str]) -> dict[str, OrderInfo]:
    result: dict[str, OrderInfo] = {}
    fk = "po_id" if head is t.purchase_orders else "so_id"
    party = "vendor" if head is t.purchase_orders else "customer"
    for part in chunks(numbers):
        heads = conn.execute(select(head, t.offices.c.name.label("office"))
                             .join(t.offices, t.offices.c.id == head.c.office_id)
                             .where(head.c.number.in_(part))).all()
        by_id = {h.id: h for h in heads}
        line_map: dict[int, dict[str, OrderLineInfo]] = {h.id: {} for h in heads}
        for ln in conn.execute(select(lines, t.items.c.code).join(t.items, t.items.c.id == lines.c.item_id)
                               .where(lines.c[fk].in_(list(by_id)))):
            line_map[ln._mapping[fk]][ln.code] = OrderLineInfo(ln.id, ln.code, ln.qty_ordered,
                                                                ln._mapping[done], ln._mapping[price])
        for h in heads:
            result[h.number] = OrderInfo(h.id, h.number, h.office, h._mapping[party], h.order_date, line_map[h.id])
    return result


def _serial_units(conn: Connection, items: Mapping[str, ItemInfo],
                  serials: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], SerialInfo]:
    units: dict[tuple[str, str], SerialInfo] = {}
    office = t.offices.alias("o")
    for code, wanted in serials.items():
        item = items.get(code)
        if item is None:
            continue
        postgres = conn.dialect.name == "postgresql"
        # PostgreSQL: one array parameter per 50,000 serials (= ANY), not 5,000 bound values the driver must
        # splice into the statement text; elsewhere an IN list of 5,000 (sql.CHUNK)
        for part in chunks(sorted(set(wanted)), 50_000 if postgres else CHUNK):
            among = (t.serial_units.c.serial == any_(literal(list(part), ARRAY(String))) if postgres
                     else t.serial_units.c.serial.in_(part))
            query = (select(t.serial_units.c.id, t.serial_units.c.serial, t.serial_units.c.status,
                            t.serial_units.c.lot_id, office.c.name.label("office"), t.bins.c.name.label("bin"),
                            t.lots.c.document, t.lots.c.unit_cost, t.serial_units.c.office_id,
                            t.serial_units.c.bin_id)
                     .join(t.lots, t.lots.c.id == t.serial_units.c.lot_id)
                     .outerjoin(office, office.c.id == t.serial_units.c.office_id)
                     .outerjoin(t.bins, t.bins.c.id == t.serial_units.c.bin_id)
                     .where(t.serial_units.c.item_id == item.id, among))
            for r in conn.execute(query):
                units[(code, r.serial)] = SerialInfo(r.id, code, r.serial, r.status, r.office, r.bin, r.lot_id,
                                                     r.document, r.unit_cost, r.office_id, r.bin_id)
    return units


__all__ = ["AlreadyPosted", "BatchInfo", "BatchMeta", "Conflict", "PostResult", "Store"]

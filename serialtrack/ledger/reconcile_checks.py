"""The reconciliation's exceptions: where the ledger disagrees with a count sheet or with itself.

Each check is one or two set-based queries yielding :class:`Finding` values, streamed, so a count that misses
a whole office does not sit in memory. A finding carries its stable kebab ``kind``, what the ledger says,
what was found, where it was found (file › sheet › row for a count row) and one sentence saying what to do.

Count sheets: for each office, the rows of its latest ``count_date`` (every count batch of that date) are
compared with the serial units the ledger has in stock there. A unit's *last move* is the business date of
its last transaction that stands (neither a reversal nor in a reversed batch); units whose last move is after
the count date are left out of the comparison (the count could not see that move), so a count can be
compared with the ledger days later. Moves dated on the count day are taken to have happened before the count.
A report for a day uses only counts dated that day or earlier; since units moved after a count are left out,
the comparison is the same as of the report's day as it is now. :func:`count_dates` says which count each
office's comparison used, or that an office was never counted. Findings about a unit carry its lot's unit cost
(the value at risk if it cannot be found or is not where the ledger says).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select

from serialtrack.ledger import reconcile_history as history
from serialtrack.ledger import schema as t
from serialtrack.ledger.reconcile_history import is_action
from serialtrack.ledger.reconcile_queries import disposition_is, lot_is_live, lot_quantities, stream
from serialtrack.records import BatchStatus, SerialStatus, plural

#: Every kind, in the order the sheet lists them (the Summary counts each).
KINDS = (
    "not-counted",
    "counted-not-in-ledger",
    "counted-not-in-stock",
    "counted-at-other-office",
    "counted-in-other-bin",
    "status-disagrees-with-history",
    "place-disagrees-with-status",
    "lot-disagrees-with-serials",
    "po-over-received",
    "so-over-shipped",
    "no-unit-cost",
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    office: str | None
    bin: str | None
    item: str
    serial: str | None
    document: str | None
    ledger: str
    found: str
    source: str | None
    action: str
    unit_cost: Decimal | None = None


def _where(office: str | None, bin_name: str | None) -> str:
    if office is None:
        return "no office"
    return f"{office} / {bin_name}" if bin_name else office


def _source(file_name: str | None, sheet: str | None, row: int | None) -> str | None:
    parts = [p for p in (file_name, sheet, f"row {row}" if row is not None else None) if p]
    return " › ".join(parts) or None


def _stands(tx: Any, batch: Any) -> Any:
    """A transaction stands unless it is a reversal or was reversed. ``reverse`` undoes whole batches and marks
    them ``reversed``, so the batch's status says it: a primary-key join, where a search of ``reverses_id``
    (not indexed) would be a scan per transaction on a planner without statistics."""
    return and_(tx.c.type != "reversal", batch.c.status != BatchStatus.REVERSED)


def _stands_at(tx: Any, batch: Any, as_of: dt.date | None) -> Any:
    """Stands now (``as_of`` None), or at the end of ``as_of`` (reversals dated later did not happen yet)."""
    return _stands(tx, batch) if as_of is None else history.stands(tx, as_of)


def _unit_state(as_of: dt.date) -> Any:
    """Subquery ``id, status, office_id, bin_id``: each unit as its last standing transaction at the end of
    ``as_of`` left it (units with no standing transaction then did not exist yet)."""
    last, tx = history.last_standing(as_of), t.transactions.alias("state_tx")
    in_stock = history.leaves_in_stock(tx)
    status = case((in_stock, literal("in_stock")), *_leaves_out(tx), else_=literal("unknown"))
    return (select(last.c.serial_unit_id.label("id"), status.label("status"),
                   case((in_stock, tx.c.office_id)).label("office_id"), case((in_stock, tx.c.bin_id)).label("bin_id"))
            .select_from(last).join(tx, tx.c.id == last.c.last_id).subquery("unit_state"))


def _unit_transactions(name: str) -> tuple[Any, Any, Any]:
    """(transactions alias, its batches alias, FROM clause joining them)."""
    tx, batch = t.transactions.alias(name), t.batches.alias(f"{name}_batch")
    return tx, batch, tx.join(batch, batch.c.id == tx.c.batch_id)


def _last_move(as_of: dt.date | None) -> Any:
    """The business date of a unit's last transaction that stands (now, or at the end of ``as_of``)."""
    tx, batch, joined = _unit_transactions("moves")
    return (select(func.max(tx.c.occurred_on)).select_from(joined)
            .where(tx.c.serial_unit_id == t.serial_units.c.id, _stands_at(tx, batch, as_of))
            .scalar_subquery())


def _posted_counts(day: dt.date | None) -> Any:
    """Count rows of count files that stand (a reversed count file no longer counts). ``day`` is applied by
    :func:`_latest_counts` (every use joins it): a date filter here makes SQLite plan the anti-join as a scan
    per unit."""
    c, batches = t.counts, t.batches
    return (select(c).join(batches, batches.c.id == c.c.batch_id).where(batches.c.status == BatchStatus.POSTED)
            .subquery("posted_counts"))


def _latest_counts(day: dt.date | None) -> Any:
    """Each office's latest count date, on or before ``day``."""
    c = _posted_counts(day)
    query = select(c.c.office_id, func.max(c.c.count_date).label("count_date"))
    if day is not None:
        query = query.where(c.c.count_date <= day)
    return query.group_by(c.c.office_id).subquery("latest")


def count_dates(conn: Connection, day: dt.date | None = None) -> list[tuple[str, dt.date | None]]:
    """(office, date of the count its comparison used, None when never counted by ``day``), by office."""
    latest, offices = _latest_counts(day), t.offices
    query = (select(offices.c.name, latest.c.count_date).select_from(offices)
             .outerjoin(latest, latest.c.office_id == offices.c.id).order_by(offices.c.name))
    return [(r.name, r.count_date) for r in conn.execute(query)]


def _counted_here(latest: Any, day: dt.date | None, as_of: dt.date | None) -> Any:
    """Ids of the units found by their office's latest count while the ledger has them at that office.

    Built from the count rows through the unique (item, serial) index of the units, so the comparison is a
    join on unit ids (an anti-join below), never a search of the count rows per unit.
    """
    c, su = _posted_counts(day), t.serial_units.alias("counted_unit")
    query = (select(su.c.id.label("unit_id"))
             .select_from(c).join(latest, and_(latest.c.office_id == c.c.office_id,
                                               latest.c.count_date == c.c.count_date))
             .join(su, and_(su.c.item_id == c.c.item_id, su.c.serial == c.c.serial)))
    if as_of is None:
        return query.where(su.c.office_id == c.c.office_id).distinct().subquery("counted_here")
    state = _unit_state(as_of)
    return (query.join(state, state.c.id == su.c.id).where(state.c.office_id == c.c.office_id)
            .distinct().subquery("counted_here"))


def _coverage(latest: Any, day: dt.date | None) -> tuple[Any, Any, Any]:
    """What each office's latest count covers (SPEC, Rules: Counts): the items it lists, and, where it gives
    bins, only the bins it lists. Returns (office, item) pairs covered, offices whose count gave bins, and
    (office, bin) pairs listed (bin names folded to lower case)."""
    c = _posted_counts(day)
    on_latest = and_(latest.c.office_id == c.c.office_id, latest.c.count_date == c.c.count_date)
    items = (select(c.c.office_id, c.c.item_id).select_from(c).join(latest, on_latest).distinct()
             .subquery("count_items"))
    with_bins = (select(c.c.office_id).select_from(c).join(latest, on_latest).where(c.c.bin.is_not(None))
                 .distinct().subquery("count_gives_bins"))
    listed = (select(c.c.office_id, func.lower(c.c.bin).label("bin")).select_from(c).join(latest, on_latest)
              .where(c.c.bin.is_not(None)).distinct().subquery("count_bins"))
    return items, with_bins, listed


def not_counted(conn: Connection, day: dt.date | None = None, as_of: dt.date | None = None) -> Iterator[Finding]:
    """Units in stock at an office, missing from that office's latest count, among the items (and, where the
    count gives bins, the bins) it lists: what a count does not list is not an exception."""
    su, items, offices, bins, lots = t.serial_units, t.items, t.offices, t.bins, t.lots
    latest = _latest_counts(day)
    counted = _counted_here(latest, day, as_of)
    covered, with_bins, listed = _coverage(latest, day)
    last_move = _last_move(as_of)
    units: Any = su
    state: Any = su.c
    if as_of is not None:
        unit_state = _unit_state(as_of)
        units, state = su.join(unit_state, unit_state.c.id == su.c.id), unit_state.c
    query = (select(su.c.serial, items.c.code.label("item"), offices.c.name.label("office"),
                    bins.c.name.label("bin"), lots.c.document, latest.c.count_date, lots.c.unit_cost)
             .select_from(units).join(latest, latest.c.office_id == state.office_id)
             .join(covered, and_(covered.c.office_id == state.office_id, covered.c.item_id == su.c.item_id))
             .outerjoin(counted, counted.c.unit_id == su.c.id)
             .join(items, items.c.id == su.c.item_id).join(offices, offices.c.id == state.office_id)
             .outerjoin(bins, bins.c.id == state.bin_id).join(lots, lots.c.id == su.c.lot_id)
             .outerjoin(with_bins, with_bins.c.office_id == state.office_id)
             .outerjoin(listed, and_(listed.c.office_id == state.office_id, listed.c.bin == func.lower(bins.c.name)))
             .where(state.status == "in_stock", counted.c.unit_id.is_(None),
                    or_(with_bins.c.office_id.is_(None), listed.c.office_id.is_not(None)),
                    func.coalesce(last_move, latest.c.count_date) <= latest.c.count_date)
             .order_by(offices.c.name, bins.c.name.nulls_first(), items.c.code, su.c.serial))
    for r in stream(conn, query):
        yield Finding(
            "not-counted", r.office, r.bin, r.item, r.serial, r.document,
            f"in stock at {_where(r.office, r.bin)}", f"not in the count of {r.count_date.isoformat()}", None,
            f"Find {r.item} {r.serial} in {_where(r.office, r.bin)} and scan it; if it cannot be found, write it "
            f"off (the count's answer proposes the adjustment for inbox/adjustments/).", r.unit_cost)


def counted_disagreements(conn: Connection, day: dt.date | None = None,
                          as_of: dt.date | None = None) -> Iterator[Finding]:
    """Rows of each office's latest count that the ledger does not have in stock there (or in that bin)."""
    c, su, items, offices, bins, batches = (_posted_counts(day), t.serial_units, t.items, t.offices, t.bins,
                                            t.batches)
    unit_lot = t.lots.alias("unit_lot")
    latest = _latest_counts(day)
    unit_office, unit_bin = offices.alias("unit_office"), bins.alias("unit_bin")
    last_tx, last_batch, joined = _unit_transactions("last_tx")
    # max(id), not ORDER BY id DESC LIMIT 1: PostgreSQL may walk the primary key backwards for the latter,
    # a scan of the whole history per count row when it misjudges how many rows match.
    last_id = (select(func.max(last_tx.c.id)).select_from(joined)
               .where(last_tx.c.serial_unit_id == su.c.id, _stands_at(last_tx, last_batch, as_of))
               .correlate(su).scalar_subquery())
    document_of = t.transactions.alias("document_of")
    last_document = select(document_of.c.document).where(document_of.c.id == last_id).scalar_subquery()
    last_move = _last_move(as_of)
    units: Any = su
    state: Any = su.c
    if as_of is not None:
        unit_state = _unit_state(as_of)
        units = su.join(unit_state, unit_state.c.id == su.c.id)  # units that did not exist then drop out
        state = unit_state.c
    query = (select(c.c.serial, c.c.bin.label("count_bin"), c.c.count_date, c.c.source_sheet, c.c.source_row,
                    batches.c.file_name, items.c.code.label("item"), offices.c.name.label("office"),
                    state.id.label("unit_id"), state.status, unit_office.c.name.label("unit_office"),
                    unit_bin.c.name.label("unit_bin"), last_document.label("document"),
                    last_move.label("last_move"), unit_lot.c.unit_cost)
             .select_from(c).join(latest, and_(latest.c.office_id == c.c.office_id,
                                               latest.c.count_date == c.c.count_date))
             .join(items, items.c.id == c.c.item_id).join(offices, offices.c.id == c.c.office_id)
             .join(batches, batches.c.id == c.c.batch_id)
             .outerjoin(units, and_(su.c.item_id == c.c.item_id, su.c.serial == c.c.serial))
             .outerjoin(unit_office, unit_office.c.id == state.office_id)
             .outerjoin(unit_bin, unit_bin.c.id == state.bin_id)
             .outerjoin(unit_lot, unit_lot.c.id == su.c.lot_id)
             .order_by(offices.c.name, c.c.bin.nulls_first(), items.c.code, c.c.serial, c.c.id))
    for r in stream(conn, query):
        finding = _classify_count_row(r)
        if finding is not None:
            yield replace(finding, unit_cost=r.unit_cost)


def _classify_count_row(r: Any) -> Finding | None:
    counted_at = _where(r.office, r.count_bin)
    found = f"counted at {counted_at} on {r.count_date.isoformat()}"
    source = _source(r.file_name, r.source_sheet, r.source_row)
    if r.unit_id is None:
        return Finding("counted-not-in-ledger", r.office, r.count_bin, r.item, r.serial, None,
                       f"no {r.item} unit has this serial", found, source,
                       f"Check the label of {r.item} {r.serial} against the count sheet; if the serial is right, "
                       f"find the packing list it came on and receive it against its purchase order.")
    if r.last_move is not None and r.last_move > r.count_date:
        return None  # the ledger moved it after the count: the count cannot be compared
    if r.status != SerialStatus.IN_STOCK:
        return Finding("counted-not-in-stock", r.office, r.count_bin, r.item, r.serial, r.document,
                       f"{r.status.replace('_', ' ')}" + (f" ({r.document})" if r.document else ""), found,
                       source, _not_in_stock_action(r))
    if r.unit_office is None:
        return None  # in stock with no office: place-disagrees-with-status reports the unit
    if r.unit_office != r.office:
        return Finding("counted-at-other-office", r.office, r.count_bin, r.item, r.serial, r.document,
                       f"in stock at {_where(r.unit_office, r.unit_bin)}", found, source,
                       f"Send {r.item} {r.serial} back to {r.unit_office}, or drop a transfer of it to "
                       f"{r.office} in inbox/transfers/ (the count's answer proposes one).")
    if r.count_bin and (r.unit_bin or "").casefold() != r.count_bin.casefold():
        return Finding("counted-in-other-bin", r.office, r.count_bin, r.item, r.serial, r.document,
                       f"in stock at {_where(r.unit_office, r.unit_bin)}", found, source,
                       f"Put {r.item} {r.serial} back in bin {r.unit_bin}, or drop a transfer of it to bin "
                       f"{r.count_bin} in inbox/transfers/ (the count's answer proposes one).")
    return None


def _not_in_stock_action(r: Any) -> str:
    unit = f"{r.item} {r.serial}"
    if r.status == SerialStatus.SHIPPED:
        return (f"The ledger has {unit} shipped on {r.document}; if it is really on the shelf, post its return "
                f"(restock) or reverse the shipment, otherwise find out what was shipped in its place.")
    if r.status == SerialStatus.REVERSED:
        return (f"The receipt of {unit} was reversed; if the unit is really here, receive it again against "
                f"its purchase order.")
    return (f"The ledger has {unit} as {r.status.replace('_', ' ')}; if it is really on the shelf, set it "
            f"aside and ask the inventory controller how it came back before it is used.")


_EXPECTED = {"receipt": SerialStatus.IN_STOCK, "shipment": SerialStatus.SHIPPED, "transfer_in": SerialStatus.IN_STOCK,
             "vendor_return": SerialStatus.RETURNED_TO_VENDOR}
_RETURN_STATUS = {"restock": SerialStatus.IN_STOCK, "scrap": SerialStatus.SCRAPPED,
                  "return_to_vendor": SerialStatus.RETURNED_TO_VENDOR}
_ADJUSTMENT_STATUS = {"scrap": SerialStatus.SCRAPPED, "write_off": SerialStatus.SCRAPPED,
                      "found": SerialStatus.IN_STOCK}


def _leaves_out(tx: Any) -> list[tuple[Any, Any]]:
    """(condition, status) for the transactions that leave a unit out of stock, by type, disposition or action."""
    return [(tx.c.type == "shipment", literal(SerialStatus.SHIPPED.value)),
            (tx.c.type == "vendor_return", literal(SerialStatus.RETURNED_TO_VENDOR.value)),
            *((and_(tx.c.type == "return", disposition_is(tx.c.note, note)), literal(state.value))
              for note, state in _RETURN_STATUS.items()),
            *((is_action(tx, action), literal(state.value)) for action, state in _ADJUSTMENT_STATUS.items())]


def status_disagreements(conn: Connection) -> Iterator[Finding]:
    """Units whose status is not what their last standing transaction leaves them in."""
    tx, su, items, offices, bins, batches = (t.transactions, t.serial_units, t.items, t.offices, t.bins,
                                             t.batches)
    history = (select(tx.c.serial_unit_id, func.max(case((_stands(tx, batches), tx.c.id))).label("last_id"))
               .select_from(tx).join(batches, batches.c.id == tx.c.batch_id)
               .where(tx.c.serial_unit_id.is_not(None)).group_by(tx.c.serial_unit_id).subquery("history"))
    last = tx.alias("last")
    expected = case(
        (history.c.serial_unit_id.is_(None), literal("no history")),
        (last.c.id.is_(None), literal(SerialStatus.REVERSED.value)),
        *((last.c.type == kind, literal(status)) for kind, status in _EXPECTED.items()),
        *((and_(last.c.type == "return", disposition_is(last.c.note, note)), literal(status))
          for note, status in _RETURN_STATUS.items()),
        *((is_action(last, action), literal(status)) for action, status in _ADJUSTMENT_STATUS.items()),
        else_=literal(None),
    )
    query = (select(su.c.serial, su.c.status, items.c.code.label("item"), offices.c.name.label("office"),
                    bins.c.name.label("bin"), expected.label("expected"), last.c.type.label("last_type"),
                    last.c.document, last.c.occurred_on)
             .select_from(su).join(items, items.c.id == su.c.item_id)
             .outerjoin(history, history.c.serial_unit_id == su.c.id)
             .outerjoin(last, last.c.id == history.c.last_id)
             .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
             .where(expected.is_not(None), expected != su.c.status)
             .order_by(items.c.code, su.c.serial))
    for r in stream(conn, query):
        if r.expected == "no history":
            said = "it has no transactions at all"
        elif r.last_type is None:
            said = "every transaction it had was reversed, which leaves it reversed"
        else:
            said = (f"its last transaction ({r.last_type} {r.document or ''} on {r.occurred_on.isoformat()}) "
                    f"leaves it {r.expected.replace('_', ' ')}").replace("  ", " ")
        yield Finding(
            "status-disagrees-with-history", r.office, r.bin, r.item, r.serial, r.document,
            f"status {r.status.replace('_', ' ')}", said, None,
            f"Check the history of {r.item} {r.serial} (serialtrack serial {r.serial} --item {r.item}) and have "
            f"the operator correct its status to match what really happened.")


def place_disagreements(conn: Connection) -> Iterator[Finding]:
    """Units in stock with no office or bin, and units out of stock that still hold a place."""
    su, items, offices, bins, lots = t.serial_units, t.items, t.offices, t.bins, t.lots
    in_stock = su.c.status == SerialStatus.IN_STOCK
    query = (select(su.c.serial, su.c.status, items.c.code.label("item"), offices.c.name.label("office"),
                    bins.c.name.label("bin"), lots.c.document)
             .select_from(su).join(items, items.c.id == su.c.item_id).join(lots, lots.c.id == su.c.lot_id)
             .outerjoin(offices, offices.c.id == su.c.office_id).outerjoin(bins, bins.c.id == su.c.bin_id)
             .where(or_(and_(in_stock, or_(su.c.office_id.is_(None), su.c.bin_id.is_(None))),
                        and_(~in_stock, or_(su.c.office_id.is_not(None), su.c.bin_id.is_not(None)))))
             .order_by(items.c.code, su.c.serial))
    for r in stream(conn, query):
        place = _where(r.office, r.bin) if r.office else "no office or bin"
        yield Finding(
            "place-disagrees-with-status", r.office, r.bin, r.item, r.serial, r.document,
            f"status {r.status.replace('_', ' ')}", f"place {place}", None,
            f"Look for {r.item} {r.serial} and have the operator correct its status or place in the ledger; "
            f"a unit in stock needs an office and bin, a unit out of stock has none.")


def lot_disagreements(conn: Connection) -> Iterator[Finding]:
    """Lots of serialized items whose quantities disagree with their serial units."""
    lots, items, offices, su = t.lots, t.items, t.offices, t.serial_units
    units = (select(su.c.lot_id, func.count().label("units"),
                    func.sum(case((su.c.status == SerialStatus.IN_STOCK, 1), else_=0)).label("in_stock"))
             .group_by(su.c.lot_id).subquery("units"))
    tx, batches = t.transactions, t.batches
    left = t.serial_units.alias("left_unit")
    moved = (select(tx.c.lot_id, func.sum(tx.c.qty).label("moved")).join(batches, batches.c.id == tx.c.batch_id)
             .join(left, left.c.id == tx.c.serial_unit_id)
             .where(tx.c.type.in_(("transfer_out", "vendor_return")), _stands(tx, batches), left.c.lot_id != tx.c.lot_id)
             .group_by(tx.c.lot_id).subquery("moved"))
    # a unit a transfer moved now belongs to the lot made at its new place, and one back from its vendor to the
    # lot of the receipt that took it again: the lot it left counts it as moved
    unit_count = func.coalesce(units.c.units, 0) + func.coalesce(moved.c.moved, 0)
    in_stock = func.coalesce(units.c.in_stock, 0)
    remaining = case((lot_is_live(), lots.c.qty_received - lots.c.qty_used), else_=0)
    query = (select(lots.c.id, lots.c.document, lots.c.qty_received, lots.c.qty_used, lots.c.reversed_batch_id,
                    items.c.code.label("item"), offices.c.name.label("office"), unit_count.label("units"),
                    in_stock.label("in_stock"), remaining.label("remaining"))
             .select_from(lots).join(items, items.c.id == lots.c.item_id)
             .join(offices, offices.c.id == lots.c.office_id)
             .outerjoin(units, units.c.lot_id == lots.c.id).outerjoin(moved, moved.c.lot_id == lots.c.id)
             .where(items.c.serialized.is_(True),
                    or_(in_stock != remaining, and_(lot_is_live(), unit_count != lots.c.qty_received)))
             .order_by(items.c.code, lots.c.id))
    for r in stream(conn, query):
        void = " (void: its receipt was reversed)" if r.reversed_batch_id is not None else ""
        yield Finding(
            "lot-disagrees-with-serials", r.office, None, r.item, None, r.document,
            f"lot {r.id}{void}: received {r.qty_received}, used {r.qty_used}, remaining {r.remaining}",
            f"{plural(r.units, 'serial unit')}, {r.in_stock} in stock", None,
            f"Compare lot {r.id} ({r.document}) with its serials (serialtrack lots --item {r.item}) and have the "
            f"operator correct the lot's quantities or the units' statuses.")


def over_received_po_lines(conn: Connection) -> Iterator[Finding]:
    po, pl, items, offices = t.purchase_orders, t.po_lines, t.items, t.offices
    query = (select(po.c.number, items.c.code.label("item"), offices.c.name.label("office"),
                    pl.c.qty_ordered, pl.c.qty_received)
             .join(pl, pl.c.po_id == po.c.id).join(items, items.c.id == pl.c.item_id)
             .join(offices, offices.c.id == po.c.office_id)
             .where(pl.c.qty_received > pl.c.qty_ordered).order_by(po.c.number, items.c.code))
    for r in stream(conn, query):
        over = r.qty_received - r.qty_ordered
        yield Finding(
            "po-over-received", r.office, None, r.item, None, f"PO-{r.number}",
            f"ordered {r.qty_ordered}", f"received {r.qty_received} ({over} over)", None,
            f"Ask purchasing to raise PO {r.number}'s quantity of {r.item} to {r.qty_received}, or return the "
            f"{over} extra unit{'s' if over != 1 else ''} to the vendor.")


def over_shipped_so_lines(conn: Connection) -> Iterator[Finding]:
    so, sl, items, offices = t.sales_orders, t.so_lines, t.items, t.offices
    query = (select(so.c.number, items.c.code.label("item"), offices.c.name.label("office"),
                    sl.c.qty_ordered, sl.c.qty_shipped)
             .join(sl, sl.c.so_id == so.c.id).join(items, items.c.id == sl.c.item_id)
             .join(offices, offices.c.id == so.c.office_id)
             .where(sl.c.qty_shipped > sl.c.qty_ordered).order_by(so.c.number, items.c.code))
    for r in stream(conn, query):
        over = r.qty_shipped - r.qty_ordered
        yield Finding(
            "so-over-shipped", r.office, None, r.item, None, f"SO-{r.number}",
            f"ordered {r.qty_ordered}", f"shipped {r.qty_shipped} ({over} over)", None,
            f"Ask sales to raise SO {r.number}'s quantity of {r.item} to {r.qty_shipped}, or have the customer "
            f"return the {over} extra unit{'s' if over != 1 else ''}.")


def lots_without_unit_cost(conn: Connection, as_of: dt.date | None = None) -> Iterator[Finding]:
    """Lots received against a PO line that has no unit cost: receiving valued them at the item's estimated
    cost, else 0 (the ``po-line-no-unit-cost`` warning said so when they posted)."""
    lots, items, offices, pl, po, batches = (t.lots, t.items, t.offices, t.po_lines, t.purchase_orders,
                                             t.batches)
    source, received, _, live = lot_quantities(as_of)
    query = (select(lots.c.id, lots.c.document, lots.c.unit_cost, received.label("received"),
                    items.c.code.label("item"), offices.c.name.label("office"), po.c.number,
                    batches.c.file_name)
             .select_from(source).join(items, items.c.id == lots.c.item_id)
             .join(offices, offices.c.id == lots.c.office_id).join(pl, pl.c.id == lots.c.po_line_id)
             .join(po, po.c.id == pl.c.po_id).join(batches, batches.c.id == lots.c.batch_id)
             .where(live, pl.c.unit_cost.is_(None)).order_by(offices.c.name, items.c.code, lots.c.id))
    for r in stream(conn, query):
        cost = f"{r.unit_cost:,.2f}"
        yield Finding(
            "no-unit-cost", r.office, None, r.item, None, r.document,
            f"lot {r.id}: {r.received} received at {cost} a unit (the item's estimated cost, or 0)",
            f"PO {r.number} line {r.item} has no unit cost", _source(r.file_name, None, None),
            f"Ask purchasing for the unit cost of PO {r.number} line {r.item} and have the operator value "
            f"lot {r.id} at it; until then it counts at {cost} a unit.", r.unit_cost)


def findings(conn: Connection, day: dt.date | None = None, as_of: dt.date | None = None) -> Iterator[Finding]:
    """Every exception, check by check, each query run when the previous one is done (the count rows' kinds
    come mixed, in office, bin, item and serial order). ``day``: only counts dated then or earlier;
    ``as_of``: units compared as the history leaves them at the end of that day (see reconcile_history)."""
    yield from not_counted(conn, day, as_of)
    yield from counted_disagreements(conn, day, as_of)
    yield from status_disagreements(conn)
    yield from place_disagreements(conn)
    yield from lot_disagreements(conn)
    yield from over_received_po_lines(conn)
    yield from over_shipped_so_lines(conn)
    yield from lots_without_unit_cost(conn, as_of)


"""What a fill-in template needs from the ledger: the values of its drop-down lists (items, open orders,
offices) and, for one order or office, the lines to prefill. Read-only, set-based, a few queries each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, Select, Table, func, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.sql import office_ids_named
from serialtrack.records import SerialStatus

Side = Literal["purchase", "sales"]


@dataclass(frozen=True)
class OrderLine:
    """One line of an order that a template prefills: what is still expected (or, for returns, still out)."""

    number: str
    item_code: str
    description: str | None
    qty: int
    party: str | None  # vendor (PO) or customer (SO)
    office: str


@dataclass(frozen=True)
class StockPlace:
    """A serialized item in stock in one bin of an office: one row of a count template."""

    office: str
    bin: str
    item_code: str
    description: str | None


def _tables(side: Side) -> tuple[Table, Table, str, str, str]:
    if side == "purchase":
        return t.purchase_orders, t.po_lines, "po_id", "qty_received", "vendor"
    return t.sales_orders, t.so_lines, "so_id", "qty_shipped", "customer"


def item_codes(engine: Engine, *, serialized_only: bool = False) -> list[str]:
    query = select(t.items.c.code).order_by(t.items.c.code)
    if serialized_only:
        query = query.where(t.items.c.serialized.is_(True))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def office_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.offices.c.name).order_by(t.offices.c.name)).scalars())


def open_order_numbers(engine: Engine, side: Side) -> list[str]:
    """Orders with at least one line not yet fully received (PO) or shipped (SO)."""
    orders, lines, key, done, _ = _tables(side)
    query = (select(orders.c.number).distinct().join(lines, lines.c[key] == orders.c.id)
             .where(lines.c.qty_ordered > lines.c[done]).order_by(orders.c.number))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def _units_out(so_number: str | None = None) -> Select[Any]:
    """Serial units shipped on a sales order and neither returned nor reversed since: (document, item, count)."""
    tx, su = t.transactions, t.serial_units
    query = (select(tx.c.document, t.items.c.code, t.items.c.description, func.count().label("units"))
             .join(su, su.c.id == tx.c.serial_unit_id).join(t.items, t.items.c.id == su.c.item_id)
             .where(tx.c.type == "shipment", tx.c.serial_unit_id.is_not(None), tx.c.closed_by_batch_id.is_(None),
                    su.c.status == SerialStatus.SHIPPED)
             .group_by(tx.c.document, t.items.c.code, t.items.c.description))
    if so_number is not None:
        query = query.where(tx.c.document == f"SO-{so_number}")
    return query


def sales_orders_with_units_out(engine: Engine) -> list[str]:
    """Sales orders that shipped serial units still out with the customer (what a return can name)."""
    with engine.connect() as conn:
        documents = {row.document for row in conn.execute(_units_out())}
    return sorted(d.removeprefix("SO-") for d in documents if d.startswith("SO-"))


def order_exists(engine: Engine, side: Side, number: str) -> bool:
    orders = _tables(side)[0]
    with engine.connect() as conn:
        return conn.execute(select(orders.c.id).where(orders.c.number == number)).first() is not None


def open_lines(engine: Engine, side: Side, number: str) -> list[OrderLine]:
    """The lines of order ``number`` still expected: ordered minus received (PO) or shipped (SO), in the
    order they were entered. Empty when the order is complete or unknown (see :func:`order_exists`)."""
    orders, lines, key, done, party = _tables(side)
    query = (select(t.items.c.code, t.items.c.description, (lines.c.qty_ordered - lines.c[done]).label("left"),
                    orders.c[party].label("party"), t.offices.c.name.label("office"))
             .select_from(lines).join(orders, orders.c.id == lines.c[key])
             .join(t.items, t.items.c.id == lines.c.item_id).join(t.offices, t.offices.c.id == orders.c.office_id)
             .where(orders.c.number == number, lines.c.qty_ordered > lines.c[done]).order_by(lines.c.id))
    with engine.connect() as conn:
        return [OrderLine(number, r.code, r.description, int(r.left), r.party, r.office) for r in conn.execute(query)]


def lines_out(engine: Engine, so_number: str) -> list[OrderLine]:
    """The items of sales order ``so_number`` with serial units still out (shipped, not returned), and how many."""
    with engine.connect() as conn:
        office = conn.execute(select(t.offices.c.name).join(t.sales_orders, t.sales_orders.c.office_id
                                                            == t.offices.c.id)
                              .where(t.sales_orders.c.number == so_number)).scalar()
        customer = conn.execute(select(t.sales_orders.c.customer)
                                .where(t.sales_orders.c.number == so_number)).scalar()
        rows = sorted(conn.execute(_units_out(so_number)), key=lambda r: r.code)
    return [OrderLine(so_number, r.code, r.description, int(r.units), customer, office or "") for r in rows]


def office_name(engine: Engine, name: str) -> str | None:
    """The office called ``name`` (any case) as the ledger spells it, or None."""
    with engine.connect() as conn:
        ids = office_ids_named(conn, name)
        if not ids:
            return None
        return str(conn.execute(select(t.offices.c.name).where(t.offices.c.id == ids[0])).scalar_one())


def stock_places(engine: Engine, office: str) -> list[StockPlace]:
    """Each serialized item in stock at ``office``, per bin: what a count of that office walks through."""
    su, items, bins = t.serial_units, t.items, t.bins
    with engine.connect() as conn:
        ids = office_ids_named(conn, office)
        if not ids:
            return []
        query = (select(t.offices.c.name, bins.c.name.label("bin"), items.c.code, items.c.description)
                 .distinct().select_from(su).join(items, items.c.id == su.c.item_id)
                 .join(t.offices, t.offices.c.id == su.c.office_id).join(bins, bins.c.id == su.c.bin_id)
                 .where(su.c.office_id.in_(ids), su.c.status == SerialStatus.IN_STOCK)
                 .order_by(bins.c.name, items.c.code))
        return [StockPlace(r.name, r.bin, r.code, r.description) for r in conn.execute(query)]


@dataclass(frozen=True)
class StockUnitPlace:
    """One serialized unit in stock (or a non-serialized item's quantity, ``serial`` None), and where."""

    office: str
    bin: str | None
    item_code: str
    serial: str | None
    qty: int


def stock_at(engine: Engine, office: str) -> list[StockUnitPlace]:
    """What a transfer out of ``office`` may move: each serialized unit in stock there, by bin, item and serial,
    and each non-serialized item's quantity on hand there."""
    su, items, bins, lots = t.serial_units, t.items, t.bins, t.lots
    with engine.connect() as conn:
        ids = office_ids_named(conn, office)
        if not ids:
            return []
        units = (select(t.offices.c.name, bins.c.name.label("bin"), items.c.code, su.c.serial)
                 .select_from(su).join(items, items.c.id == su.c.item_id)
                 .join(t.offices, t.offices.c.id == su.c.office_id).join(bins, bins.c.id == su.c.bin_id)
                 .where(su.c.office_id.in_(ids), su.c.status == SerialStatus.IN_STOCK)
                 .order_by(bins.c.name, items.c.code, su.c.serial))
        found = [StockUnitPlace(r.name, r.bin, r.code, r.serial, 1) for r in conn.execute(units)]
        plain = (select(t.offices.c.name, items.c.code, func.sum(lots.c.qty_received - lots.c.qty_used).label("qty"))
                 .select_from(lots).join(items, items.c.id == lots.c.item_id)
                 .join(t.offices, t.offices.c.id == lots.c.office_id)
                 .where(lots.c.office_id.in_(ids), items.c.serialized.is_(False), lots.c.reversed_batch_id.is_(None))
                 .group_by(t.offices.c.name, items.c.code).order_by(items.c.code))
        found += [StockUnitPlace(r.name, None, r.code, None, int(r.qty)) for r in conn.execute(plain) if r.qty]
    return found
def _received_numbers() -> Select[Any]:
    po, pol = t.purchase_orders, t.po_lines
    return (select(po.c.number, t.items.c.code).join(pol, pol.c.po_id == po.c.id)
            .join(t.items, t.items.c.id == pol.c.item_id).where(pol.c.qty_received > 0))


def purchase_orders_received(engine: Engine) -> list[str]:
    """Purchase orders with a line received (what a vendor-returns template's PO drop-down offers)."""
    with engine.connect() as conn:
        return sorted({r.number for r in conn.execute(_received_numbers())})


def received_items(engine: Engine, po_number: str) -> list[str]:
    """The items of a PO received so far (what a vendor-returns template prefills with ``--po``)."""
    with engine.connect() as conn:
        return sorted({r.code for r in conn.execute(_received_numbers()
                                                    .where(t.purchase_orders.c.number == po_number))})

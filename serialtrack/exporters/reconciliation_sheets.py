"""The reconciliation's data sheets: which columns each has, and how a ledger row becomes a row of cells.

Each :class:`DataSheet` names its Excel table (the Summary's formulas refer to it), the columns the Summary
totals (``sums``) and the column whose values it also counts and totals by (``group_by``: Exceptions by kind,
Lots by serialized or not). Rows are generators over
the streamed queries of ``serialtrack.ledger.reconcile_queries`` / ``reconcile_checks``: nothing is built
before the writer asks for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from serialtrack.exporters.xlsx import Cell, ColumnSpec, Formula
from serialtrack.ledger import reconcile_checks as checks
from serialtrack.ledger import reconcile_history as history
from serialtrack.ledger import reconcile_queries as q
from serialtrack.ledger.reconcile_queries import Period
from serialtrack.ledger.reconcile_rollforward import roll_forward
from serialtrack.ledger.warranty import lapsing
from serialtrack.records import DroppedBy

C = ColumnSpec


@dataclass(frozen=True)
class DataSheet:
    """One sheet of the reconciliation: title (sheet name), Excel table name, columns, a note, its rows."""

    title: str
    table: str
    columns: Sequence[ColumnSpec]
    note: str
    rows: Iterable[Sequence[Cell]]
    sums: tuple[str, ...] = ()
    group_by: str | None = None
    totals: tuple[str, ...] = ()  # columns with a SUBTOTAL in the totals row under the table


def _yn(value: Any) -> str:
    return "Y" if value else "N"


def _times(cost: Decimal | None, qty: int) -> Decimal | None:
    return None if cost is None else Decimal(cost) * qty


def local_naive(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored posting time (naive UTC on SQLite, aware on PostgreSQL) as local wall time, as Excel wants."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().replace(tzinfo=None)


def _order_rows(rows: Iterator[Any]) -> Iterator[list[Cell]]:
    for r in rows:
        remaining = r.ordered - r.done
        yield [r.number, r.party, r.office, r.item, r.description, r.order_date, r.ordered, r.done, remaining,
               r.price, _times(r.price, r.ordered), _times(r.price, remaining)]


def _order_columns(number: str, party: str, done: str, price: str) -> list[ColumnSpec]:
    return [C(number, "text"), C(party, "text"), C("Office", "text"), C("Item", "text"),
            C("Description", "text"), C("Order Date", "date"), C("Ordered", "int"), C(done, "int"),
            C("Remaining", "int"), C(price, "money"), C("Ordered Value", "money"), C("Remaining Value", "money")]


ORDER_TOTALS = ("Remaining", "Ordered Value", "Remaining Value")


def lot_name(document: str, seq: int) -> str:
    """``PO-60006-2``: the second lot received on PO-60006 (unique, unlike the document)."""
    return f"{document}-{seq}"


def open_pos(conn: Connection, as_of: dt.date | None = None) -> DataSheet:
    return DataSheet(
        "Open POs", "OpenPOs", _order_columns("PO", "Vendor", "Received", "Unit Cost"),
        "Purchase order lines with less received than ordered at the end of the day; values at the line's "
        "unit cost.",
        _order_rows(q.open_po_lines(conn, as_of)), sums=("Remaining", "Remaining Value"), totals=ORDER_TOTALS)


def open_sos(conn: Connection, as_of: dt.date | None = None) -> DataSheet:
    return DataSheet(
        "Open SOs", "OpenSOs", _order_columns("SO", "Customer", "Shipped", "Unit Price"),
        "Sales order lines with less shipped than ordered at the end of the day; values at the line's unit "
        "price.",
        _order_rows(q.open_so_lines(conn, as_of)), sums=("Remaining", "Remaining Value"), totals=ORDER_TOTALS)


LOT_COLUMNS = [
    C("Lot", "text"), C("Lot ID", "int"), C("PO", "text"), C("Vendor", "text"), C("Item", "text"), C("Description", "text"), C("Serialized", "text"),
    C("Office", "text"), C("Received Date", "date"), C("Mfr Lot", "text"), C("Packing List", "text"),
    C("Ordered", "int"), C("Received", "int"), C("Used", "int"), C("Remaining", "int"), C("Unit Cost", "money"),
    C("Accrued Value", "money"), C("Used Value", "money"), C("Current Value", "money"),
    C("Days Since Received", "int"), C("Source File", "text"),
]


def lots(conn: Connection, period: Period, as_of: dt.date | None = None) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for r in q.live_lots(conn, as_of):
            remaining = r.qty_received - r.qty_used
            cost = Decimal(r.unit_cost)
            yield [lot_name(r.document, r.seq), r.id, r.po, r.vendor, r.item, r.description, _yn(r.serialized), r.office, r.received_date,
                   r.mfr_lot, r.packing_list, r.qty_ordered, r.qty_received, r.qty_used, remaining, cost,
                   cost * r.qty_received, cost * r.qty_used, cost * remaining,
                   (period.day - r.received_date).days, r.source_file]

    return DataSheet(
        "Lots", "Lots", LOT_COLUMNS,
        "Every lot (one receipt of a PO line, named <document>-<n>) at the end of the day: used = shipped or "
        "scrapped, less restocked returns; accrued value = received x unit cost, current value = remaining x "
        "unit cost. Lots voided by a reversed receipt are left out.",
        rows(), sums=("Received", "Used", "Remaining", "Accrued Value", "Used Value", "Current Value"),
        group_by="Serialized",
        totals=("Received", "Used", "Remaining", "Accrued Value", "Used Value", "Current Value"))


SERIAL_COLUMNS = [C("Serial", "text"), C("Item", "text"), C("Office", "text"), C("Bin", "text"), C("Lot", "text"),
                  C("Lot ID", "int"), C("Received Date", "date"), C("Unit Cost", "money"),
                  C("Days In Stock", "int")]


def serials_on_hand(conn: Connection, period: Period, as_of: dt.date | None = None) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        day = period.day
        for r in q.serials_on_hand(conn, as_of):
            yield [r.serial, r.item, r.office, r.bin, lot_name(r.lot, r.seq), r.lot_id, r.received_date, r.unit_cost,
                   (day - r.received_date).days]

    return DataSheet(
        "Serials on hand", "SerialsOnHand", SERIAL_COLUMNS,
        "Serial units in stock by office and bin, at their lot's unit cost; days in stock count from the lot's "
        "received date (a restocked return keeps its lot and its age).",
        rows(), sums=("Unit Cost",))


EXCEPTION_COLUMNS = [C("Kind", "text"), C("Office", "text"), C("Bin", "text"), C("Item", "text"),
                     C("Serial", "text"), C("Document", "text"), C("Ledger Says", "text"), C("Found", "text"),
                     C("Source", "text"), C("What To Do", "text"), C("Unit Cost", "money"),
                     C("Value At Risk", "money")]


def counts_used(conn: Connection, day: dt.date) -> str:
    """``Counts used: Boston 2026-11-20; Denver never counted.``"""
    parts = [f"{office} {counted.isoformat()}" if counted else f"{office} never counted"
             for office, counted in checks.count_dates(conn, day)]
    return "Counts used: " + ("; ".join(parts) if parts else "no offices") + "."


def exceptions(conn: Connection, day: dt.date | None = None, as_of: dt.date | None = None) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for f in checks.findings(conn, day, as_of):
            cost = Decimal(f.unit_cost) if f.unit_cost is not None else None
            yield [f.kind, f.office, f.bin, f.item, f.serial, f.document, f.ledger, f.found, f.source, f.action,
                   cost, cost if f.serial is not None else None]

    counted = f" {counts_used(conn, day)}" if day is not None else ""
    return DataSheet(
        "Exceptions", "Exceptions", EXCEPTION_COLUMNS,
        "Where the ledger disagrees with the latest count of each office (dated on or before the report's day), "
        "or with itself, and lots received against a PO line with no unit cost; each row says what to do, and a "
        "unit's value at risk is its lot's unit cost. Units "
        f"that moved after a count's date are not compared with that count.{counted}",
        rows(), group_by="Kind", sums=("Value At Risk",), totals=("Value At Risk",))


ACTIVITY_COLUMNS = [
    C("Transaction", "int"), C("Type", "text"), C("Date", "date"), C("Posted At", "datetime"), C("Item", "text"),
    C("Serial", "text"), C("Qty", "int"), C("Unit Cost", "money"), C("Value", "money"), C("Document", "text"),
    C("Office", "text"), C("Bin", "text"), C("Lot", "text"), C("Note", "text"), C("Batch", "int"),
    C("Source File", "text"), C("Sheet", "text"), C("Row", "int"), C("Reverses", "int"),
    C("Dropped By", "text"), C("Run By", "text"),
]


def activity(conn: Connection, period: Period) -> DataSheet:
    start = dt.datetime.combine(period.day, dt.time(0)).astimezone()
    end = dt.datetime.combine(period.day + dt.timedelta(days=1), dt.time(0)).astimezone()

    def rows() -> Iterator[list[Cell]]:
        for r in q.activity(conn, period.day, start.astimezone(dt.UTC), end.astimezone(dt.UTC)):
            yield [r.id, r.type, r.occurred_on, local_naive(r.created_at), r.item, r.serial, r.qty, r.unit_cost,
                   _times(r.unit_cost, r.qty), r.document, r.office, r.bin, r.lot, r.note, r.batch_id,
                   r.source_file, r.source_sheet, r.source_row, r.reverses_id,
                   DroppedBy(r.dropped_by_user, r.dropped_by_group).owner, r.run_by]

    return DataSheet(
        "Activity", "Activity", ACTIVITY_COLUMNS,
        f"Transactions dated {period.day.isoformat()} or posted that day, with the file, sheet and row each "
        f"came from, who dropped that file (its owner and group) and who ran the command (ingest, reverse). "
        f"Types: receipt, shipment, return, transfer_out and transfer_in (a move: out of its old place, into its "
        f"new one), adjustment (scrap, write_off or found: its note says which, and why), vendor_return, "
        f"reversal.", rows(), sums=("Qty",))


VALUATION_COLUMNS = [C("Item", "text"), C("Description", "text"), C("Serialized", "text"), C("Office", "text"),
                     C("Lots", "int"), C("On Hand", "int"), C("Value", "money"), C("Average Unit Cost", "money")]


def valuation(conn: Connection, as_of: dt.date | None = None) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for r in q.valuation(conn, as_of):
            value, on_hand = Decimal(r.value), int(r.on_hand)
            yield [r.item, r.description, _yn(r.serialized), r.office, int(r.lots), on_hand, value,
                   (value / on_hand).quantize(Decimal("0.0001"))]

    return DataSheet(
        "Valuation", "Valuation", VALUATION_COLUMNS,
        "Inventory on hand by item and office at the end of the day: the remaining quantity of the live lots "
        "at each lot's unit cost.",
        rows(), sums=("On Hand", "Value"), totals=("On Hand", "Value"))


COGS_COLUMNS = [C("Date", "date"), C("Type", "text"), C("Document", "text"), C("Item", "text"),
                C("Serial", "text"), C("Office", "text"), C("Lot", "text"), C("Qty", "int"), C("Unit Cost", "money"),
                C("COGS", "money"), C("Transaction", "int"), C("Reverses", "int"), C("Note", "text"),
                C("Source File", "text")]


def cogs(conn: Connection, period: Period) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for r in q.cogs_lines(conn, period):
            qty = r.qty * int(r.sign)
            yield [r.occurred_on, r.type, r.document, r.item, r.serial, r.office, r.lot, qty, r.unit_cost,
                   _times(r.unit_cost, qty), r.id, r.reverses_id, r.note, r.source_file]

    return DataSheet(
        "COGS", "COGS", COGS_COLUMNS,
        f"Cost of goods sold from {period.start.isoformat()} to {period.day.isoformat()}: shipments at their "
        f"lot's unit cost, less restocked returns and reversed shipments (negative quantities).",
        rows(), sums=("Qty", "COGS"), totals=("Qty", "COGS"))


ROLL_FORWARD_COLUMNS = [C("Item", "text"), C("Description", "text"), C("Opening Value", "money"),
                        C("Receipts", "money"), C("COGS", "money"), C("Adjustments", "money"),
                        C("Vendor Returns", "money"), C("Reversals", "money"), C("Closing Value", "money")]
#: Header row of the roll-forward's table, 0-based (title at 0, blank at 1): its closing formulas count on it.
ROLL_FORWARD_HEADER_ROW = 2


def roll_forward_sheet(conn: Connection, period: Period) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for index, line in enumerate(roll_forward(conn, period)):
            row = ROLL_FORWARD_HEADER_ROW + 2 + index  # 1-based Excel row of this line
            closing = (line.opening + line.receipts - line.cogs - line.adjustments - line.vendor_returns
                       + line.reversals)
            yield [line.item, line.description, line.opening, line.receipts, line.cogs, line.adjustments,
                   line.vendor_returns, line.reversals,
                   Formula(f"=C{row}+D{row}-E{row}-F{row}-G{row}+H{row}", float(closing))]

    return DataSheet(
        "Roll-forward", "RollForward", ROLL_FORWARD_COLUMNS,
        f"Inventory value by item from {period.start.isoformat()} to {period.day.isoformat()}: opening (the end "
        f"of the day before) + receipts - COGS (as on the COGS sheet) - adjustments (scrapped and written off, "
        f"less found) - vendor returns + reversals (reversed receipts) = closing, which the Summary ties to the "
        f"Valuation's total. Transfers move value between offices, not items: they are in no column.",
        rows(), sums=("Opening Value", "Receipts", "COGS", "Adjustments", "Vendor Returns", "Reversals"),
        totals=("Opening Value", "Receipts", "COGS", "Adjustments", "Vendor Returns", "Reversals",
                "Closing Value"))


WARRANTY_COLUMNS = [
    C("Warranty", "text"), C("Customer or Vendor", "text"), C("SO or PO", "text"), C("Item", "text"),
    C("Serial", "text"), C("Office", "text"), C("Bin", "text"), C("Started", "date"), C("Warranty Until", "date"),
    C("Days Left", "int"), C("Unit Cost", "money"), C("What To Do", "text", width=60)]


def warranties(conn: Connection, period: Period, horizon_days: int) -> DataSheet:
    def rows() -> Iterator[list[Cell]]:
        for w in lapsing(conn, period.day, horizon_days):
            todo = ("the customer's warranty ends: claims on it are ours until then" if w.which == "customer"
                    else "test it, or return it to the vendor, before the vendor's warranty lapses")
            yield [w.which, w.party, w.order, w.item, w.serial, w.office, w.bin, w.started, w.until,
                   (w.until - period.day).days, w.unit_cost, todo]

    return DataSheet(
        "Warranties", "Warranties", WARRANTY_COLUMNS,
        f"Warranties ending from {period.day.isoformat()} to "
        f"{(period.day + dt.timedelta(days=horizon_days)).isoformat()} ({horizon_days} days): shipped units' "
        "customer warranties (from the ship date), by customer and SO; then units in stock whose vendor "
        "warranty (from the received date) ends, by vendor and PO.", rows(), sums=("Unit Cost",),
        totals=("Unit Cost",))


def data_sheets(conn: Connection, period: Period, *, warranty_horizon_days: int = 90) -> list[DataSheet]:
    """The data sheets in workbook order (after the Summary). Their rows run the queries when read.

    Balances are as of the end of ``period.day``: replayed from the history when anything is dated later,
    read from the balance columns otherwise (the same answer, faster)."""
    as_of = period.day if history.later_activity(conn, period.day) else None
    return [open_pos(conn, as_of), open_sos(conn, as_of), lots(conn, period, as_of),
            serials_on_hand(conn, period, as_of), exceptions(conn, period.day, as_of), activity(conn, period),
            valuation(conn, as_of), cogs(conn, period), roll_forward_sheet(conn, period),
            warranties(conn, period, warranty_horizon_days)]

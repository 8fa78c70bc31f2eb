"""The Summary's formulas, recalculated by LibreOffice (no cached result left to read), equal the ledger's
own figures computed here straight from the database. Skipped where LibreOffice is not installed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reconcile_drops import DAY
from reconcile_office import SOFFICE, recalculated_summary, summary_values
from sqlalchemy import Connection, and_, func, or_, select

from serialtrack.ledger import schema as t
from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconcile

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _scalar(conn: Connection, query: Any) -> Decimal:
    return Decimal(conn.execute(query).scalar() or 0)


def ledger_figures(conn: Connection, day: dt.date) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """The figures as an accountant would get them from the ledger, independently of the exporter."""
    pl, so, lots, su, tx = t.po_lines, t.so_lines, t.lots, t.serial_units, t.transactions
    live = lots.c.reversed_batch_id.is_(None)
    remaining = lots.c.qty_received - lots.c.qty_used
    in_stock = su.c.status == "in_stock"
    open_po, open_so = pl.c.qty_received < pl.c.qty_ordered, so.c.qty_shipped < so.c.qty_ordered
    start = day.replace(day=1)
    in_period = and_(tx.c.occurred_on >= start, tx.c.occurred_on <= day)
    shipped = _scalar(conn, select(func.sum(tx.c.qty * tx.c.unit_cost)).where(tx.c.type == "shipment", in_period))
    restocked = _scalar(conn, select(func.sum(tx.c.qty * tx.c.unit_cost))
                        .where(tx.c.type == "return", tx.c.note.like("restock%"), in_period))
    shipped_qty = _scalar(conn, select(func.sum(tx.c.qty)).where(tx.c.type == "shipment", in_period))
    restocked_qty = _scalar(conn, select(func.sum(tx.c.qty))
                            .where(tx.c.type == "return", tx.c.note.like("restock%"), in_period))
    posted_from = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    return {
        "Open purchase order lines": (_scalar(conn, select(func.count()).where(open_po)), None),
        "Units still to receive on open POs": (
            _scalar(conn, select(func.sum(pl.c.qty_ordered - pl.c.qty_received)).where(open_po)),
            _scalar(conn, select(func.sum((pl.c.qty_ordered - pl.c.qty_received) * pl.c.unit_cost)).where(open_po))),
        "Open sales order lines": (_scalar(conn, select(func.count()).where(open_so)), None),
        "Units still to ship on open SOs": (
            _scalar(conn, select(func.sum(so.c.qty_ordered - so.c.qty_shipped)).where(open_so)),
            _scalar(conn, select(func.sum((so.c.qty_ordered - so.c.qty_shipped) * so.c.unit_price)).where(open_so))),
        "Lots": (_scalar(conn, select(func.count()).select_from(lots).where(live)), None),
        "Received into lots (accrued value)": (
            _scalar(conn, select(func.sum(lots.c.qty_received)).where(live)),
            _scalar(conn, select(func.sum(lots.c.qty_received * lots.c.unit_cost)).where(live))),
        "Used (shipped or scrapped, less restocked)": (
            _scalar(conn, select(func.sum(lots.c.qty_used)).where(live)),
            _scalar(conn, select(func.sum(lots.c.qty_used * lots.c.unit_cost)).where(live))),
        "Remaining in lots (current value)": (
            _scalar(conn, select(func.sum(remaining)).where(live)),
            _scalar(conn, select(func.sum(remaining * lots.c.unit_cost)).where(live))),
        "Serial units on hand": (
            _scalar(conn, select(func.count()).select_from(su).where(in_stock)),
            _scalar(conn, select(func.sum(lots.c.unit_cost)).select_from(su)
                    .join(lots, lots.c.id == su.c.lot_id).where(in_stock))),
        "Inventory on hand by item and office": (
            _scalar(conn, select(func.sum(remaining)).where(live)),
            _scalar(conn, select(func.sum(remaining * lots.c.unit_cost)).where(live))),
        f"Cost of goods sold, {start.isoformat()} to {day.isoformat()}": (
            shipped_qty - restocked_qty, shipped - restocked),
        f"Transactions on {day.isoformat()}": (
            _scalar(conn, select(func.count()).select_from(tx).where(or_(
                tx.c.occurred_on == day,
                and_(tx.c.created_at >= posted_from, tx.c.created_at < posted_from + dt.timedelta(days=1))))),
            None),
    }


def _close(actual: Any, expected: Decimal | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and abs(Decimal(str(actual)) - expected) < Decimal("0.005")


def test_reconcile_libreoffice__recalculated_totals_equal_the_ledger(dropped: Context, tmp_path: Path) -> None:
    out = reconcile(dropped, DAY)
    computed = recalculated_summary(out.workbook, tmp_path)
    with dropped.store.engine.connect() as conn:
        expected = ledger_figures(conn, DAY)
    assert expected["Serial units on hand"][0] == 6 and expected["Lots"][0] == 5  # the scenario is not empty
    for figure, (qty, amount) in expected.items():
        assert _close(computed[figure][0], qty), (figure, computed[figure], qty)
        assert _close(computed[figure][1], amount), (figure, computed[figure], amount)
    for figure in ("Check: serialized lots' remaining less serial units on hand (0 when they agree)",
                   "Check: lots' remaining less valuation (0 when they agree)"):
        assert computed[figure] == (0, 0), figure
    # the roll-forward ties to the valuation and to the COGS sheet once LibreOffice has recalculated it
    for figure in ("Check: roll-forward closing less valuation (0 when they agree)",
                   "Check: roll-forward COGS less the COGS sheet (0 when they agree)"):
        assert computed[figure] == (None, 0), figure
    closing = computed["Inventory value at the end of the period (roll-forward closing)"][1]
    assert _close(closing, expected["Inventory on hand by item and office"][1]), closing
    kinds = {k.removeprefix("Exceptions: "): v[0] for k, v in computed.items() if k.startswith("Exceptions: ")}
    assert {k: v for k, v in kinds.items() if v} == {"not-counted": 1, "counted-not-in-ledger": 1,
                                                      "po-over-received": 1}
    assert computed["Exceptions"][0] == 3
    # what Excel shows before recalculating (the cached results) is what LibreOffice computes
    cached = summary_values(out.workbook)
    for figure, (qty, amount) in computed.items():
        assert _close(cached[figure][0], None if qty is None else Decimal(str(qty))), figure
        assert _close(cached[figure][1], None if amount is None else Decimal(str(amount))), figure

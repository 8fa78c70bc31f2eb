"""Vendor returns: units (or a quantity) going back to the vendor of the PO they were received on. Each serial
must have been received on that PO (directly, or in a lot a transfer moved out of that PO's lot) and be in
stock; a quantity comes from that PO line's lots, first in, first out. The PO line's received quantity drops,
so a replacement can be received on the same PO. Each unit is marked in or out of its vendor warranty (the
item's ``vendor_warranty_months`` from its lot's received date) on the day it goes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.stock_rows import StockRow, stock_rows
from serialtrack.kinds.adjustments import fate
from serialtrack.kinds.base import (
    C,
    Checked,
    CheckEnv,
    FileKind,
    SummaryPair,
    codes,
    has_errors,
    no_rows,
    row_of,
    width_for,
)
from serialtrack.ledger import schema as t
from serialtrack.ledger.moves_view import (
    LastMove,
    last_moves,
    po_line_fifo,
    po_line_on_hand,
    split_picks,
    units_po,
)
from serialtrack.ledger.plan import LotPick, PostingPlan, StockUnit, VendorReturnLinePlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo
from serialtrack.ledger.vendor_return_undo import undo_vendor_returns
from serialtrack.ledger.view import LedgerView
from serialtrack.ledger.warranty import warranty_state, warranty_until
from serialtrack.records import Issue, KindName, SerialStatus, Source, plural
from serialtrack.rules.lines import serial_unknown


@dataclass(frozen=True)
class Context:
    """What the rules see beyond the view: the last move of each unit not in stock, the PO (and received date)
    of each unit in stock, and what each PO line's lots still hold."""

    view: LedgerView
    moves: Mapping[int, LastMove]
    po_of: Mapping[int, tuple[str | None, dt.date]]
    line_on_hand: Mapping[int, int]  # PO line id -> what its lots (and those moved out of them) hold


def _row_rules(r: StockRow, ctx: Context, first: dict[tuple[str, str], Source | None],
               wanted: dict[int, int]) -> list[Issue]:
    view = ctx.view
    number = r.text["po_number"] or ""
    po = view.purchase_orders.get(number)
    if po is None:
        return [Issue("po-unknown", f"purchase order {number} is not in the ledger; check the number",
                      r.where("po_number"))]
    item = view.items.get(r.item_code)
    if item is None:
        return [Issue("item-unknown", f"item {r.item_code} is not in the item list", r.item_cell.source)]
    line = po.lines.get(r.item_code)
    if line is None:
        return [Issue("po-line-missing", f"purchase order {number} has no line for item {r.item_code} (it orders "
                      f"{', '.join(sorted(po.lines)) or 'nothing'}); return the units on the PO they came on",
                      r.item_cell.source)]
    if not item.serialized:
        if r.cell("serials") is not None:
            return [Issue("serials-on-non-serialized-item", f"item {r.item_code} is not serialized, so it takes no "
                          "serials; give the quantity instead", r.where("serials"))]
        if not r.qty:
            return [Issue("qty-zero", f"PO {number} line {r.item_code}: this row returns nothing; give the quantity",
                          r.where("qty"))]
        wanted[line.id] = wanted.get(line.id, 0) + r.qty
        held = ctx.line_on_hand.get(line.id, 0)
        if wanted[line.id] > held:
            return [Issue("insufficient-stock", f"PO {number} line {r.item_code}: {wanted[line.id]} to return to "
                          f"the vendor but its lots hold only {held}", r.where("qty"))]
        return []
    issues: list[Issue] = []
    if not r.units:
        if not r.serials_refused:
            issues.append(Issue("serials-missing", f"item {r.item_code} is serialized: list the serials going back "
                                "to the vendor", r.where("serials")))
        return issues
    if r.qty is not None and r.qty != len(r.units) and not r.serials_refused:
        issues.append(Issue("serial-count-mismatch", f"this row says quantity {r.qty} but lists "
                            f"{plural(len(r.units), 'serial')}", r.where("serials")))
    for unit in r.units:
        key = (r.item_code, unit.serial)
        if key in first:
            at = first[key]
            issues.append(Issue("serial-duplicate-in-file", f"serial {unit.serial} of item {r.item_code} is listed "
                                f"twice in this file (first at {at.cell if at else '?'})", unit.source))
            continue
        first[key] = unit.source
        info = view.serial_units.get(key)
        if info is None or info.status == SerialStatus.REVERSED:
            issues.append(serial_unknown(unit.serial, r.item_code, unit.source))
        elif info.status != SerialStatus.IN_STOCK:
            issues.append(Issue("serial-not-in-stock", f"serial {unit.serial} of item {r.item_code} "
                                f"{fate(info, ctx.moves.get(info.id))}; only a unit in stock can go back to "
                                "the vendor", unit.source))
        else:
            came_on = ctx.po_of.get(info.id, (None, None))[0]
            if came_on != number:
                on = f"on PO {came_on}" if came_on else "without a purchase order (it was found)"
                issues.append(Issue("serial-not-on-po", f"serial {unit.serial} was received {on}, not on PO "
                                    f"{number}; return it on the PO it came on", unit.source))
    return issues


def check_vendor_returns(rows: Sequence[StockRow], ctx: Context) -> list[Issue]:
    first: dict[tuple[str, str], Source | None] = {}
    wanted: dict[int, int] = {}
    return [issue for r in rows for issue in _row_rules(r, ctx, first, wanted)]


def plan_vendor_returns(rows: Sequence[StockRow], ctx: Context, *, today: dt.date,
                        months: Mapping[str, int | None], picks: Mapping[int, Sequence[LotPick]],
                        total_rows: int) -> PostingPlan:
    view = ctx.view
    plans = []
    for index, r in enumerate(rows):
        number = r.text["po_number"] or ""
        line = view.purchase_orders[number].lines[r.item_code]
        units = []
        until: dict[int, dt.date | None] = {}
        for u in r.units:
            info = view.serial_units[(r.item_code, u.serial)]
            sheet, row = row_of(u.source)
            units.append(StockUnit(info.id, info.serial, info.lot_id, info.lot_document, Decimal(info.unit_cost),
                                   info.office_id, info.bin_id, info.bin, u.entry, sheet, row))
            until[info.id] = warranty_until(ctx.po_of.get(info.id, (None, None))[1], months.get(r.item_code))
        plans.append(VendorReturnLinePlan(
            number, r.item_code, r.count, r.text["reason"], r.text["rma"], r.date or today, tuple(units),
            ((r.sheet, r.row.number, r.count),), until, tuple(picks.get(index, ())), line.id, line.qty_ordered,
            line.qty_done, months.get(r.item_code)))
    return PostingPlan(KindName.VENDOR_RETURNS, vendor_returns=tuple(plans), rows=total_rows)


# -- the posted workbook -------------------------------------------------------------------------------------

def _in_or_out(until: dt.date | None, day: dt.date) -> str:
    return {"in": "in", "out": "out"}.get(warranty_state(until, day) or "", "no warranty")


def _unit_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for v in plan.vendor_returns:
        sheet, row = (v.rows[0][0], v.rows[0][1]) if v.rows else (None, None)
        for u in v.units:
            until = v.vendor_warranty_until.get(u.unit_id)
            yield [v.po_number, v.item_code, u.serial, 1, u.lot_document, u.bin, u.unit_cost, v.return_date, until,
                   _in_or_out(until, v.return_date), v.rma, v.reason, u.sheet, u.row]
        for p in v.picks:
            until = warranty_until(p.received_date, v.vendor_warranty_months)
            yield [v.po_number, v.item_code, None, p.qty, p.lot_document, None, p.unit_cost, v.return_date, until,
                   _in_or_out(until, v.return_date), v.rma, v.reason, sheet, row]


def _value(v: VendorReturnLinePlan) -> Decimal:
    return sum((u.unit_cost for u in v.units), Decimal(0)) + sum((p.unit_cost * p.qty for p in v.picks), Decimal(0))


def _warranty_counts(plan: PostingPlan) -> dict[str, int]:
    counts = {"in": 0, "out": 0, "no warranty": 0}
    for v in plan.vendor_returns:
        for u in v.units:
            counts[_in_or_out(v.vendor_warranty_until.get(u.unit_id), v.return_date)] += 1
        for p in v.picks:
            counts[_in_or_out(warranty_until(p.received_date, v.vendor_warranty_months), v.return_date)] += p.qty
    return counts


class VendorReturns(FileKind):
    name = KindName.VENDOR_RETURNS
    fields = Kind(KindName.VENDOR_RETURNS, ("po_number", "item_code", "qty", "serials", "reason", "rma",
                                            "return_date"),
                  frozenset({"po_number", "item_code"}), {"return_date": ("Date",)},
                  detect_needs=frozenset({"rma", "reason", "return_date"}))

    def reversal(self) -> Undo:
        return undo_vendor_returns

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        item_codes = codes(ingested, "item_code")
        items = env.store.view(items=item_codes)
        rows, issues = stock_rows(ingested.rows, required=(("po_number", "PO number"), ("item_code", "item code")),
                                  text_fields=("po_number", "reason", "rma"), date_field="return_date",
                                  policy=env.serial_policy, max_serials=env.max_serials,
                                  width_for=width_for(items, env.serial_policy))
        issues = no_rows(ingested) + issues
        wanted: dict[str, set[str]] = {}
        for r in rows:
            wanted.setdefault(r.item_code, set()).update(u.serial for u in r.units)
        view = env.store.view(items=item_codes, purchase_orders=codes(ingested, "po_number"), serials=wanted,
                              outbound=True)
        plain_lines = {line.id for r in rows if (po := view.purchase_orders.get(r.text["po_number"] or ""))
                       and (line := po.lines.get(r.item_code)) is not None
                       and (item := view.items.get(r.item_code)) is not None and not item.serialized}
        with env.store.engine.connect() as conn:
            units = view.serial_units.values()
            moves = last_moves(conn, [u.id for u in units if u.status not in (SerialStatus.IN_STOCK,
                                                                              SerialStatus.REVERSED)])
            po_of = units_po(conn, [u.id for u in units if u.status == SerialStatus.IN_STOCK])
            on_hand = {line_id: po_line_on_hand(conn, line_id) for line_id in plain_lines}
            months = dict(conn.execute(select(t.items.c.code, t.items.c.vendor_warranty_months)
                                       .where(t.items.c.code.in_(item_codes))).all())
        ctx = Context(view, moves, po_of, on_hand)
        issues += check_vendor_returns(rows, ctx)
        if has_errors(issues):
            return Checked(None, issues, view)
        plan = plan_vendor_returns(rows, ctx, today=env.today, months=months, picks=self._picks(env, rows, view),
                                   total_rows=len(ingested.rows))
        return Checked(plan, issues, view)

    @staticmethod
    def _picks(env: CheckEnv, rows: Sequence[StockRow], view: LedgerView) -> dict[int, list[LotPick]]:
        """Row index -> the lots its quantity comes from: the PO line's rows taken together, first in, first
        out, shared out in the file's order."""
        groups: dict[int, list[int]] = {}
        for index, r in enumerate(rows):
            if not view.items[r.item_code].serialized:
                groups.setdefault(view.purchase_orders[r.text["po_number"] or ""].lines[r.item_code].id,
                                  []).append(index)
        found: dict[int, list[LotPick]] = {}
        with env.store.engine.connect() as conn:
            for line_id, indexes in groups.items():
                sizes = [rows[i].count for i in indexes]
                picks, _short = po_line_fifo(conn, line_id, sum(sizes))
                for i, share in zip(indexes, split_picks(picks, sizes), strict=True):
                    found[i] = share
        return found

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.vendor_returns:
            return []
        warranty = _warranty_counts(plan)
        return [("Purchase orders", ", ".join(dict.fromkeys(v.po_number for v in plan.vendor_returns))),
                ("Units returned to vendor", sum(v.qty for v in plan.vendor_returns)),
                ("Value returned to vendor", sum((_value(v) for v in plan.vendor_returns), Decimal(0))),
                ("Units in vendor warranty", warranty["in"]),
                ("Units out of vendor warranty", warranty["out"]),
                ("Transactions created", result.transactions if result else 0)]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.vendor_returns:
            return []
        return [ReportSheet("Vendor Returns", [
            C("PO", "text"), C("Item", "text"), C("Serial", "text"), C("Qty", "int"), C("Lot", "text"),
            C("From Bin", "text"), C("Unit Cost", "money"), C("Return Date", "date"),
            C("Vendor Warranty Until", "date"), C("In/Out", "text"), C("RMA", "text"), C("Reason", "text"),
            C("Sheet", "text"), C("Row", "int")], _unit_rows(plan), totals=("Qty",))]

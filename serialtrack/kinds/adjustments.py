"""Adjustments: units (or a quantity) scrapped or written off from an office's stock, or found there. Each row
is one movement with its reason; serialized units are named by serial, plain stock is taken first in, first
out. A serial not in stock at the office is rejected naming where it is; a found serial the ledger knows is
rejected with what became of it and what to do instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.serial_gen import check_serial_rules
from serialtrack.ingest.stock_rows import StockRow, stock_rows
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
from serialtrack.ledger.adjustment_undo import undo_adjustments
from serialtrack.ledger.moves_view import LastMove, last_moves, office_fifo, receiving_bins, split_picks
from serialtrack.ledger.plan import AdjustmentLinePlan, LotPick, PostingPlan, StockUnit, UnitPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo
from serialtrack.ledger.view import LedgerView, SerialInfo
from serialtrack.records import Issue, KindName, SerialStatus, Severity, Source, plural
from serialtrack.rules.lines import office_unknown, serial_unknown

#: What clerks write in the Action column -> the action posted.
ACTIONS: Mapping[str, str] = {
    "scrap": "scrap", "scrapped": "scrap", "scrap it": "scrap",
    "write off": "write_off", "writeoff": "write_off", "written off": "write_off", "write-off": "write_off",
    "found": "found", "find": "found", "found it": "found",
}
#: The actions, in the order the summary and the template's drop-down list them.
ACTION_NAMES = ("scrap", "write_off", "found")
_DONE = {"scrap": "scrapped", "write_off": "written off", "found": "found"}


def action_of(text: str | None) -> str | None:
    """``Write-Off``, ``write off``, ``WRITE_OFF`` -> ``write_off``; None for anything else."""
    if text is None:
        return None
    key = " ".join(text.casefold().replace("_", " ").split())
    return ACTIONS.get(key) or ACTIONS.get(key.replace("-", " "))


def fate(info: SerialInfo, move: LastMove | None) -> str:
    """What became of a unit the ledger knows, as the end of a sentence starting "serial X ..."."""
    document = move.document if move is not None else None
    came_back = move is not None and move.type == "return"
    if info.status == SerialStatus.IN_STOCK:
        return f"is in stock at {info.office}" + (f" (bin {info.bin})" if info.bin else "")
    if info.status == SerialStatus.SHIPPED:
        return f"was shipped on {info.shipped_on or document or 'a sales order'}"
    if info.status == SerialStatus.SCRAPPED:
        if came_back:
            return f"was scrapped when it came back on {document}"
        action = (move.note or "").split(":")[0] if move is not None else "scrap"
        return f"was {_DONE.get(action, 'scrapped')} on {document or 'an adjustment'}"
    if info.status == SerialStatus.RETURNED_TO_VENDOR:
        if came_back:
            return f"was returned to the vendor when it came back on {document}"
        return f"was returned to the vendor on {document or 'its purchase order'}"
    return "is not in the ledger"


def _instead(info: SerialInfo, move: LastMove | None) -> str:
    """What to do instead of finding a unit the ledger knows."""
    if info.status == SerialStatus.IN_STOCK:
        return "nothing to find"
    if info.status == SerialStatus.SHIPPED:
        return "return it instead"
    what = {"return": "return", "vendor_return": "vendor return"}.get(move.type if move else "", "adjustment")
    return f"reverse that {what} instead"


# -- rules ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What the rules see beyond the view: each known unit's last move (for what became of it)."""

    view: LedgerView
    moves: Mapping[int, LastMove]


def _row_rules(r: StockRow, ctx: Context, first: dict[tuple[str, str], Source | None],
               wanted: dict[tuple[str, str], int]) -> list[Issue]:
    view = ctx.view
    issues: list[Issue] = []
    action = action_of(r.text["action"])
    if action is None:
        issues.append(Issue("action-unknown", f"action {r.text['action']!r} is not one of scrap, write off, found",
                            r.where("action")))
    if r.text["reason"] is None:
        issues.append(Issue("reason-missing", "give the reason for this adjustment (damaged, lost, count "
                            "difference ...); every adjustment keeps its reason", r.where("reason")))
    office = r.text["office"] or ""
    office_known = office.casefold() in view.offices
    if not office_known:
        issues.append(office_unknown(office, r.where("office")))
    item = view.items.get(r.item_code)
    if item is None:
        issues.append(Issue("item-unknown", f"item {r.item_code} is not in the item list", r.item_cell.source))
        return issues
    if not item.serialized:
        if r.cell("serials") is not None:
            issues.append(Issue("serials-on-non-serialized-item", f"item {r.item_code} is not serialized, so it "
                                "takes no serials; give the quantity instead", r.where("serials")))
        elif not r.qty:
            issues.append(Issue("qty-zero", f"item {r.item_code}: this row adjusts nothing; give the quantity",
                                r.where("qty")))
        elif action in ("scrap", "write_off") and office_known:
            key = (r.item_code, office.casefold())
            wanted[key] = wanted.get(key, 0) + r.qty
            on_hand = view.plain_on_hand.get(key, 0)
            if wanted[key] > on_hand:
                issues.append(Issue("insufficient-stock", f"item {r.item_code}: {wanted[key]} to "
                                    f"{action.replace('_', ' ')} at {office} but only {on_hand} on hand there",
                                    r.where("qty")))
            if r.text["bin"] is not None:
                issues.append(Issue("bin-not-used", f"item {r.item_code} has no serials, so its quantity is taken "
                                    f"from {office}'s oldest stock whatever the bin; the bin is not checked",
                                    r.where("bin"), Severity.WARNING))
        return issues
    if not r.units:
        if not r.serials_refused:
            issues.append(Issue("serials-missing", f"item {r.item_code} is serialized: list the serials to "
                                f"{(action or 'adjust').replace('_', ' ')}", r.where("serials")))
        return issues
    if r.qty is not None and r.qty != len(r.units) and not r.serials_refused:
        issues.append(Issue("serial-count-mismatch", f"this row says quantity {r.qty} but lists "
                            f"{plural(len(r.units), 'serial')}", r.where("serials")))
    if action == "found" and (item.serial_pattern or item.check_digit):
        issues += check_serial_rules(r.units, pattern=item.serial_pattern, luhn=item.check_digit == "luhn")
    for unit in r.units:
        key = (r.item_code, unit.serial)
        if key in first:
            at = first[key]
            issues.append(Issue("serial-duplicate-in-file", f"serial {unit.serial} of item {r.item_code} is listed "
                                f"twice in this file (first at {at.cell if at else '?'})", unit.source))
            continue
        first[key] = unit.source
        info = view.serial_units.get(key)
        known = info is not None and info.status != SerialStatus.REVERSED
        if action == "found":
            if info is not None and known:
                move = ctx.moves.get(info.id)
                issues.append(Issue("serial-already-in-ledger", f"serial {unit.serial} of item {r.item_code} "
                                    f"{fate(info, move)}: {_instead(info, move)}", unit.source))
        elif action is not None and office_known:
            verb = _DONE[action]
            if info is None or not known:
                issues.append(serial_unknown(unit.serial, r.item_code, unit.source))
            elif info.status != SerialStatus.IN_STOCK:
                issues.append(Issue("serial-not-in-stock", f"serial {unit.serial} of item {r.item_code} "
                                    f"{fate(info, ctx.moves.get(info.id))}; only a unit in stock can be {verb}",
                                    unit.source))
            elif (info.office or "").casefold() != office.casefold():
                issues.append(Issue("serial-wrong-office", f"serial {unit.serial} is at {info.office}, not "
                                    f"{office}; put its own office on the row", unit.source))
            elif r.text["bin"] is not None and (info.bin or "").casefold() != r.text["bin"].casefold():
                issues.append(Issue("serial-wrong-bin", f"serial {unit.serial} is at {info.office}, bin {info.bin}, "
                                    f"not in bin {r.text['bin']}; put {info.bin} in the bin, or leave it empty",
                                    unit.source))
    if action == "found" and r.unit_cost is None and item.est_unit_cost is None:
        issues.append(Issue("found-no-unit-cost", f"item {r.item_code} has no estimated cost and this row gives "
                            "no unit cost, so the found units are valued at 0; give the Unit Cost",
                            r.where("unit_cost"), Severity.WARNING))
    return issues


def check_adjustments(rows: Sequence[StockRow], ctx: Context) -> list[Issue]:
    first: dict[tuple[str, str], Source | None] = {}
    wanted: dict[tuple[str, str], int] = {}
    return [issue for r in rows for issue in _row_rules(r, ctx, first, wanted)]


# -- plan ----------------------------------------------------------------------------------------------------

def _stock_unit(info: SerialInfo, unit_entry: str, source: Source | None) -> StockUnit:
    sheet, row = row_of(source)
    return StockUnit(info.id, info.serial, info.lot_id, info.lot_document, Decimal(info.unit_cost), info.office_id,
                     info.bin_id, info.bin, unit_entry, sheet, row)


def plan_adjustments(rows: Sequence[StockRow], view: LedgerView, *, today: dt.date,
                     offices: Mapping[str, tuple[str, str]], picks: Mapping[int, Sequence[LotPick]],
                     total_rows: int) -> PostingPlan:
    """One plan line per row; ``picks``: row index -> the lots a plain scrap or write-off takes."""
    plans = []
    for index, r in enumerate(rows):
        action = action_of(r.text["action"]) or ""
        office, receiving_bin = offices[(r.text["office"] or "").casefold()]
        item = view.items[r.item_code]
        date = r.date or today
        cost = r.unit_cost if r.unit_cost is not None else item.est_unit_cost
        units: tuple[StockUnit, ...] = ()
        found: tuple[UnitPlan, ...] = ()
        bin_name = r.text["bin"]
        if item.serialized and action == "found":
            found = tuple(UnitPlan(u.serial, bin_name or receiving_bin, u.entry, *row_of(u.source),
                                   existing_id=_reversed_id(view, r.item_code, u.serial)) for u in r.units)
        elif item.serialized:
            units = tuple(_stock_unit(view.serial_units[(r.item_code, u.serial)], u.entry, u.source) for u in r.units)
        plans.append(AdjustmentLinePlan(
            office, r.item_code, action, r.text["reason"] or "", r.count,
            (bin_name or receiving_bin) if action == "found" else bin_name, date,
            (cost if cost is not None else Decimal(0)) if action == "found" else None, units, found,
            ((r.sheet, r.row.number, r.count),), tuple(picks.get(index, ()))))
    return PostingPlan(KindName.ADJUSTMENTS, adjustments=tuple(plans), rows=total_rows)


def _reversed_id(view: LedgerView, item_code: str, serial: str) -> int | None:
    info = view.serial_units.get((item_code, serial))
    return info.id if info is not None and info.status == SerialStatus.REVERSED else None


def _plain_picks(env: CheckEnv, rows: Sequence[StockRow], view: LedgerView) -> dict[int, list[LotPick]]:
    """Row index -> the lots its plain scrap or write-off takes, first in, first out, the file's rows for one
    (item, office) taken together in order."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, r in enumerate(rows):
        item = view.items[r.item_code]
        if not item.serialized and action_of(r.text["action"]) in ("scrap", "write_off"):
            groups.setdefault((r.item_code, (r.text["office"] or "").casefold()), []).append(index)
    found: dict[int, list[LotPick]] = {}
    with env.store.engine.connect() as conn:
        for (code, office), indexes in groups.items():
            sizes = [rows[i].count for i in indexes]
            picks, _short = office_fifo(conn, view.items[code].id, view.offices[office], sum(sizes))
            for i, share in zip(indexes, split_picks(picks, sizes), strict=True):
                found[i] = share
    return found


# -- the posted workbook -------------------------------------------------------------------------------------

def _words(action: str) -> str:
    return action.replace("_", " ")


def _value(a: AdjustmentLinePlan) -> Decimal:
    if a.action == "found":
        return (a.unit_cost or Decimal(0)) * a.qty
    return sum((u.unit_cost for u in a.units), Decimal(0)) + sum((p.unit_cost * p.qty for p in a.picks), Decimal(0))


def _unit_rows(plan: PostingPlan, result: PostResult | None) -> Iterator[list[Cell]]:
    new_lot = f"ADJ-{result.batch_id}" if result is not None else "(new lot)"
    for a in plan.adjustments:
        sheet, row = (a.rows[0][0], a.rows[0][1]) if a.rows else (None, None)
        for u in a.units:
            yield [_words(a.action), a.reason, u.serial, a.item_code, a.office, u.bin, u.lot_document, 1,
                   u.unit_cost, a.adjustment_date, u.sheet, u.row]
        for f in a.found:
            yield [_words(a.action), a.reason, f.serial, a.item_code, a.office, f.bin, new_lot, 1, a.unit_cost,
                   a.adjustment_date, f.sheet, f.row]
        for p in a.picks:
            yield [_words(a.action), a.reason, None, a.item_code, a.office, None, p.lot_document, p.qty,
                   p.unit_cost, a.adjustment_date, sheet, row]
        if a.action == "found" and not a.found:
            yield [_words(a.action), a.reason, None, a.item_code, a.office, a.bin, new_lot, a.qty, a.unit_cost,
                   a.adjustment_date, sheet, row]


class Adjustments(FileKind):
    name = KindName.ADJUSTMENTS
    fields = Kind(KindName.ADJUSTMENTS, ("office", "item_code", "action", "reason", "qty", "serials", "bin",
                                         "unit_cost", "adjustment_date"),
                  frozenset({"office", "item_code", "action", "reason"}), {"adjustment_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_adjustments

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        items = env.store.view(items=codes(ingested, "item_code"))
        rows, issues = stock_rows(ingested.rows, required=(("office", "office"), ("item_code", "item code"),
                                                           ("action", "action")),
                                  text_fields=("office", "action", "reason", "bin"), date_field="adjustment_date",
                                  policy=env.serial_policy, max_serials=env.max_serials,
                                  width_for=width_for(items, env.serial_policy), money_field="unit_cost")
        issues = no_rows(ingested) + issues
        wanted: dict[str, set[str]] = {}
        for r in rows:
            wanted.setdefault(r.item_code, set()).update(u.serial for u in r.units)
        view = env.store.view(items=codes(ingested, "item_code"), serials=wanted, outbound=True)
        with env.store.engine.connect() as conn:
            moves = last_moves(conn, [u.id for u in view.serial_units.values()
                                      if u.status not in (SerialStatus.IN_STOCK, SerialStatus.REVERSED)])
            offices = receiving_bins(conn)
        issues += check_adjustments(rows, Context(view, moves))
        if has_errors(issues):
            return Checked(None, issues, view)
        plan = plan_adjustments(rows, view, today=env.today, offices=offices, picks=_plain_picks(env, rows, view),
                                total_rows=len(ingested.rows))
        return Checked(plan, issues, view)

    def counts(self, plan: PostingPlan) -> dict[str, int]:
        """Units by action, for ``ingest --json`` (``scrapped``, ``written_off``, ``found``)."""
        return {_DONE[action].replace(" ", "_"): sum(a.qty for a in plan.adjustments if a.action == action)
                for action in ACTION_NAMES}

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.adjustments:
            return []
        pairs: list[SummaryPair] = []
        for action in ACTION_NAMES:
            lines = [a for a in plan.adjustments if a.action == action]
            pairs += [(f"Units {_DONE[action]}", sum(a.qty for a in lines)),
                      (f"Value {_DONE[action]}", sum((_value(a) for a in lines), Decimal(0)))]
        return pairs + [("Transactions created", result.transactions if result else 0)]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.adjustments:
            return []
        return [ReportSheet("Adjustments", [
            C("Action", "text"), C("Reason", "text"), C("Serial", "text"), C("Item", "text"), C("Office", "text"),
            C("Bin", "text"), C("Lot", "text"), C("Qty", "int"), C("Unit Cost", "money"), C("Date", "date"),
            C("Sheet", "text"), C("Row", "int")], _unit_rows(plan, result), totals=("Qty",))]

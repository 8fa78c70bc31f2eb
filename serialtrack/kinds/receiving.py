"""Receiving: a packing list against purchase orders. Rows -> order lines (PO, item) with their serials, serials
generated from ``next_serial`` where a line lists none, rules against the ledger view (fetched in two
set-based rounds: orders and items, then the file's serials), and one lot per PO line received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell, Formula
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.order_lines import OrderLine, order_lines, serials_by_item
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.serial_gen import check_serial_rules, generate_serials
from serialtrack.ingest.serials import SerialUnit
from serialtrack.kinds.base import (
    C,
    Checked,
    CheckEnv,
    FileKind,
    SummaryPair,
    cached,
    codes,
    has_errors,
    no_rows,
    width_for,
)
from serialtrack.ledger.office_store import offices_known
from serialtrack.ledger.plan import LotPlan, PostingPlan, UnitPlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo, undo_receiving
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, KindName, SerialStatus, Severity, plural
from serialtrack.rules.lines import (
    order_lines_known,
    row_count_mismatches,
    serials_on_plain_item,
    serials_unique_in_file,
)

# -- rules ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceivingPolicy:
    over_receipt_tolerance_percent: Decimal = Decimal(0)



def po_and_item_known(lines: Sequence[OrderLine], view: LedgerView, policy: ReceivingPolicy) -> list[Issue]:
    return order_lines_known(lines, view.purchase_orders, view, noun="purchase order", code="po")



def within_ordered_qty(lines: Sequence[OrderLine], view: LedgerView, policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    for line in lines:
        po = view.purchase_orders.get(line.number)
        po_line = po.lines.get(line.item_code) if po else None
        if po_line is None:
            continue
        allowed = po_line.qty_ordered + int(po_line.qty_ordered * policy.over_receipt_tolerance_percent / 100)
        if po_line.qty_done + line.qty > allowed:
            already = f"{po_line.qty_done} already received + " if po_line.qty_done else ""
            tolerance = (f" (with {policy.over_receipt_tolerance_percent}% tolerance: {allowed})"
                         if allowed != po_line.qty_ordered else "")
            issues.append(Issue("over-receipt", f"PO {line.number} line {line.item_code}: {already}{line.qty} "
                                f"in this file is more than the {po_line.qty_ordered} ordered{tolerance}",
                                line.first_qty_source))
        if line.qty == 0 and not any(r.serials_refused for r in line.rows):
            issues.append(Issue("qty-zero", f"PO {line.number} line {line.item_code} receives nothing "
                                "(quantity 0)", line.first_qty_source))
    return issues



def serials_match_qty(lines: Sequence[OrderLine], view: LedgerView, policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    for line in lines:
        item = view.items.get(line.item_code)
        if item is None:
            continue
        if not item.serialized:
            issues += serials_on_plain_item(line)
            continue
        if not line.has_serials and not line.generated:
            issues.append(Issue("serials-missing", f"item {line.item_code} is serialized: list its "
                                f"{plural(line.qty, 'serial')} (the item has no next serial to generate them from)",
                                line.first_qty_source))
            continue
        mismatches = row_count_mismatches(line)
        issues += mismatches
        if not mismatches and len(line.units) != line.qty and not any(r.serials_refused for r in line.rows):
            issues.append(Issue("serial-count-mismatch", f"PO {line.number} line {line.item_code}: quantity "
                                f"{line.qty} but {plural(len(line.units), 'serial')}", line.first_qty_source))
    return issues



def serials_once_in_file(lines: Sequence[OrderLine], view: LedgerView, policy: ReceivingPolicy) -> list[Issue]:
    return serials_unique_in_file(lines)


#: Units whose row a receipt takes up again (the unit is not new, its serial is): a reversed receipt's, and one
#: that went back to its vendor and comes back (repaired, or the vendor's replacement under the same serial).
RECEIVED_AGAIN = (SerialStatus.REVERSED, SerialStatus.RETURNED_TO_VENDOR)


def serials_new_to_ledger(lines: Sequence[OrderLine], view: LedgerView,
                          policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    for line in lines:
        known = view.known_serials.get(line.item_code, frozenset())
        if not known:
            continue
        for unit in line.units:
            if unit.serial in known:
                info = view.serial_units.get((line.item_code, unit.serial))
                if info is not None and info.status == SerialStatus.RETURNED_TO_VENDOR:
                    continue  # back from its vendor (repaired, or sent again): received again, in a new lot
                where = (f"{info.status.replace('_', ' ')} (lot {info.lot_document})" if info else "in the ledger")
                generated = " (generated from the item's next serial)" if unit in line.generated else ""
                issues.append(Issue("serial-already-in-ledger", f"serial {unit.serial}{generated} of item "
                                    f"{line.item_code} is already {where}; a unit is received once",
                                    unit.source))
    return issues



def serials_match_item_rules(lines: Sequence[OrderLine], view: LedgerView,
                             policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    for line in lines:
        item = view.items.get(line.item_code)
        if item is None or not item.serialized or not (item.serial_pattern or item.check_digit):
            continue
        issues += check_serial_rules(line.units, pattern=item.serial_pattern, luhn=item.check_digit == "luhn")
    return issues



def one_mfr_lot_per_line(lines: Sequence[OrderLine], view: LedgerView,
                         policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    for line in lines:
        lots = {r.mfr_lot for r in line.rows if r.mfr_lot}
        item = view.items.get(line.item_code)
        if len(lots) > 1:
            cell = next(r.mfr_lot_cell for r in line.rows if r.mfr_lot_cell is not None)
            issues.append(Issue("mfr-lot-conflict", f"PO {line.number} line {line.item_code} has several "
                                f"manufacturer lots ({', '.join(sorted(lots))}); send one file per lot",
                                cell.source))
        elif item is not None and item.track_mfr_lot and not lots:
            # the blank Mfr Lot cell of the line's first row, the cell the clerk fills in; the item's cell when
            # the sheet has no such column
            blank = line.rows[0].row.cells.get("mfr_lot") if line.rows else None
            issues.append(Issue("mfr-lot-missing", f"item {line.item_code} tracks manufacturer lots: give the "
                                "Mfr Lot for this line" + ("" if blank else " (add a Mfr Lot column)"),
                                (blank or line.item_cell).source))
    return issues



def po_line_has_unit_cost(lines: Sequence[OrderLine], view: LedgerView, policy: ReceivingPolicy) -> list[Issue]:
    """A warning, not an error: the lot posts, valued as ``plan_receipt`` values it (the item's estimated cost,
    else 0), and the reconciliation lists it under Exceptions (``no-unit-cost``) until purchasing gives the cost."""
    issues = []
    for line in lines:
        po = view.purchase_orders.get(line.number)
        po_line = po.lines.get(line.item_code) if po else None
        item = view.items.get(line.item_code)
        if po_line is None or item is None or po_line.price is not None:
            continue
        value = (f"the item's estimated cost, {item.est_unit_cost:,.2f} a unit" if item.est_unit_cost is not None
                 else "0, as the item has no estimated cost either")
        issues.append(Issue("po-line-no-unit-cost", f"PO {line.number} line {line.item_code} has no unit cost, so "
                            f"this lot is valued at {value}; ask purchasing to give the PO line its cost",
                            line.item_cell.source, Severity.WARNING))
    return issues


RECEIVING_RULES: list[Callable[[Sequence[OrderLine], LedgerView, ReceivingPolicy], list[Issue]]] = [
    po_and_item_known,
    within_ordered_qty,
    serials_match_qty,
    serials_once_in_file,
    serials_new_to_ledger,
    serials_match_item_rules,
    one_mfr_lot_per_line,
    po_line_has_unit_cost,
]



def check_receiving(lines: Sequence[OrderLine], view: LedgerView,
                    policy: ReceivingPolicy = ReceivingPolicy()) -> list[Issue]:
    return [issue for rule in RECEIVING_RULES for issue in rule(lines, view, policy)]



# -- lines, plan, kind ---------------------------------------------------------------------------------------

def _generate(lines: list[OrderLine], view: LedgerView, env: CheckEnv) -> tuple[dict[str, str], list[Issue]]:
    """Serials from ``next_serial`` for serialized lines that list none; the items' new next values."""
    next_values: dict[str, str] = {}
    issues: list[Issue] = []
    for line in lines:
        item = view.items.get(line.item_code)
        if item is None or not item.serialized or line.has_serials or not item.next_serial or line.qty <= 0:
            continue
        start = next_values.get(item.code, item.next_serial)
        serials, after, found = generate_serials(start, line.qty, policy=env.serial_policy,
                                                 source=line.first_qty_source)
        issues += found
        source = line.first_qty_source
        line.generated = [SerialUnit(s, f"generated from next serial {start}", source) for s in serials]
        next_values[item.code] = after
    return next_values, issues


def plan_receipt(lines: Sequence[OrderLine], view: LedgerView, *, today: dt.date, receiving_bin: str,
                 next_serials: Mapping[str, str], rows: int, policy: ReceivingPolicy = ReceivingPolicy(),
                 office_bins: Mapping[str, str] | None = None) -> PostingPlan:
    """One lot per received PO line, unit cost from the PO line, else the item's estimate, else 0. Units go to
    the row's bin, else the office's receiving bin (``office_bins``: office casefolded -> its receiving bin, as
    an offices file set it), else ``receiving_bin``."""
    lots = []
    default_bin = receiving_bin
    for line in lines:
        po = view.purchase_orders[line.number]
        receiving_bin = (office_bins or {}).get(po.office.casefold(), default_bin)
        po_line = po.lines[line.item_code]
        item = view.items[line.item_code]
        unit_cost = po_line.price if po_line.price is not None else (item.est_unit_cost or Decimal(0))
        dates = [r.date for r in line.rows if r.date]
        row_bins = [r.bin for r in line.rows if r.bin]
        lot_bin = row_bins[0] if row_bins else receiving_bin
        units = []
        for unit, row_bin in _units_with_bins(line):
            src = unit.source
            sheet, row = (src.sheet, src.row) if src is not None else (None, None)
            known = view.serial_units.get((line.item_code, unit.serial))
            units.append(UnitPlan(unit.serial, row_bin or receiving_bin, unit.entry, sheet, row,
                                  known.id if known is not None and known.status in RECEIVED_AGAIN else None))
        mfr_lot = next((r.mfr_lot for r in line.rows if r.mfr_lot), None)
        lots.append(LotPlan(
            document=f"PO-{line.number}", po_number=line.number, item_code=line.item_code, office=po.office,
            received_date=min(dates) if dates else today, qty_ordered=po_line.qty_ordered, qty=line.qty,
            qty_previously_received=po_line.qty_done, unit_cost=Decimal(unit_cost), bin=lot_bin, mfr_lot=mfr_lot,
            packing_list=line.packing_list, units=tuple(units) if item.serialized else (),
            # each row's (sheet, row, qty) is the transaction of a lot without units; a lot with units posts
            # one transaction a unit, with the unit's own row, so it keeps no row list (72 bytes a row)
            rows=() if units and item.serialized else tuple((r.sheet, r.number, r.moved) for r in line.rows),
            qty_allowed=po_line.qty_ordered + int(po_line.qty_ordered * policy.over_receipt_tolerance_percent / 100)))
    return PostingPlan(KindName.RECEIVING, lots=tuple(lots), next_serials=dict(next_serials), rows=rows)


def _units_with_bins(line: OrderLine) -> Iterator[tuple[SerialUnit, str | None]]:
    """Each unit of ``line`` (as ``line.units`` lists them) with the bin of the row its cell is on, None when
    that row gives none. A row's own units are on that row, so its bin is taken straight from it; a unit whose
    cell is elsewhere (a generated serial, at its line's first quantity) is looked up by sheet and row, in a
    table made only then (not one entry a row of a million-row sheet)."""
    bins: dict[tuple[str | None, int | None], str] | None = None

    def bin_at(unit: SerialUnit) -> str | None:
        nonlocal bins
        if bins is None:
            bins = {(r.sheet, r.number): r.bin for r in line.rows if r.bin}
        src = unit.source
        return bins.get((src.sheet, src.row) if src is not None else (None, None))

    for r in line.rows:
        sheet, number = r.sheet, r.number
        for unit in r.units:
            src = unit.source
            on_row = src is not None and src.row == number and src.sheet == sheet
            yield unit, (r.bin if on_row else bin_at(unit))
    for unit in line.generated:
        yield unit, bin_at(unit)


def _lot_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for lot in plan.lots:
        received = lot.qty_previously_received + lot.qty
        yield [lot.po_number, lot.item_code, lot.document, lot.office, lot.qty_ordered, lot.qty_previously_received,
               lot.qty, max(lot.qty_ordered - received, 0), lot.unit_cost, lot.unit_cost * lot.qty,
               lot.received_date, lot.mfr_lot, lot.packing_list]


def _serial_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for lot in plan.lots:
        for u in lot.units:
            yield [u.serial, lot.item_code, lot.document, u.bin, u.entry, u.sheet, u.row]


class Receiving(FileKind):
    name = KindName.RECEIVING
    noun = "receiving files"
    fields = Kind(KindName.RECEIVING, ("po_number", "item_code", "qty", "serials", "description", "packing_list",
                                       "received_date", "bin", "mfr_lot", "vendor"),
                  frozenset({"po_number", "item_code"}), {"received_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_receiving

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        rows = ingested.rows
        first = env.store.view(items=codes(ingested, "item_code"), purchase_orders=codes(ingested, "po_number"))
        lines, issues = order_lines(rows, policy=env.serial_policy, width_for=width_for(first, env.serial_policy),
                                    max_serials=env.max_serials)
        issues = no_rows(ingested) + issues
        next_values, generation_issues = _generate(lines, first, env)
        issues += generation_issues
        known = env.store.view(serials=serials_by_item(lines))
        view = LedgerView(items=first.items, purchase_orders=first.purchase_orders,
                          known_serials=known.known_serials, serial_units=known.serial_units)
        policy = ReceivingPolicy(env.over_receipt_tolerance_percent)
        issues += check_receiving(lines, view, policy)
        if has_errors(issues):
            return Checked(None, issues, view)
        office_bins = {key: office.receiving_bin for key, office in offices_known(env.store.engine).items()}
        plan = plan_receipt(lines, view, today=env.today, receiving_bin=env.receiving_bin,
                            next_serials=next_values, rows=len(rows), policy=policy, office_bins=office_bins)
        return Checked(plan, issues, view)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.lots:
            return []
        return [("Purchase orders", ", ".join(dict.fromkeys(lot.po_number for lot in plan.lots))),
                ("PO lines received", len(plan.lots)),
                ("Units received", plan.units),
                ("Lots created", result.lots if result else 0),
                ("Transactions created", result.transactions if result else 0),
                ("Value received", Formula("=SUM(Lines[Value])", cached(Decimal(plan.value)), "money"))]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.lots:
            return []
        return [
            ReportSheet("Lines", [
                C("PO", "text"), C("Item", "text"), C("Lot", "text"), C("Office", "text"), C("Ordered", "int"),
                C("Previously Received", "int"), C("This Receipt", "int"), C("Remaining", "int"),
                C("Unit Cost", "money"), C("Value", "money"), C("Received Date", "date"), C("Mfr Lot", "text"),
                C("Packing List", "text")], _lot_rows(plan), totals=("This Receipt", "Value")),
            ReportSheet("Serials", [
                C("Serial", "text"), C("Item", "text"), C("Lot", "text"), C("Bin", "text"), C("Entry", "text"),
                C("Sheet", "text"), C("Row", "int")], _serial_rows(plan)),
        ]

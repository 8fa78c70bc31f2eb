"""Transfers: units (or quantities) moving between offices and bins. A serialized unit keeps its cost and
moves into a lot made at the destination for its source lot; a non-serialized quantity is taken first in, first
out from the from-office's lots. Value does not change; where it stands does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from serialtrack.exporters.report import ReportSheet
from serialtrack.exporters.xlsx import Cell
from serialtrack.ingest.fields import Kind
from serialtrack.ingest.reader import Ingested
from serialtrack.ingest.transfer_lines import TransferLine, serials_by_item, transfer_lines
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
from serialtrack.ledger.office_store import OfficeInfo, offices_known
from serialtrack.ledger.plan import PostingPlan, StockUnit, TransferLinePlan
from serialtrack.ledger.posting import PostResult
from serialtrack.ledger.reverse_store import Undo
from serialtrack.ledger.transfer_undo import undo_transfers
from serialtrack.ledger.view import LedgerView, SerialInfo
from serialtrack.records import Issue, KindName, SerialStatus, Severity, plural
from serialtrack.rules.lines import (
    office_unknown,
    row_count_mismatches,
    serial_unknown,
    serials_on_plain_item,
    serials_unique_in_file,
)


@dataclass(frozen=True)
class TransferView:
    """What the transfer rules read: the ledger view (items, units, plain stock) and the offices with their
    bins."""

    ledger: LedgerView
    offices: Mapping[str, OfficeInfo]

    def to_bin(self, line: TransferLine) -> str | None:
        """Where the line's units go: its to-bin, else the to-office's receiving bin (None: office unknown)."""
        office = self.offices.get(line.to_office.casefold())
        return line.to_bin or (office.receiving_bin if office else None)


Lines = Sequence[TransferLine]


# -- rules ---------------------------------------------------------------------------------------------------

def places_known(lines: Lines, view: TransferView) -> list[Issue]:
    issues = []
    for line in lines:
        if line.item_code not in view.ledger.items:
            issues.append(Issue("item-unknown", f"item {line.item_code} is not in the item list",
                                line.line.item_cell.source))
        for office, cell in ((line.from_office, line.line.number_cell), (line.to_office, line.to_cell)):
            if office.casefold() not in view.offices:
                issues.append(office_unknown(office, cell.source))
    return issues


def places_differ(lines: Lines, view: TransferView) -> list[Issue]:
    """From and to are different places: another office, or another bin of the same office."""
    issues = []
    for line in lines:
        if line.from_office.casefold() != line.to_office.casefold() or line.from_office.casefold() not in view.offices:
            continue
        to_bin = view.to_bin(line)
        if line.from_bin is None and line.to_bin is None:
            issues.append(Issue("transfer-same-place", f"this row moves {line.item_code} from {line.from_office} to "
                                f"{line.to_office} without naming bins; name the from bin and the to bin to move "
                                "stock inside one office", line.to_cell.source))
        elif line.from_bin is not None and (to_bin or "").casefold() == line.from_bin.casefold():
            where = line.to_bin_cell or line.to_cell
            issues.append(Issue("transfer-same-place", f"this row moves {line.item_code} from bin {line.from_bin} "
                                f"of {line.from_office} to the same bin; name another to bin or office",
                                where.source))
    return issues


def quantities_given(lines: Lines, view: TransferView) -> list[Issue]:
    """A serialized item lists its serials, as many as the quantity; a plain one lists none; nothing moves 0."""
    issues = []
    for line in lines:
        item = view.ledger.items.get(line.item_code)
        if item is None:
            continue
        as_order = line.as_order_line()
        for row in line.rows:  # each row, also one of several rows of a line (which would otherwise be silent)
            if row.moved == 0 and not row.serials_refused:
                where = row.qty_cell or row.row.get("item_code")
                issues.append(Issue("qty-zero", f"this row moves no {line.item_code} (quantity 0); give the "
                                    "quantity or remove the row", where.source if where else row.source))
        if not item.serialized:
            issues += serials_on_plain_item(as_order)
            if line.from_bin_cell is not None:
                issues.append(Issue("from-bin-not-used", f"item {line.item_code} has no serials, so its quantity is "
                                    f"taken from {line.from_office}'s oldest stock whatever the bin; the from bin "
                                    "is not checked", line.from_bin_cell.source, Severity.WARNING))
            continue
        issues += row_count_mismatches(as_order)
        issues += [Issue("serials-missing", f"item {line.item_code} is serialized: list the "
                         f"{plural(row.qty or 0, 'serial')} this row moves", row.qty_cell.source if row.qty_cell
                         else row.source) for row in line.rows if not row.units and not row.serials_refused
                   and row.serial_cell is None and row.qty]
    return issues


def serials_once_in_file(lines: Lines, view: TransferView) -> list[Issue]:
    return serials_unique_in_file(lines, "each unit moves once per file")


def _where(info: SerialInfo) -> str:
    return f"{info.office}, bin {info.bin}" if info.bin else f"{info.office}"


def serials_at_from_place(lines: Lines, view: TransferView) -> list[Issue]:
    """Each serial is in stock at the from-office (and from-bin when given); otherwise say where it is."""
    issues = []
    for line in lines:
        item = view.ledger.items.get(line.item_code)
        if item is None or not item.serialized:
            continue
        to_bin = view.to_bin(line)
        same_office = line.from_office.casefold() == line.to_office.casefold()
        for unit in line.units:
            info = view.ledger.serial_units.get((line.item_code, unit.serial))
            if info is None or info.status == SerialStatus.REVERSED:
                issues.append(serial_unknown(unit.serial, line.item_code, unit.source))
            elif info.status != SerialStatus.IN_STOCK:
                how = (f"was shipped on {info.shipped_on}" if info.status == SerialStatus.SHIPPED and info.shipped_on
                       else f"is {info.status.replace('_', ' ')}")
                issues.append(Issue("serial-not-in-stock", f"serial {unit.serial} of item {line.item_code} is not in "
                                    f"stock: it {how}; only units in stock can move", unit.source))
            elif (info.office or "").casefold() != line.from_office.casefold():
                issues.append(Issue("serial-wrong-office", f"serial {unit.serial} is at {_where(info)}, not at "
                                    f"{line.from_office}; put {info.office} in the from office", unit.source))
            elif line.from_bin is not None and (info.bin or "").casefold() != line.from_bin.casefold():
                issues.append(Issue("serial-wrong-bin", f"serial {unit.serial} is at {_where(info)}, not in bin "
                                    f"{line.from_bin}; put {info.bin} in the from bin, or leave it empty",
                                    unit.source))
            elif same_office and (info.bin or "").casefold() == (to_bin or "").casefold():
                issues.append(Issue("transfer-same-place", f"serial {unit.serial} is already at {_where(info)}, "
                                    "where this row moves it; leave it out or name another to bin", unit.source))
    return issues


def plain_stock_sufficient(lines: Lines, view: TransferView) -> list[Issue]:
    issues = []
    wanted: dict[tuple[str, str], int] = {}
    for line in lines:
        item = view.ledger.items.get(line.item_code)
        if item is None or item.serialized:
            continue
        key = (line.item_code, line.from_office.casefold())
        wanted[key] = wanted.get(key, 0) + line.qty
        on_hand = view.ledger.plain_on_hand.get(key, 0)
        if wanted[key] > on_hand:
            issues.append(Issue("insufficient-stock", f"item {line.item_code}: {wanted[key]} to move from "
                                f"{line.from_office} but only {on_hand} on hand there", line.first_qty_source))
    return issues


TRANSFER_RULES: list[Callable[[Lines, TransferView], list[Issue]]] = [
    places_known, places_differ, quantities_given, serials_once_in_file, serials_at_from_place,
    plain_stock_sufficient,
]


def check_transfers(lines: Lines, view: TransferView) -> list[Issue]:
    return [issue for rule in TRANSFER_RULES for issue in rule(lines, view)]


# -- plan, kind ----------------------------------------------------------------------------------------------

def plan_transfers(lines: Lines, view: TransferView, *, today: dt.date, rows: int) -> PostingPlan:
    plans = []
    for line in lines:
        units = []
        for unit in line.units:
            known = view.ledger.serial_units[(line.item_code, unit.serial)]
            sheet, row = row_of(unit.source)
            units.append(StockUnit(known.id, unit.serial, known.lot_id, known.lot_document, Decimal(known.unit_cost),
                                   known.office_id, known.bin_id, known.bin, unit.entry, sheet, row))
        plans.append(TransferLinePlan(
            line.item_code, view.offices[line.from_office.casefold()].name, line.from_bin,
            view.offices[line.to_office.casefold()].name, view.to_bin(line), line.qty, line.date or today,
            line.reference, tuple(units),
            tuple((r.sheet, r.number, r.moved) for r in line.rows)))
    return PostingPlan(KindName.TRANSFERS, transfers=tuple(plans), rows=rows)


def _moved_rows(plan: PostingPlan) -> Iterator[list[Cell]]:
    for t in plan.transfers:
        if not t.units:
            sheet, row = (t.rows[0][0], t.rows[0][1]) if t.rows else (None, None)
            yield [None, t.item_code, t.qty, t.from_office, t.from_bin, t.to_office, t.to_bin, None, None,
                   t.transfer_date, t.reference, sheet, row]
        for u in t.units:
            yield [u.serial, t.item_code, 1, t.from_office, u.bin, t.to_office, t.to_bin, u.lot_document,
                   u.unit_cost, t.transfer_date, t.reference, u.sheet, u.row]


class Transfers(FileKind):
    name = KindName.TRANSFERS
    fields = Kind(KindName.TRANSFERS, ("item_code", "from_office", "to_office", "qty", "serials", "from_bin",
                                       "to_bin", "transfer_date", "reference"),
                  frozenset({"item_code", "from_office", "to_office"}), {"transfer_date": ("Date",)})

    def reversal(self) -> Undo:
        return undo_transfers

    def check(self, ingested: Ingested, env: CheckEnv) -> Checked:
        items = env.store.view(items=codes(ingested, "item_code"))
        lines, issues = transfer_lines(ingested.rows, policy=env.serial_policy, max_serials=env.max_serials,
                                       width_for=width_for(items, env.serial_policy))
        issues = no_rows(ingested) + issues
        ledger = env.store.view(items=codes(ingested, "item_code"), serials=serials_by_item(lines), outbound=True)
        view = TransferView(ledger, offices_known(env.store.engine))
        issues += check_transfers(lines, view)
        if has_errors(issues):
            return Checked(None, issues, ledger)
        return Checked(plan_transfers(lines, view, today=env.today, rows=len(ingested.rows)), issues, ledger)

    def summary(self, plan: PostingPlan, result: PostResult | None) -> list[SummaryPair]:
        if not plan.transfers:
            return []
        value = sum((u.unit_cost for t in plan.transfers for u in t.units), Decimal(0))
        plain = any(not t.units for t in plan.transfers)
        return [("From offices", ", ".join(dict.fromkeys(t.from_office for t in plan.transfers))),
                ("To offices", ", ".join(dict.fromkeys(t.to_office for t in plan.transfers))),
                ("Transfer lines", len(plan.transfers)),
                ("Units moved", plan.units),
                ("Value moved (serialized units; others keep their lots' cost)" if plain else "Value moved", value),
                ("Lots created", result.lots if result else 0),
                ("Transactions created", result.transactions if result else 0)]

    def sheets(self, plan: PostingPlan, result: PostResult | None) -> list[ReportSheet]:
        if not plan.transfers:
            return []
        return [ReportSheet("Transfers", [
            C("Serial", "text"), C("Item", "text"), C("Qty", "int"), C("From Office", "text"), C("From Bin", "text"),
            C("To Office", "text"), C("To Bin", "text"), C("Lot", "text"), C("Unit Cost", "money"),
            C("Transfer Date", "date"), C("Reference", "text"), C("Sheet", "text"), C("Row", "int")],
            _moved_rows(plan), totals=("Qty",))]

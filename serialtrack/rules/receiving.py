"""Rules for receiving (SPEC "Rules"): each a small pure function over the file's lines and the ledger view.

The PO exists and holds the item; received so far plus this file stays within the ordered qty (tolerance
configurable); a serialized line has exactly qty serials; a non-serialized line has none; serials are unique
within the file and unknown to the ledger for that item; they match the item's pattern and check digit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from serialtrack.ingest.order_lines import OrderLine
from serialtrack.ingest.serial_gen import check_serial_rules
from serialtrack.ledger.view import LedgerView, OrderInfo
from serialtrack.records import Issue, Source


@dataclass(frozen=True)
class ReceivingPolicy:
    over_receipt_tolerance_percent: Decimal = Decimal(0)


def order_lines_known(lines: Sequence[OrderLine], orders: Mapping[str, OrderInfo], view: LedgerView, *,
                      noun: str, code: str) -> list[Issue]:
    """The order exists and holds the item: shared by receiving (purchase orders) and shipping (sales orders).
    ``code`` is ``po`` or ``so``, the prefix of the Issue codes."""
    issues = []
    for line in lines:
        order = orders.get(line.number)
        if order is None:
            issues.append(Issue(f"{code}-unknown", f"{noun} {line.number} is not in the ledger; drop the "
                                f"{code.upper()} file first, or check the number", line.number_cell.source))
        elif line.item_code not in view.items:
            issues.append(Issue("item-unknown", f"item {line.item_code} is not in the item list",
                                line.item_cell.source))
        elif line.item_code not in order.lines:
            issues.append(Issue(f"{code}-line-missing", f"{noun} {line.number} has no line for item "
                                f"{line.item_code} (it orders {', '.join(sorted(order.lines)) or 'nothing'})",
                                line.item_cell.source))
    return issues


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
        if line.qty == 0:
            issues.append(Issue("qty-zero", f"PO {line.number} line {line.item_code} receives nothing "
                                "(quantity 0)", line.first_qty_source))
    return issues


def serials_on_plain_item(line: OrderLine) -> list[Issue]:
    """Serials given for an item that is not serialized, one Issue per cell (receiving and shipping)."""
    return [Issue("serials-on-non-serialized-item", f"item {line.item_code} is not serialized, so it takes no "
                  "serials; remove them or fix the item", row.serial_cell.source)
            for row in line.rows if row.serial_cell is not None]


def row_count_mismatches(line: OrderLine) -> list[Issue]:
    """Rows whose quantity differs from the serials they list (receiving and shipping)."""
    return [Issue("serial-count-mismatch", f"this row says quantity {row.qty} but lists {len(row.units)} "
                  "serials", row.serial_cell.source)
            for row in line.rows
            if row.qty is not None and row.serial_cell is not None and len(row.units) != row.qty]


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
            issues.append(Issue("serials-missing", f"item {line.item_code} is serialized: list its {line.qty} "
                                "serials (the item has no next serial to generate them from)",
                                line.first_qty_source))
            continue
        mismatches = row_count_mismatches(line)
        issues += mismatches
        if not mismatches and len(line.units) != line.qty:
            issues.append(Issue("serial-count-mismatch", f"PO {line.number} line {line.item_code}: quantity "
                                f"{line.qty} but {len(line.units)} serials", line.first_qty_source))
    return issues


def serials_unique_in_file(lines: Sequence[OrderLine], view: LedgerView,
                           policy: ReceivingPolicy) -> list[Issue]:
    issues = []
    first: dict[tuple[str, str], Source | None] = {}
    reported: set[tuple[str, str, Source | None]] = set()
    for line in lines:
        for unit in line.units:
            key = (line.item_code, unit.serial)
            if key not in first:
                first[key] = unit.source
                continue
            earlier = first[key]
            again = (line.item_code, unit.serial, unit.source)
            if unit.source == earlier or again in reported:
                continue  # again within one cell: the parser already said so
            reported.add(again)
            where = (earlier.cell or str(earlier.row)) if earlier else "?"
            issues.append(Issue("serial-duplicate-in-file", f"serial {unit.serial} of item {line.item_code} "
                                f"appears again (first at {where}); each unit is received once", unit.source))
    return issues


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
            issues.append(Issue("mfr-lot-missing", f"item {line.item_code} tracks manufacturer lots: give the "
                                "Mfr Lot for this line", line.item_cell.source))
    return issues


RECEIVING_RULES: list[Callable[[Sequence[OrderLine], LedgerView, ReceivingPolicy], list[Issue]]] = [
    po_and_item_known,
    within_ordered_qty,
    serials_match_qty,
    serials_unique_in_file,
    serials_new_to_ledger,
    serials_match_item_rules,
    one_mfr_lot_per_line,
]


def check_receiving(lines: Sequence[OrderLine], view: LedgerView,
                    policy: ReceivingPolicy = ReceivingPolicy()) -> list[Issue]:
    return [issue for rule in RECEIVING_RULES for issue in rule(lines, view, policy)]

"""The receipt for a posted file: ``outbox/<name>.posted.xlsx`` (or ``.dry-run.xlsx`` for ``--dry-run``).

Summary first (file, kind, vendor, batch, counts, value), then what was posted: items, order lines, or for a
packing list its PO lines (ordered, previously received, this receipt, remaining) and every serial with the
entry it expanded from, so a clerk can audit a span. Money is formatted wherever it appears. A packing list's
Lines carry a totals row, and the Summary's "Value received" is a formula over that column. A shipment's
Lines carry each line's cost of goods shipped (serialized or not: ``line_costs`` from the ledger once posted)
and the Summary's "Cost of goods shipped" is their total, the figure the reconciliation's COGS shows for the
batch; a dry run, which takes nothing from stock, shows the serialized units' cost only and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from serialtrack.exporters.report import ReportSheet, summary_sheet, write_report
from serialtrack.exporters.xlsx import ColumnSpec, Formula
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.store import BatchMeta, PostResult

C = ColumnSpec
#: Cost of goods shipped per (SO number, item) of a posted batch (``ledger.receipts.shipment_costs``).
LineCosts = Mapping[tuple[str, str], Decimal]


def _cached(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _line_cost(line: Any, costs: LineCosts | None) -> Decimal | None:
    if costs is not None:
        return costs.get((line.so_number, line.item_code), Decimal(0))
    return line.cost if line.units else None  # dry run: a non-serialized line's lots are picked when it posts


def _summary(
    meta: BatchMeta, plan: PostingPlan, result: PostResult | None, vendor: str | None, notes: Sequence[str],
    costs: LineCosts | None = None,
) -> ReportSheet:
    pairs: list[tuple[str, Any]] = [
        ("File", meta.file_name),
        ("Kind", plan.kind),
        ("Status", "posted" if result else "dry run: checked, nothing posted"),
        ("Batch", result.batch_id if result else None),
        ("Processed at", (meta.started_at or dt.datetime.now(dt.UTC)).astimezone().replace(tzinfo=None)),
        ("Content SHA-256", meta.sha256),
        ("Rows read", plan.rows),
    ]
    if vendor:
        pairs.insert(2, ("Vendor", vendor))
    if plan.items:
        pairs += [
            ("Items created", sum(c.new for c in plan.items)),
            ("Items updated", sum(not c.new for c in plan.items)),
        ]
    if plan.orders:
        pairs += [
            ("Orders created", sum(o.new for o in plan.orders)),
            ("Orders updated", sum(not o.new for o in plan.orders)),
            ("Order lines", sum(len(o.lines) for o in plan.orders)),
        ]
    if plan.shipments:
        pairs += [("Sales orders", ", ".join(dict.fromkeys(s.so_number for s in plan.shipments))),
                  ("SO lines shipped", len(plan.shipments)),
                  ("Units shipped", sum(s.qty for s in plan.shipments)),
                  ("Cost of goods shipped" if costs is not None else
                   "Cost of goods shipped (serialized lines; others are costed when posted)",
                   Formula("=SUM(Lines[Cost])", _cached(sum((_line_cost(s, costs) or Decimal(0)
                                                             for s in plan.shipments), Decimal(0))), "money")),
                  ("Transactions created", result.transactions if result else 0)]
    if plan.returns:
        for disposition in ("restock", "scrap", "return_to_vendor"):
            pairs.append((f"Units returned: {disposition.replace('_', ' ')}",
                          sum(r.disposition == disposition for r in plan.returns)))
    if plan.counts:
        pairs += [("Serials counted", len(plan.counts)),
                  ("Duplicate scans", sum(c.scans - 1 for c in plan.counts))]
    if plan.lots:
        pairs += [
            ("Purchase orders", ", ".join(dict.fromkeys(lot.po_number for lot in plan.lots))),
            ("PO lines received", len(plan.lots)),
            ("Units received", plan.units),
            ("Lots created", result.lots if result else 0),
            ("Transactions created", result.transactions if result else 0),
            ("Value received", Formula("=SUM(Lines[Value])", _cached(Decimal(plan.value)), "money")),
        ]
    pairs += [("Note", note) for note in notes]
    return summary_sheet(pairs)


def _item_rows(plan: PostingPlan) -> Iterator[list[Any]]:
    for c in plan.items:
        v = c.values
        yield [
            c.code,
            "created" if c.new else "updated",
            v.get("description"),
            _yes(v.get("serialized")),
            _yes(v.get("track_mfr_lot")),
            v.get("next_serial"),
            v.get("est_unit_cost"),
            v.get("uom"),
            v.get("serial_pattern"),
        ]


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("Y" if value else "N")


def _order_rows(plan: PostingPlan) -> Iterator[list[Any]]:
    for o in plan.orders:
        for line in o.lines:
            yield [
                o.number,
                "created" if o.new else "updated",
                o.office,
                o.party,
                line.item_code,
                line.qty,
                line.price,
                o.order_date,
            ]


def _lot_rows(plan: PostingPlan, result: PostResult | None) -> Iterator[list[Any]]:
    for lot in plan.lots:
        received = lot.qty_previously_received + lot.qty
        yield [
            lot.po_number,
            lot.item_code,
            lot.document,
            lot.office,
            lot.qty_ordered,
            lot.qty_previously_received,
            lot.qty,
            max(lot.qty_ordered - received, 0),
            lot.unit_cost,
            lot.unit_cost * lot.qty,
            lot.received_date,
            lot.mfr_lot,
            lot.packing_list,
        ]


def _serial_rows(plan: PostingPlan) -> Iterator[list[Any]]:
    for lot in plan.lots:
        for u in lot.units:
            yield [u.serial, lot.item_code, lot.document, u.bin, u.entry, u.sheet, u.row]


def _shipment_rows(plan: PostingPlan, costs: LineCosts | None) -> Iterator[list[Any]]:
    for s in plan.shipments:
        shipped = s.qty_previously_shipped + s.qty
        cost = _line_cost(s, costs)
        unit = (cost / s.qty).quantize(Decimal("0.0001")) if cost is not None and s.qty else None
        yield [s.so_number, s.item_code, s.office, s.qty_ordered, s.qty_previously_shipped, s.qty,
               max(s.qty_ordered - shipped, 0), unit, cost, s.ship_date, s.carrier, s.tracking]


def posted_sheets(
    meta: BatchMeta,
    plan: PostingPlan,
    result: PostResult | None,
    vendor: str | None = None,
    notes: Sequence[str] = (),
    line_costs: LineCosts | None = None,
) -> list[ReportSheet]:
    sheets = [_summary(meta, plan, result, vendor, notes, line_costs)]
    if plan.items:
        sheets.append(
            ReportSheet(
                "Items",
                [
                    C("Item", "text"),
                    C("Change", "text"),
                    C("Description", "text"),
                    C("Serialized", "text"),
                    C("Track Mfr Lot", "text"),
                    C("Next Serial", "text"),
                    C("Est Unit Cost", "money"),
                    C("UOM", "text"),
                    C("Serial Pattern", "text"),
                ],
                _item_rows(plan),
            )
        )
    if plan.orders:
        party, price = (
            ("Vendor", "Unit Cost") if plan.kind == "purchase_orders" else ("Customer", "Unit Price")
        )
        sheets.append(
            ReportSheet(
                "Lines",
                [
                    C("Order", "text"),
                    C("Change", "text"),
                    C("Office", "text"),
                    C(party, "text"),
                    C("Item", "text"),
                    C("Qty Ordered", "int"),
                    C(price, "money"),
                    C("Order Date", "date"),
                ],
                _order_rows(plan),
            )
        )
    if plan.lots:
        sheets.append(
            ReportSheet(
                "Lines",
                [
                    C("PO", "text"),
                    C("Item", "text"),
                    C("Lot", "text"),
                    C("Office", "text"),
                    C("Ordered", "int"),
                    C("Previously Received", "int"),
                    C("This Receipt", "int"),
                    C("Remaining", "int"),
                    C("Unit Cost", "money"),
                    C("Value", "money"),
                    C("Received Date", "date"),
                    C("Mfr Lot", "text"),
                    C("Packing List", "text"),
                ],
                _lot_rows(plan, result),
                totals=("This Receipt", "Value"),
            )
        )
        sheets.append(
            ReportSheet(
                "Serials",
                [
                    C("Serial", "text"),
                    C("Item", "text"),
                    C("Lot", "text"),
                    C("Bin", "text"),
                    C("Entry", "text"),
                    C("Sheet", "text"),
                    C("Row", "int"),
                ],
                _serial_rows(plan),
            )
        )
    if plan.shipments:
        sheets.append(ReportSheet("Lines", [
            C("SO", "text"), C("Item", "text"), C("Office", "text"), C("Ordered", "int"),
            C("Previously Shipped", "int"), C("This Shipment", "int"), C("Open", "int"), C("Unit Cost", "decimal"),
            C("Cost", "money"), C("Ship Date", "date"), C("Carrier", "text"), C("Tracking", "text")],
            _shipment_rows(plan, line_costs), totals=("This Shipment", "Cost")))
        sheets.append(ReportSheet("Serials", [
            C("Serial", "text"), C("Item", "text"), C("SO", "text"), C("Lot", "text"), C("Unit Cost", "money"),
            C("From Bin", "text"), C("Entry", "text"), C("Sheet", "text"), C("Row", "int")],
            ([u.serial, s.item_code, s.so_number, u.lot_document, u.unit_cost, u.bin, u.entry, u.sheet, u.row]
             for s in plan.shipments for u in s.units)))
    if plan.returns:
        sheets.append(ReportSheet("Returns", [
            C("Serial", "text"), C("Item", "text"), C("SO", "text"), C("Disposition", "text"), C("Reason", "text"),
            C("Lot", "text"), C("Unit Cost", "money"), C("Return Date", "date"), C("Sheet", "text"),
            C("Row", "int")],
            ([r.serial, r.item_code, r.so_number, r.disposition, r.reason, r.lot_document, r.unit_cost,
              r.return_date, r.sheet, r.row] for r in plan.returns)))
    if plan.counts:
        sheets.append(ReportSheet("Counts", [
            C("Office", "text"), C("Bin", "text"), C("Item", "text"), C("Serial", "text"), C("Scans", "int"),
            C("Count Date", "date"), C("Sheet", "text"), C("Row", "int")],
            ([c.office, c.bin, c.item_code, c.serial, c.scans, c.count_date, c.sheet, c.row] for c in plan.counts)))
    return sheets


def write_posted(
    path: Path,
    meta: BatchMeta,
    plan: PostingPlan,
    result: PostResult | None,
    vendor: str | None = None,
    notes: Sequence[str] = (),
    line_costs: LineCosts | None = None,
) -> Path:
    write_report(path, posted_sheets(meta, plan, result, vendor, notes, line_costs),
                 report_date=(meta.started_at or dt.datetime.now(dt.UTC)).astimezone().date())
    return path


__all__ = ["posted_sheets", "write_posted"]

"""Applying transfers: units and quantities moved between offices and bins, through lots made at the
destination, inside the store's transaction (issue 16).

For each unit moved, two transactions: ``transfer_out`` from the lot it left, where it was, then ``transfer_in``
into the destination lot, where it went, both at the lot's cost. The destination lot is one new lot per
(source lot, destination office) in the batch, a copy of the source lot's document, date, cost, manufacturer lot
and packing list, pointing at the received lot it came from (``origin_lot_id``), holding what moved into it. The
source lot's ``qty_used`` grows by what left it. Units change lot, office and bin only where they still stand
where the check saw them (``guard``), so of two transfers of one unit only one posts; a non-serialized quantity
is taken first in, first out from the from-office's live lots under the lots' own CHECK (never used beyond what
they received)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from serialtrack.ledger import schema as t
from serialtrack.ledger.guard import Conflict, guarded_update
from serialtrack.ledger.outbound_store import item_ids, take_fifo, use_lots
from serialtrack.ledger.plan import PostingPlan, StockUnit, TransferLinePlan
from serialtrack.ledger.posting import Posting, ensure_bins
from serialtrack.ledger.sql import bulk_insert, new_id, office_ids_named
from serialtrack.records import SerialStatus


@dataclass
class _Move:
    """What one plan line takes from one source lot."""

    line: TransferLinePlan
    item_id: int
    from_office: int
    to_office: int
    to_bin: int
    lot_id: int
    qty: int
    cost: Decimal
    units: list[StockUnit] = field(default_factory=list)  # empty for a non-serialized quantity


def _office_id(conn: Connection, name: str) -> int:
    found = office_ids_named(conn, name)
    if not found:
        raise Conflict(f"office {name} is no longer in the ledger")
    return found[0]


def _bin_id(conn: Connection, office_id: int, name: str | None) -> int:
    """The office's bin called ``name`` whatever its case (the rules compare bins so), made on first use; None:
    the office's receiving bin."""
    if name is None:
        name = conn.execute(select(t.offices.c.receiving_bin).where(t.offices.c.id == office_id)).scalar_one()
    wanted = name.casefold()
    for bin_id, known in conn.execute(select(t.bins.c.id, t.bins.c.name).where(t.bins.c.office_id == office_id)
                                      .order_by(t.bins.c.id)):
        if known.casefold() == wanted:
            return int(bin_id)
    return ensure_bins(conn, office_id, [name])[name]


def _moves(conn: Connection, plan: PostingPlan, items: dict[str, int]) -> list[_Move]:
    """Each line's units grouped by source lot, and each plain line's first-in, first-out pick (the lots it
    takes are used at once, so the next line of the same item picks from what is left)."""
    moves: list[_Move] = []
    for line in plan.transfers:
        item_id = items[line.item_code]
        from_office, to_office = _office_id(conn, line.from_office), _office_id(conn, line.to_office)
        to_bin = _bin_id(conn, to_office, line.to_bin)
        if line.units:
            by_lot: dict[int, _Move] = {}
            for u in line.units:
                move = by_lot.get(u.lot_id)
                if move is None:
                    move = by_lot[u.lot_id] = _Move(line, item_id, from_office, to_office, to_bin, u.lot_id, 0,
                                                    u.unit_cost)
                move.qty += 1
                move.units.append(u)
            moves += by_lot.values()
            use_lots(conn, Counter({lot_id: move.qty for lot_id, move in sorted(by_lot.items())}))
        else:
            taken = take_fifo(conn, item_id, from_office, line.qty)
            use_lots(conn, Counter({lot_id: qty for lot_id, qty, _ in taken}))
            moves += [_Move(line, item_id, from_office, to_office, to_bin, lot_id, qty, cost)
                      for lot_id, qty, cost in taken]
    return moves


def _destination_lots(conn: Connection, posting: Posting, moves: list[_Move]) -> dict[tuple[int, int], int]:
    """(source lot, destination office) -> the new lot holding what moved there from that lot."""
    into: Counter[tuple[int, int]] = Counter()
    for move in moves:
        into[(move.lot_id, move.to_office)] += move.qty
    lots = t.lots.c
    sources = {r.id: r for r in conn.execute(
        select(lots.id, lots.document, lots.item_id, lots.received_date, lots.unit_cost, lots.mfr_lot,
               lots.packing_list, lots.origin_lot_id).where(lots.id.in_(sorted({k[0] for k in into}))))}
    made = {}
    for (lot_id, office_id), qty in sorted(into.items()):
        source = sources[lot_id]
        made[(lot_id, office_id)] = new_id(conn.execute(insert(t.lots).values(
            document=source.document, item_id=source.item_id, office_id=office_id, po_line_id=None,
            batch_id=posting.batch_id, received_date=source.received_date, qty_ordered=qty, qty_received=qty,
            qty_used=0, unit_cost=source.unit_cost, mfr_lot=source.mfr_lot, packing_list=source.packing_list,
            origin_lot_id=source.origin_lot_id or source.id)))
    return made


def _move_units(conn: Connection, moves: list[_Move], made: dict[tuple[int, int], int]) -> None:
    """Units change lot and place only where they still stand in stock where the check saw them."""
    su = t.serial_units.c
    for move in moves:
        if not move.units:
            continue
        line = move.line
        still = [su.status == SerialStatus.IN_STOCK, su.office_id == move.from_office, su.lot_id == move.lot_id]
        bins = {u.bin_id for u in move.units}
        if line.from_bin is not None and len(bins) == 1:  # the rules saw every unit in that one bin
            still.append(su.bin_id == next(iter(bins)))
        guarded_update(conn, t.serial_units, [u.unit_id for u in move.units],
                       {"lot_id": made[(move.lot_id, move.to_office)], "office_id": move.to_office,
                        "bin_id": move.to_bin},
                       still, f"serials of {line.item_code} moving from {line.from_office} are no longer there")


def _transactions(conn: Connection, posting: Posting, moves: list[_Move], made: dict[tuple[int, int], int]) -> int:
    """Per move, its ``transfer_out`` rows then its ``transfer_in`` rows (so each unit's out precedes its in),
    one bulk insert each with what the move's rows share given once (``constant``)."""
    batch_id, meta, now = posting.batch_id, posting.meta, posting.now
    written = 0
    for move in moves:
        line = move.line
        shared = {"batch_id": batch_id, "item_id": move.item_id, "document": line.reference or f"TR-{batch_id}",
                  "occurred_on": line.transfer_date, "created_at": now, "source_file": meta.file_name,
                  "source_sha256": meta.sha256, "unit_cost": move.cost, "note": None}
        out = dict(shared, type="transfer_out", lot_id=move.lot_id, office_id=move.from_office)
        into = dict(shared, type="transfer_in", lot_id=made[(move.lot_id, move.to_office)], office_id=move.to_office,
                    bin_id=move.to_bin)
        if move.units:
            written += bulk_insert(conn, t.transactions, ("serial_unit_id", "bin_id", "qty", "source_sheet",
                                                          "source_row"),
                                   ((u.unit_id, u.bin_id, 1, u.sheet, u.row) for u in move.units), constant=out)
            written += bulk_insert(conn, t.transactions, ("serial_unit_id", "qty", "source_sheet", "source_row"),
                                   ((u.unit_id, 1, u.sheet, u.row) for u in move.units), constant=into)
        else:
            sheet, row = (line.rows[0][0], line.rows[0][1]) if line.rows else (None, None)
            plain = ("serial_unit_id", "qty", "source_sheet", "source_row")
            written += bulk_insert(conn, t.transactions, (*plain, "bin_id"), [(None, move.qty, sheet, row, None)],
                                   constant=out)
            written += bulk_insert(conn, t.transactions, plain, [(None, move.qty, sheet, row)], constant=into)
    return written


def apply_transfers(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's transfers; returns (lots made, units, transactions)."""
    if not plan.transfers:
        return 0, 0, 0
    items = item_ids(conn, {line.item_code for line in plan.transfers})
    moves = _moves(conn, plan, items)
    made = _destination_lots(conn, posting, moves)
    _move_units(conn, moves, made)
    written = _transactions(conn, posting, moves, made)
    return len(made), sum(line.qty for line in plan.transfers), written

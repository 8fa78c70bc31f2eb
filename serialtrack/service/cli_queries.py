"""Query commands: ``serial``, ``lots``, ``stock``. Thin layers over ``serialtrack.ledger.queries``."""

from __future__ import annotations

from typing import Any

import click

from serialtrack.ingest.serials import normalize_serial
from serialtrack.ledger import queries
from serialtrack.ledger.lookups import units_for
from serialtrack.ledger.warranty import warranty_state
from serialtrack.records import DroppedBy, SerialStatus
from serialtrack.service.cli_common import EXIT_FAILED, UserError, context_for, print_json
from serialtrack.service.context import Context
from serialtrack.service.home import Home


def _by(row: dict[str, Any]) -> DroppedBy:
    return DroppedBy(row["dropped_by_user"], row["dropped_by_group"], row["run_by"])


def lookup_serial(ctx: Context, serial: str, item_code: str | None = None) -> dict[str, Any]:
    """Where a serial is and its history; raises UserError when unknown or ambiguous."""
    normal = normalize_serial(serial, ctx.serial_policy)
    with ctx.store.engine.connect() as conn:  # the same facts a lookup file is answered with
        held = units_for(conn, [normal]).get(normal, [])
    matches = [u for u in held if item_code is None or u.item_code == item_code]
    if not matches:
        raise UserError(f"serial {serial} is not in the ledger"
                        + (f" for item {item_code}" if item_code else ""), EXIT_FAILED)
    if len(matches) > 1:
        codes = ", ".join(m.item_code for m in matches)
        raise UserError(f"serial {normal} is held by several items ({codes}); say which with --item", EXIT_FAILED)
    unit = matches[0]
    history = queries.serial_history(ctx.store.engine, unit.id)
    sent_back = [h["date"] for h in history if h["type"] == "vendor_return" and h["batch_status"] == "posted"]
    at_return = (warranty_state(unit.vendor_warranty_until, sent_back[-1])
                 if unit.status == SerialStatus.RETURNED_TO_VENDOR and sent_back else None)
    return {
        "item_code": unit.item_code, "serial": unit.serial, "status": unit.status,
        "office": unit.office, "bin": unit.bin, "lot": unit.lot,
        "warranty_until": unit.warranty_until.isoformat() if unit.warranty_until else None,
        "vendor_warranty_until": (unit.vendor_warranty_until.isoformat() if unit.vendor_warranty_until
                                  else None),
        #: a unit returned to its vendor: "in" or "out" of its vendor warranty on the day it went back (null:
        #: not returned to the vendor, or the item has no vendor warranty)
        "vendor_warranty_at_return": at_return,
        "history": [{"type": h["type"], "date": h["date"].isoformat(), "document": h["document"], "file": h["file"],
                     "sheet": h["sheet"], "row": h["row"], "batch": h["batch"], "by": _by(h).as_json()}
                    for h in history],
    }


@click.command()
@click.argument("serial")
@click.option("--item", "item_code", help="Item code, when several items hold the serial.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def serial(home: Home, serial: str, item_code: str | None, as_json: bool) -> None:
    """Where SERIAL is now and everything that happened to it."""
    with context_for(home) as ctx:
        found = lookup_serial(ctx, serial, item_code)
    if as_json:
        print_json(found)
        return
    place = f"{found['office']} / {found['bin']}" if found["office"] else "-"
    click.echo(f"{found['item_code']} {found['serial']}: {found['status']} at {place}, lot {found['lot']}")
    if found["vendor_warranty_at_return"]:
        state = {"in": "within", "out": "out of"}[found["vendor_warranty_at_return"]]
        click.echo(f"  went back to the vendor {state} its vendor warranty (until {found['vendor_warranty_until']})")
    for h in found["history"]:
        where = f"{h['file']} › {h['sheet']} › row {h['row']}" if h["sheet"] else (h["file"] or "")
        by = DroppedBy(**h["by"])
        click.echo(f"  {h['date']}  {h['type']:<13} {h['document'] or '':<14} batch {h['batch']}  {where}"
                   + (f"  by {by}" if str(by) else ""))


def _money(value: Any) -> str:
    return f"{value:,.2f}"


def refuse_unknown(ctx: Context, *, item_code: str | None = None, office: str | None = None,
                   po_number: str | None = None) -> None:
    """A filter naming nothing the ledger knows is an error (exit 1), not an empty answer: ``stock --item NOPE``
    must not read as "none in stock"."""
    engine = ctx.store.engine
    if item_code and not queries.item_known(engine, item_code):
        raise UserError(f"unknown item {item_code}", EXIT_FAILED)
    if office and not queries.office_known(engine, office):
        raise UserError(f"unknown office {office}", EXIT_FAILED)
    if po_number and not queries.purchase_order_known(engine, po_number):
        raise UserError(f"unknown purchase order {po_number}", EXIT_FAILED)


def _lot_line(r: dict[str, Any]) -> str:
    reversed_by = f" (REVERSED by batch {r['reversed_batch_id']}: holds nothing)" if r["reversed"] else ""
    return (f"{r['document']} {r['item_code']} @ {r['office']} received {r['received_date']}{reversed_by}: "
            f"ordered {r['qty_ordered']}, received {r['qty_received']}, used {r['qty_used']}, "
            f"remaining {r['qty_remaining']}; unit cost {_money(r['unit_cost'])}, "
            f"remaining value {_money(r['value_remaining'])}")


@click.command()
@click.option("--item", "item_code", help="Only lots of this item.")
@click.option("--po", "po_number", help="Only lots received on this purchase order.")
@click.option("--serial", "serial_text", help="Only the lot holding this serial.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def lots(home: Home, item_code: str | None, po_number: str | None, serial_text: str | None, as_json: bool) -> None:
    """Lots with ordered, received, used and remaining quantities and values, and the serials remaining; a lot
    whose receipt was reversed says so. Exit 1 when --item or --po names nothing the ledger knows."""
    with context_for(home) as ctx:
        refuse_unknown(ctx, item_code=item_code, po_number=po_number)
        normal = normalize_serial(serial_text, ctx.serial_policy) if serial_text else None
        rows = queries.lots_report(ctx.store.engine, item_code=item_code, po_number=po_number, serial=normal)
    if as_json:
        print_json([{k: (str(v) if k.startswith("value") or k == "unit_cost" else v) for k, v in r.items()}
                    for r in rows])
        return
    if not rows:
        click.echo("no lots")
        return
    for r in rows:
        click.echo(_lot_line(r))
        if r.get("serials_remaining"):
            shown = r["serials_remaining"]
            more = f" ... (+{len(shown) - 20})" if len(shown) > 20 else ""
            click.echo(f"  remaining serials: {', '.join(shown[:20])}{more}")


@click.command()
@click.option("--item", "item_code", help="Only this item.")
@click.option("--office", help="Only this office.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stock(home: Home, item_code: str | None, office: str | None, as_json: bool) -> None:
    """On-hand quantities per item, office and bin, with serials for serialized items. Exit 1 when --item or
    --office names nothing the ledger knows."""
    with context_for(home) as ctx:
        refuse_unknown(ctx, item_code=item_code, office=office)
        rows = queries.stock_report(ctx.store.engine, item_code=item_code, office=office)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("nothing in stock")
        return
    for r in rows:
        click.echo(f"{r['item_code']} @ {r['office']} / {r['bin'] or '-'}: {r['on_hand']}")
        if r.get("serials"):
            more = f" ... (+{len(r['serials']) - 20})" if len(r["serials"]) > 20 else ""
            click.echo(f"  {', '.join(r['serials'][:20])}{more}")

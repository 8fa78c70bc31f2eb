"""``serialtrack demo``: sample master data and packing lists dropped into the home's inbox and run through,
so a new user sees posted and rejected workbooks in a minute. The files are built here with openpyxl, like a
clerk's: a title block above the header, aliased headers, spans, lists and one file with mistakes."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from serialtrack.ledger.queries import batches_recorded
from serialtrack.records import plural
from serialtrack.service.access import current_user
from serialtrack.service.context import Context
from serialtrack.service.pipeline import Outcome, process_file


def _save(path: Path, title: list[list[object]], header: list[str], rows: list[list[object]],
          sheet: str = "Sheet1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for line in title:
        ws.append(line)
    ws.append(header)
    for row in rows:
        ws.append(row)
    for column in "ABCDEFG":
        ws.column_dimensions[column].width = 18
    wb.save(path)
    return path


def demo_files(inbox: Path) -> list[Path]:
    """The demo's files, in the order they are processed."""
    return [
        _save(inbox / "items" / "demo-items.xlsx", [["Demo Co. item master"], []],
              ["Item Code", "Description", "Serialized", "Est Unit Cost", "Next Serial", "UOM"],
              [["DC-IP3VO-4", "IP camera, 4 MP", "Y", 118.00, None, "EA"],
               ["SW-24P", "24-port switch", "Y", 340.00, "SW0098", "EA"],
               ["CAT6-3M", "Patch cable 3 m", "N", 2.10, None, "EA"]], "Items"),
        _save(inbox / "purchase_orders" / "demo-po-60006.xlsx", [["Purchase order 60006"], []],
              ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost", "Order Date"],
              [["60006", "Acme Components", "Main", "DC-IP3VO-4", 12, 112.50, "2026-11-02"],
               ["60006", "Acme Components", "Main", "SW-24P", 3, 329.00, "2026-11-02"],
               ["60006", "Acme Components", "Main", "CAT6-3M", 50, 1.95, "2026-11-02"]], "PO"),
        _save(inbox / "receiving" / "demo-packing-list-0425.xlsx",
              [["ACME COMPONENTS - PACKING LIST"], ["PO #: 60006"], ["Packing List", "PL-0425"], []],
              ["Item", "Qty", "Serial No", "Bin"],
              [["DC-IP3VO-4", 2, "134593568, 200937842", "A-01"],
               ["DC-IP3VO-4", 10, "300001000...300001009", "A-02"],
               ["SW-24P", 3, None, None],
               ["CAT6-3M", 50, None, "C-10"],
               ["Total", 65, None, None]], "Packing List"),
        _save(inbox / "receiving" / "demo-packing-list-0426-with-mistakes.xlsx",
              [["ACME COMPONENTS - PACKING LIST"], ["PO #", 60006], []],
              ["Item", "Qty", "Serial No"],
              [["DC-IP3VO-4", 2, "134593568; 1.34594E+11"],
               ["CAT6-3M", 5, "CBL-1"],
               ["XX-UNKNOWN", 1, "X1"]], "Packing List"),
    ]


class DemoRefused(Exception):
    """The home holds data: the demo's sample items, orders and receipts would go into a real ledger."""


class DemoAlreadyRan(DemoRefused):
    """The demo's packing list is already posted in this home."""


def _waiting_files(inbox: Path) -> int:
    """Files in the inbox and its kind folders (hidden ones, such as a ``.gitkeep``, are no one's drop)."""
    if not inbox.is_dir():
        return 0
    return sum(1 for path in inbox.rglob("*")
               if path.is_file() and not any(part.startswith(".") for part in path.relative_to(inbox).parts))


def refuse_a_home_with_data(ctx: Context) -> None:
    """Raise ``DemoRefused`` unless the home is new or empty: no batch in its ledger (posted, rejected or
    reversed) and no file waiting in its inbox."""
    if ctx.store.posted_batch_named("demo-packing-list-0425.xlsx") is not None:
        raise DemoAlreadyRan(f"the demo already ran in {ctx.home.root}; its workbooks are in "
                             f"{ctx.home.outbox}. Run it with --home on an empty folder to see it again")
    batches, waiting = batches_recorded(ctx.store.engine), _waiting_files(ctx.home.inbox)
    if batches or waiting:
        held = [plural(batches, "file") + " in its ledger" if batches else "",
                plural(waiting, "file") + " waiting in inbox/" if waiting else ""]
        raise DemoRefused(f"the demo only runs in a new or empty home, and {ctx.home.root} holds data "
                          f"({' and '.join(h for h in held if h)}): it would post its sample items, purchase "
                          "orders and packing lists into that ledger. Run it with --home on an empty folder")


def run_demo(ctx: Context) -> list[Outcome]:
    """Drop the demo files into the inbox and process them. Refuses (``DemoRefused``) a home that holds data,
    so sample items, orders and receipts never land in a real ledger; ``DemoAlreadyRan`` says the demo's
    own files are what it holds."""
    refuse_a_home_with_data(ctx)
    run_by = current_user()
    return [process_file(ctx, path, run_by=run_by) for path in demo_files(ctx.home.inbox)]

"""Who dropped each file, as recorded: the owner and group of the file as claimed (names, or numeric ids where
none resolves), plus the user who ran ``ingest`` or ``reverse``. Shown in ``serial --json`` history (``by``),
the posted answer's Summary, the reconciliation's Activity sheet and ``ingest --json`` (``dropped_by``).
And the end-to-end case the issue names: a receiving clerk cannot raise the PO their receipt is checked
against, while their packing list posts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from access_support import (
    CLERK,
    MODES,
    archived,
    batch_row,
    configure,
    named_user,
    packing_list,
    po_qty,
    po_raise,
    process,
    summary,
    watch_once,
)
from workbook_checks import dump_cells


def _activity(path: Path) -> list[dict[str, Any]]:
    """The Activity sheet's rows as {header: value}."""
    cells = dump_cells(path)["Activity"]
    rows: dict[int, dict[str, Any]] = {}
    for ref, value in cells.items():
        column, row = ref.rstrip("0123456789"), int(ref[len(ref.rstrip("0123456789")):])
        rows.setdefault(row, {})[column] = value
    header = rows.pop(3)
    return [{header[c]: v for c, v in row.items()} for number, row in sorted(rows.items()) if number > 3]


@pytest.mark.parametrize("mode", MODES)
def test_record__owner_in_history_answer_and_activity(mode: str, shop: Path, cli: Any) -> None:
    user = named_user()
    configure(shop, "")  # an [access] table with no entry: every kind open
    done = process(mode, cli, shop, packing_list(shop / "inbox" / "receiving", "pl-1.xlsx", ["R1", "R2"],
                                                 (user.pw_uid, 4300)))
    assert done.status == "posted" and done.output is not None
    run_by = "root" if mode == "ingest" else None
    assert done.dropped_by == {"user": user.pw_name, "group": "4300", "run_by": run_by}

    said = summary(done.output)
    assert said["Dropped by"] == f"{user.pw_name} (group 4300)"
    assert said.get("Run by") == run_by

    history = cli.json("serial", "R1")["history"]
    assert [h["by"] for h in history] == [{"user": user.pw_name, "group": "4300", "run_by": run_by}]
    assert f"by {user.pw_name} (group 4300)" in cli("serial", "R1").stdout

    report = Path(cli("reconcile", "--date", dt.date.today().isoformat()).stdout.strip())
    receipts = [r for r in _activity(report) if r.get("Type") == "receipt"]
    assert {(r["Serial"], r["Dropped By"], r.get("Run By")) for r in receipts} == {
        ("R1", f"{user.pw_name} (group 4300)", run_by), ("R2", f"{user.pw_name} (group 4300)", run_by)}


def test_record__reversal_records_the_operator(shop: Path, cli: Any) -> None:
    done = process("ingest", cli, shop, packing_list(shop / "inbox" / "receiving", "pl-1.xlsx", ["V1"], CLERK))
    assert done.batch is not None
    reversed_ = cli.json("reverse", str(done.batch))
    assert reversed_["run_by"] == "root"
    assert tuple(batch_row(reversed_["reversal_batch"])) == ("posted", None, None, "root")
    history = cli.json("serial", "V1")["history"]
    assert [(h["type"], h["by"]) for h in history] == [
        ("receipt", {"user": "4301", "group": "4300", "run_by": "root"}),
        ("reversal", {"user": None, "group": None, "run_by": "root"})]
    report = Path(cli("reconcile", "--date", dt.date.today().isoformat()).stdout.strip())
    rows = {r["Type"]: r for r in _activity(report)}
    assert rows["reversal"].get("Dropped By") is None and rows["reversal"]["Run By"] == "root"


def test_record__receipt_written_again_from_the_ledger_keeps_the_owner(shop: Path, cli: Any) -> None:
    """A receipt lost after the commit is written again from the ledger, with who dropped the file."""
    path = packing_list(shop / "inbox" / "receiving", "pl-1.xlsx", ["W1"], CLERK)
    copy = path.read_bytes()
    done = process("ingest", cli, shop, path)
    assert done.output is not None
    done.output.unlink()
    again = owned_copy(shop / "inbox" / "receiving" / "pl-1-again.xlsx", copy)
    redo = process("ingest", cli, shop, again)
    assert redo.status == "duplicate" and redo.output is not None
    assert summary(redo.output)["Dropped by"] == "4301 (group 4300)"


def owned_copy(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_end_to_end__receiving_clerk_cannot_raise_the_po_their_receipt_is_checked_against(
        shop: Path, cli: Any) -> None:
    configure(shop, '\n'.join([
        'purchase_orders = { groups = ["4200"] }   # purchasing',
        'items = { groups = ["4200"] }',
        'receiving = { groups = ["4300"] }         # the warehouse',
        'shipping = { groups = ["4300"] }',
        'counts = { groups = ["4300"] }']))
    po_raise(shop, "raise-po-100.xlsx", CLERK, qty=3)  # the clerk tries to make room for a third unit
    packing_list(shop / "inbox" / "receiving", "pl-0425.xlsx", ["E1", "E2"], CLERK)
    code, outcomes = watch_once(shop)
    assert code == 1
    by_file = {o["file"]: o for o in outcomes}
    assert by_file["raise-po-100.xlsx"]["status"] == "rejected"
    assert by_file["pl-0425.xlsx"]["status"] == "posted"
    assert po_qty() == 2
    answer = dump_cells(shop / "outbox" / "raise-po-100.rejected.xlsx")
    assert any("user 4301 (group 4300) may not post purchase orders" in str(v)
               for sheet in answer.values() for v in sheet.values())
    assert archived(shop, "rejected") == ["raise-po-100.xlsx"] and "pl-0425.xlsx" in archived(shop, "posted")
    assert summary(shop / "outbox" / "pl-0425.posted.xlsx")["Dropped by"] == "4301 (group 4300)"
    # and the PO still holds the clerk to 2: a third unit is an over-receipt
    packing_list(shop / "inbox" / "receiving", "pl-0426.xlsx", ["E3"], CLERK)
    code, outcomes = watch_once(shop)
    assert code == 1 and [o["status"] for o in outcomes] == ["rejected"]

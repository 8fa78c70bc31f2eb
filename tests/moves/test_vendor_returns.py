"""Vendor returns through the CLI: a DOA unit back to its vendor and its replacement received on the same PO,
its vendor warranty in the answer and in ``serial``, a quantity of plain stock, each rule by its cell, and
reversal (refused while the replacement stands; the return posted again after it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from support.books import workbook
from support.invariants import check_invariants

from serialtrack.ingest.reader import read_file
from serialtrack.kinds.registry import FIELD_SPECS, kind_named
from serialtrack.ledger.guard import Conflict
from serialtrack.ledger.posting import BatchMeta
from serialtrack.service.cli_common import context_for
from serialtrack.service.home import Home
from serialtrack.service.pipeline import check_env

VR = ["PO #", "Item", "Qty", "Serials", "Reason", "RMA #", "Return Date"]


def vr(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return workbook(tmp_path / name, VR, rows, sheet="Vendor Returns")


def _errors(out: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], e["cell"]) for e in out["errors"]}


def _po_line(cli: Any, number: str, item: str) -> int:
    return sum(lot["qty_received"] for lot in cli.json("lots", "--po", number)
               if lot["item_code"] == item and not lot["reversed"])


def test_vendor_return__doa_unit_back_and_replacement_received_on_the_same_po(stocked: Any, tmp_path: Path,
                                                                               db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(vr(tmp_path, "doa.xlsx", [["1", "CAM", 1, "C2", "dead on arrival", "RMA-7", "2026-11-20"]]))
    assert out["status"] == "posted" and out["kind"] == "vendor_returns", out["errors"]
    c2 = cli.json("serial", "C2")
    assert (c2["status"], c2["office"], c2["bin"]) == ("returned_to_vendor", None, None)
    assert c2["vendor_warranty_at_return"] == "in" and c2["vendor_warranty_until"] is not None
    assert [h["type"] for h in c2["history"]] == ["receipt", "vendor_return"]
    text = cli("serial", "C2").stdout
    assert "went back to the vendor within its vendor warranty" in text
    wb = load_workbook(out["output"])
    assert wb.sheetnames == ["Summary", "Vendor Returns"]
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units returned to vendor"] == 1 and summary["Value returned to vendor"] == 90
    assert summary["Units in vendor warranty"] == 1
    heads = [c.value for c in wb["Vendor Returns"][1]]
    row = dict(zip(heads, [c.value for c in wb["Vendor Returns"][2]], strict=True))
    assert (row["Serial"], row["Lot"], row["In/Out"], row["RMA"], row["Reason"]) == (
        "C2", "PO-1", "in", "RMA-7", "dead on arrival")
    assert cli.json("serial", "C1")["vendor_warranty_at_return"] is None
    check_invariants(db_url)
    # the replacement is received on the same PO: the line has room again for one unit
    [repl] = cli.ingest(workbook(tmp_path / "repl.xlsx", ["PO", "Item", "Qty", "Serial"], [["1", "CAM", 1, "C9"]]),
                        kind="receiving")
    assert repl["status"] == "posted", repl["errors"]
    assert cli.json("serial", "C9")["status"] == "in_stock"
    check_invariants(db_url)
    # reversing the vendor return would take PO 1 CAM past its 4 ordered: refused until the replacement goes
    refused = cli("reverse", str(out["batch"]), expect=None)
    assert refused.exit_code != 0 and "reverse that receipt first" in refused.output
    cli("reverse", str(repl["batch"]))
    cli("reverse", str(out["batch"]))
    assert cli.json("serial", "C2")["status"] == "in_stock"
    assert cli.json("serial", "C2")["vendor_warranty_at_return"] is None
    check_invariants(db_url)
    # and the business event again after its reversal
    [again] = cli.ingest(vr(tmp_path, "doa-again.xlsx", [["1", "CAM", None, "C2", "dead on arrival", None, None]]))
    assert again["status"] == "posted", again["errors"]
    assert cli.json("serial", "C2")["status"] == "returned_to_vendor"
    check_invariants(db_url)


def test_vendor_return__the_same_serial_back_from_the_vendor_is_received_again(stocked: Any, tmp_path: Path,
                                                                              db_url: str) -> None:
    """A unit repaired by its vendor (or replaced under the same serial) comes back on the PO: the receipt takes
    the unit up again in a new lot; reversing that receipt sends it back to returned_to_vendor in its old lot."""
    cli = stocked
    [out] = cli.ingest(vr(tmp_path, "rma.xlsx", [["1", "CAM", 1, "C2", "no video", "RMA-8", None]]),
                       kind="vendor_returns")
    assert out["status"] == "posted", out["errors"]
    back = workbook(tmp_path / "back.xlsx", ["PO", "Item", "Qty", "Serial", "Bin"], [["1", "CAM", 1, "C2", "REPAIRED"]])
    [received] = cli.ingest(back, kind="receiving", expect=0)
    assert received["status"] == "posted", received["errors"]
    c2 = cli.json("serial", "C2")
    assert (c2["status"], c2["office"], c2["bin"]) == ("in_stock", "Main", "REPAIRED")
    assert [h["type"] for h in c2["history"]] == ["receipt", "vendor_return", "receipt"]
    assert _po_line(cli, "1", "CAM") == 5  # two lots: the first 4, and C2 again
    check_invariants(db_url)
    # no second time while it is here: a unit in stock is received once
    [twice] = cli.ingest(workbook(tmp_path / "back-2.xlsx", ["PO", "Item", "Qty", "Serial"], [["1", "CAM", 1, "C2"]]),
                         kind="receiving", expect=1)
    assert ("serial-already-in-ledger", "D2") in _errors(twice)  # (and the PO line is full again: over-receipt)
    # the receipt reversed: C2 is back with its vendor, in the lot it left
    cli("reverse", str(received["batch"]))
    c2 = cli.json("serial", "C2")
    assert (c2["status"], c2["lot"]) == ("returned_to_vendor", "PO-1")
    check_invariants(db_url)
    assert cli("reconcile").exit_code == 0
    [again] = cli.ingest(workbook(tmp_path / "back-3.xlsx", ["PO", "Item", "Qty", "Serial", "Received Date"],
                                  [["1", "CAM", 1, "C2", "2026-11-28"]]), kind="receiving", expect=0)
    assert again["status"] == "posted", again["errors"]
    check_invariants(db_url)


def test_vendor_return__out_of_warranty_unit_is_marked_out(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(vr(tmp_path, "late.xlsx", [["1", "CAM", 1, "C3", "failed", None, "2099-01-01"]]),
                       kind="vendor_returns")
    assert out["status"] == "posted", out["errors"]
    assert cli.json("serial", "C3")["vendor_warranty_at_return"] == "out"
    wb = load_workbook(out["output"])
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units out of vendor warranty"] == 1
    check_invariants(db_url)


def test_vendor_return__plain_quantity_from_the_po_lines_lots(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(vr(tmp_path, "cbl.xlsx", [["1", "CBL", 3, None, "wrong colour", None, None],
                                                 ["1", "CBL", 2, None, "wrong length", None, None]]),
                       kind="vendor_returns")
    assert out["status"] == "posted", out["errors"]
    assert _po_line(cli, "1", "CBL") == 10  # the lot keeps what it received; the PO line drops
    stock = {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}
    assert stock[("CBL", "Main")] == 5
    wb = load_workbook(out["output"])
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units returned to vendor"] == 5 and summary["Value returned to vendor"] == 7.5
    check_invariants(db_url)
    [over] = cli.ingest(vr(tmp_path, "cbl-over.xlsx", [["1", "CBL", 6, None, None, None, None]]),
                        kind="vendor_returns", expect=1)
    assert _errors(over) == {("insufficient-stock", "C2")}
    cli("reverse", str(out["batch"]))
    assert {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}[("CBL", "Main")] == 10
    check_invariants(db_url)


def test_vendor_return__each_rule_names_its_cell(stocked: Any, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty", "Serials"], [["S1", "CAM", 1, "C1"]]),
               kind="shipping", expect=0)
    cases: dict[str, tuple[list[object], tuple[str, str]]] = {
        "po-unknown": (["9", "CAM", 1, "C2", None, None, None], ("po-unknown", "A2")),
        "item-unknown": (["1", "NOPE", 1, "C2", None, None, None], ("item-unknown", "B2")),
        "po-line-missing": (["2", "CBL", 1, None, None, None, None], ("po-line-missing", "B2")),
        "serials-missing": (["1", "CAM", 1, None, None, None, None], ("serials-missing", "D2")),
        "count": (["1", "CAM", 2, "C2", None, None, None], ("serial-count-mismatch", "D2")),
        "unknown": (["1", "CAM", 1, "NOPE1", None, None, None], ("serial-unknown", "D2")),
        "shipped": (["1", "CAM", 1, "C1", None, None, None], ("serial-not-in-stock", "D2")),
        "other-po": (["1", "CAM", 1, "X1", None, None, None], ("serial-not-on-po", "D2")),
        "plain-serials": (["1", "CBL", 1, "Z1", None, None, None], ("serials-on-non-serialized-item", "D2")),
        "plain-zero": (["1", "CBL", 0, None, None, None, None], ("qty-zero", "C2")),
        "required": (["1", None, 1, "C2", None, None, None], ("required-value-missing", "B2")),
    }
    for name, (row, expected) in cases.items():
        [out] = cli.ingest(vr(tmp_path, f"bad-{name}.xlsx", [row]), kind="vendor_returns", expect=1)
        assert expected in _errors(out), (name, out["errors"])
    [dup] = cli.ingest(vr(tmp_path, "dup.xlsx", [["1", "CAM", 1, "C2", None, None, None],
                                                 ["1", "CAM", 1, "C2", None, None, None]]), kind="vendor_returns",
                       expect=1)
    assert ("serial-duplicate-in-file", "D3") in _errors(dup)
    [shipped] = cli.ingest(vr(tmp_path, "shipped.xlsx", [["1", "CAM", 1, "C1", None, None, None]]),
                           kind="vendor_returns", expect=1)
    assert "serial C1 of item CAM was shipped on SO-S1" in shipped["errors"][0]["message"]
    [other] = cli.ingest(vr(tmp_path, "other.xlsx", [["1", "CAM", 1, "X1", None, None, None]]),
                         kind="vendor_returns", expect=1)
    assert "received on PO 2, not on PO 1" in other["errors"][0]["message"]


def _stale_plan(cli: Any, path: Path, kind: str) -> Any:
    """The plan ``path`` gets when checked now, to be applied after the ledger has moved on."""
    with context_for(Home(cli.home)) as ctx:
        ingested = read_file(path, kinds=FIELD_SPECS, kind=kind)
        checked = kind_named(kind).check(ingested, check_env(ctx))
        assert checked.ok, checked.issues
        return checked.plan


def _apply(cli: Any, plan: Any, name: str) -> None:

    with context_for(Home(cli.home)) as ctx:
        ctx.store.apply(plan, BatchMeta(name, name.encode().hex().ljust(64, "0")[:64], plan.kind))


def test_vendor_return__a_plan_checked_before_another_file_took_the_unit_conflicts(stocked: Any, tmp_path: Path,
                                                                                   db_url: str) -> None:
    """Guards: a vendor return and a scrap of the same unit, or two vendor returns of the same plain stock,
    checked against the same ledger: the one that commits second is a Conflict, and nothing of it is written."""
    cli = stocked
    late = _stale_plan(cli, vr(tmp_path, "late.xlsx", [["1", "CAM", 1, "C2", None, None, None]]), "vendor_returns")
    cli.ingest(workbook(tmp_path / "scrap.xlsx", ["Office", "Item", "Action", "Reason", "Serials"],
                        [["Main", "CAM", "scrap", "dropped", "C2"]]), kind="adjustments", expect=0)
    with pytest.raises(Conflict):
        _apply(cli, late, "late.xlsx")
    assert cli.json("serial", "C2")["status"] == "scrapped"
    plain = _stale_plan(cli, vr(tmp_path, "plain.xlsx", [["1", "CBL", 8, None, None, None, None]]), "vendor_returns")
    cli.ingest(workbook(tmp_path / "wo.xlsx", ["Office", "Item", "Action", "Reason", "Qty"],
                        [["Main", "CBL", "write off", "lost", 5]]), kind="adjustments", expect=0)
    with pytest.raises(Conflict):
        _apply(cli, plain, "plain.xlsx")
    assert {(r["item_code"], r["office"]): r["on_hand"] for r in cli.json("stock")}[("CBL", "Main")] == 5
    check_invariants(db_url)


def test_vendor_return__detected_from_its_headers_in_the_inbox(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    inbox = cli.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    [out] = cli.ingest(workbook(inbox / "rtv.xlsx", ["PO Number", "Item Code", "Serial", "RMA", "Return Reason"],
                                [["1", "CAM", "C4", "R-9", "noisy fan"]]))
    assert (out["status"], out["kind"]) == ("posted", "vendor_returns"), out
    check_invariants(db_url)


def test_vendor_return__a_packing_list_in_the_inbox_is_still_a_receipt(stocked: Any, tmp_path: Path) -> None:
    """PO, Item, Qty and Serial fit both kinds: without an RMA, reason or return date it is a packing list."""
    cli = stocked
    inbox = cli.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    [out] = cli.ingest(workbook(inbox / "pl.xlsx", ["PO", "Item", "Qty", "Serial"], [["2", "CAM", 1, "X2"]]),
                       expect=1)
    assert out["kind"] == "receiving" and {e["code"] for e in out["errors"]} == {"over-receipt"}

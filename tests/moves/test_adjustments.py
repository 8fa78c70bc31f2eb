"""Adjustments through the CLI: scrap and write-off from stock, found units, each rule by its cell, reversal
and the same adjustment posted again after it (both databases; ledger invariants at the end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from support.books import workbook
from support.invariants import check_invariants

ADJ = ["Office", "Item", "Action", "Reason", "Qty", "Serials", "Bin", "Unit Cost", "Adjustment Date"]


def adj(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    return workbook(tmp_path / name, ADJ, rows, sheet="Adjustments")


def _errors(out: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], e["cell"]) for e in out["errors"]}


def _stock(cli: Any) -> dict[tuple[str, str, str], int]:
    return {(r["item_code"], r["office"], r["bin"]): r["on_hand"] for r in cli.json("stock")}


def test_adjustments__scrap_from_stock_then_reverse_and_scrap_again(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(adj(tmp_path, "scrap.xlsx", [["Main", "CAM", "scrap", "dropped", None, "C1", None, None,
                                                     "2026-11-20"]]), kind="adjustments")
    assert out["status"] == "posted", out["errors"]
    c1 = cli.json("serial", "C1")
    assert (c1["status"], c1["office"]) == ("scrapped", None)
    assert [h["type"] for h in c1["history"]] == ["receipt", "adjustment"]
    wb = load_workbook(out["output"])
    assert wb.sheetnames == ["Summary", "Adjustments"]
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units scrapped"] == 1 and summary["Value scrapped"] == 90
    row = [c.value for c in wb["Adjustments"][2]]
    assert row[:9] == ["scrap", "dropped", "C1", "CAM", "Main", "RECEIVING", "PO-1", 1, 90]
    check_invariants(db_url)
    cli("reverse", str(out["batch"]))
    assert cli.json("serial", "C1")["status"] == "in_stock"
    check_invariants(db_url)
    [again] = cli.ingest(adj(tmp_path, "scrap2.xlsx", [["Main", "CAM", "Scrap", "dropped again", 1, "C1", None, None,
                                                        None]]), kind="adjustments")
    assert again["status"] == "posted", again["errors"]
    assert cli.json("serial", "C1")["status"] == "scrapped"
    check_invariants(db_url)


def test_adjustments__found_unit_shipped_then_reversals_in_order_and_found_again(stocked: Any, tmp_path: Path,
                                                                               db_url: str) -> None:
    cli = stocked
    [found] = cli.ingest(adj(tmp_path, "found.xlsx", [["Main", "CAM", "found", "behind the shelf", None, "C7", "B-2",
                                                       80, "2026-11-21"]]))
    assert found["status"] == "posted" and found["kind"] == "adjustments", found["errors"]
    c7 = cli.json("serial", "C7")
    assert (c7["status"], c7["office"], c7["bin"], c7["lot"]) == ("in_stock", "Main", "B-2", f"ADJ-{found['batch']}")
    lot = next(lot for lot in cli.json("lots") if lot["document"] == f"ADJ-{found['batch']}")
    assert (lot["qty_received"], lot["unit_cost"], lot["received_date"]) == (1, "80.0000", "2026-11-21")
    wb = load_workbook(found["output"])
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units found"] == 1 and summary["Value found"] == 80
    check_invariants(db_url)
    [ship] = cli.ingest(workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty", "Serials"], [["S1", "CAM", 1, "C7"]]),
                        kind="shipping")
    assert ship["status"] == "posted", ship["errors"]
    check_invariants(db_url)
    refused = cli("reverse", str(found["batch"]), expect=None)
    assert refused.exit_code != 0 and "C7" in refused.output and "reverse that batch first" in refused.output
    cli("reverse", str(ship["batch"]))
    cli("reverse", str(found["batch"]))
    assert cli.json("serial", "C7")["status"] == "reversed"
    assert next(lot for lot in cli.json("lots") if lot["document"] == f"ADJ-{found['batch']}")["reversed"]
    check_invariants(db_url)
    [again] = cli.ingest(adj(tmp_path, "found-again.xlsx", [["Main", "CAM", "Found", "behind the shelf", 1, "C7",
                                                             None, None, None]]), kind="adjustments")
    assert again["status"] == "posted", again["errors"]
    c7 = cli.json("serial", "C7")
    assert (c7["status"], c7["bin"]) == ("in_stock", "RECEIVING")  # the office's receiving bin
    assert c7["lot"] == f"ADJ-{again['batch']}"
    check_invariants(db_url)


def test_adjustments__write_off_a_plain_quantity_first_in_first_out(stocked: Any, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    [out] = cli.ingest(adj(tmp_path, "wo.xlsx", [["Main", "CBL", "Write-Off", "lost in transit", 3, None, None, None,
                                                  None], ["Main", "CBL", "write off", "chewed", 1, None, None, None,
                                                          None]]), kind="adjustments")
    assert out["status"] == "posted", out["errors"]
    assert _stock(cli)[("CBL", "Main", "RECEIVING")] == 6
    wb = load_workbook(out["output"])
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Units written off"] == 4 and summary["Value written off"] == 6
    rows = [[c.value for c in r] for r in wb["Adjustments"].iter_rows(min_row=2) if r[0].value not in (None, "Total")]
    assert [(r[0], r[1], r[6], r[7]) for r in rows] == [("write off", "lost in transit", "PO-1", 3),
                                                        ("write off", "chewed", "PO-1", 1)]
    check_invariants(db_url)
    [over] = cli.ingest(adj(tmp_path, "wo-over.xlsx", [["Main", "CBL", "write_off", "gone", 7, None, None, None, None]]),
                        kind="adjustments", expect=1)
    assert _errors(over) == {("insufficient-stock", "E2")}
    cli("reverse", str(out["batch"]))
    assert _stock(cli)[("CBL", "Main", "RECEIVING")] == 10
    check_invariants(db_url)
    [again] = cli.ingest(adj(tmp_path, "wo-again.xlsx", [["Main", "CBL", "write_off", "lost in transit", 3, None, None,
                                                          None, None]]), kind="adjustments")
    assert again["status"] == "posted", again["errors"]
    assert _stock(cli)[("CBL", "Main", "RECEIVING")] == 7
    [found] = cli.ingest(adj(tmp_path, "found-plain.xlsx", [["Main", "CBL", "found", "recount", 2, None, None, None,
                                                             None]]), kind="adjustments")
    assert found["status"] == "posted", found["errors"]
    lot = next(lot for lot in cli.json("lots") if lot["document"] == f"ADJ-{found['batch']}")
    assert (lot["qty_received"], lot["unit_cost"]) == (2, "2.0000")  # the item's estimated cost
    check_invariants(db_url)


def test_adjustments__a_found_serial_the_ledger_knows_says_what_became_of_it(stocked: Any, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "ship.xlsx", ["SO #", "Item", "Qty", "Serials"], [["S1", "CAM", 1, "C1"]]),
               kind="shipping", expect=0)
    [scrap] = cli.ingest(adj(tmp_path, "scrap.xlsx", [["Main", "CAM", "write off", "lost", 1, "C2", None, None, None]]),
                         kind="adjustments", expect=0)
    cases = {
        "C1": "serial C1 of item CAM was shipped on SO-S1: return it instead",
        "C3": "serial C3 of item CAM is in stock at Main (bin RECEIVING): nothing to find",
        "C2": f"serial C2 of item CAM was written off on ADJ-{scrap['batch']}: reverse that adjustment instead",
    }
    for serial, message in cases.items():
        [out] = cli.ingest(adj(tmp_path, f"found-{serial}.xlsx", [["Main", "CAM", "found", "x", 1, serial, None, 50,
                                                                   None]]), kind="adjustments", expect=1)
        assert [(e["code"], e["cell"], e["message"]) for e in out["errors"]] == [
            ("serial-already-in-ledger", "F2", message)]
    [shipped] = cli.ingest(adj(tmp_path, "scrap-shipped.xlsx", [["Main", "CAM", "scrap", "x", 1, "C1", None, None,
                                                                 None]]), kind="adjustments", expect=1)
    assert [(e["code"], e["cell"]) for e in shipped["errors"]] == [("serial-not-in-stock", "F2")]
    assert "serial C1 of item CAM was shipped on SO-S1" in shipped["errors"][0]["message"]
    [elsewhere] = cli.ingest(adj(tmp_path, "scrap-depot.xlsx", [["Main", "CAM", "scrap", "x", 1, "X1", None, None,
                                                                 None]]), kind="adjustments", expect=1)
    assert [(e["code"], e["cell"]) for e in elsewhere["errors"]] == [("serial-wrong-office", "F2")]
    assert elsewhere["errors"][0]["message"].startswith("serial X1 is at Depot, not Main")


def test_adjustments__each_rule_names_its_cell(stocked: Any, tmp_path: Path) -> None:
    cli = stocked
    cases: dict[str, tuple[list[object], tuple[str, str]]] = {
        "action-unknown": (["Main", "CAM", "burn", "x", 1, "C1", None, None, None], ("action-unknown", "C2")),
        "reason-missing": (["Main", "CAM", "scrap", None, 1, "C1", None, None, None], ("reason-missing", "D2")),
        "office-unknown": (["Mars", "CAM", "scrap", "x", 1, "C1", None, None, None], ("office-unknown", "A2")),
        "item-unknown": (["Main", "NOPE", "scrap", "x", 1, "C1", None, None, None], ("item-unknown", "B2")),
        "plain-serials": (["Main", "CBL", "scrap", "x", 1, "Z1", None, None, None],
                          ("serials-on-non-serialized-item", "F2")),
        "plain-zero": (["Main", "CBL", "scrap", "x", None, None, None, None, None], ("qty-zero", "E2")),
        "serials-missing": (["Main", "CAM", "scrap", "x", 1, None, None, None, None], ("serials-missing", "F2")),
        "count": (["Main", "CAM", "scrap", "x", 2, "C1", None, None, None], ("serial-count-mismatch", "F2")),
        "unknown": (["Main", "CAM", "scrap", "x", 1, "NOPE1", None, None, None], ("serial-unknown", "F2")),
        "required": (["Main", None, "scrap", "x", 1, "C1", None, None, None], ("required-value-missing", "B2")),
        "bad-cost": (["Main", "CAM", "found", "x", 1, "C8", None, -3, None], ("negative-amount", "H2")),
    }
    for name, (row, expected) in cases.items():
        [out] = cli.ingest(adj(tmp_path, f"bad-{name}.xlsx", [row]), kind="adjustments", expect=1)
        assert expected in _errors(out), (name, out["errors"])
    [dup] = cli.ingest(adj(tmp_path, "dup.xlsx", [["Main", "CAM", "scrap", "x", 1, "C1", None, None, None],
                                                  ["Main", "CAM", "scrap", "y", 1, "C1", None, None, None]]),
                       kind="adjustments", expect=1)
    assert ("serial-duplicate-in-file", "F3") in _errors(dup)


def test_adjustments__found_without_any_cost_posts_at_zero_with_a_warning(stocked: Any, tmp_path: Path,
                                                                          db_url: str) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "items2.xlsx", ["Item Code", "Description", "Serialized"], [["TAG", "Tag", "Y"]],
                        sheet="Items"), kind="items", expect=0)
    [out] = cli.ingest(adj(tmp_path, "found-tag.xlsx", [["Depot", "TAG", "found", "in a drawer", None, "T1", None,
                                                         None, None]]), kind="adjustments", expect=0)
    assert out["status"] == "posted"
    assert [(w["code"], w["cell"]) for w in out["warnings"]] == [("found-no-unit-cost", "H2")]
    assert cli.json("serial", "T1")["office"] == "Depot"
    check_invariants(db_url)


def test_adjustments__found_serials_checked_as_receiving_checks_them(stocked: Any, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "items3.xlsx", ["Item Code", "Description", "Serialized", "Serial Pattern"],
                        [["MOD", "Modem", "Y", r"M\d{3}"]], sheet="Items"), kind="items", expect=0)
    [out] = cli.ingest(adj(tmp_path, "found-mod.xlsx", [["Main", "MOD", "found", "x", None, "Q12", None, 5, None]]),
                       kind="adjustments", expect=1)
    assert [(e["code"], e["cell"]) for e in out["errors"]] == [("serial-pattern-mismatch", "F2")]


def test_adjustments__a_counts_proposed_adjustments_sheet_dropped_into_the_inbox_is_detected(
        stocked: Any, tmp_path: Path, db_url: str) -> None:
    """The shape the count's answer writes: the template's headings, write_off and found, one row per serial."""
    cli = stocked
    inbox = cli.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = workbook(inbox / "count-answer.xlsx", ADJ,
                    [["Main", "CAM", "write_off", "count difference", 1, "C4", "RECEIVING", None, None],
                     ["Main", "CAM", "found", "count difference", 1, "C8", "RECEIVING", None, None]],
                    sheet="Proposed adjustments")
    [out] = cli.ingest(path)
    assert (out["status"], out["kind"]) == ("posted", "adjustments"), out
    assert cli.json("serial", "C4")["status"] == "scrapped"
    c8 = cli.json("serial", "C8")
    assert (c8["status"], c8["bin"]) == ("in_stock", "RECEIVING")
    lot = next(lot for lot in cli.json("lots") if lot["document"] == f"ADJ-{out['batch']}")
    assert lot["unit_cost"] == "100.0000"  # the item's estimated cost
    check_invariants(db_url)


def test_adjustments__a_found_serial_that_lost_its_leading_zeros_is_refused(stocked: Any, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(workbook(tmp_path / "items4.xlsx", ["Item Code", "Description", "Serialized", "Next Serial"],
                        [["NUM", "Numbered", "Y", "000100"]], sheet="Items"), kind="items", expect=0)
    [out] = cli.ingest(adj(tmp_path, "found-num.xlsx", [["Main", "NUM", "found", "x", None, 4711, None, 5, None]]),
                       kind="adjustments", expect=1)
    assert [e["cell"] for e in out["errors"]] == ["F2"] and "zero" in out["errors"][0]["message"]


def test_adjustments__a_counts_answer_dropped_into_inbox_adjustments_closes_the_count(
        stocked: Any, tmp_path: Path, db_url: str) -> None:
    """A count with a missing and an unexpected unit; its answer, dropped as it is into inbox/adjustments/, posts
    its Proposed adjustments sheet; the same count again finds nothing to fix."""
    cli = stocked
    count = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"],
                     [["Main", "CAM", "C1"], ["Main", "CAM", "C2"], ["Main", "CAM", "C3"], ["Main", "CAM", "Z9"]])
    [counted] = cli.ingest(count, kind="counts", expect=0)
    assert (counted["counts"]["missing"], counted["counts"]["unexpected"]) == (1, 1)
    folder = cli.home / "inbox" / "adjustments"
    folder.mkdir(parents=True, exist_ok=True)
    dropped = folder / "count-answer.xlsx"
    dropped.write_bytes(Path(counted["output"]).read_bytes())
    [out] = cli.ingest(dropped)
    assert (out["status"], out["kind"]) == ("posted", "adjustments"), out
    assert cli.json("serial", "C4")["status"] == "scrapped"
    assert cli.json("serial", "Z9")["status"] == "in_stock"
    check_invariants(db_url)
    [again] = cli.ingest(workbook(tmp_path / "count2.xlsx", ["Office", "Item", "Serial"],
                                  [["Main", "CAM", s] for s in ("C1", "C2", "C3", "Z9")], sheet="Recount"),
                       kind="counts", expect=0)
    assert again["counts"]["differences"] == 0


def test_adjustments__a_bin_given_is_checked_for_serials_and_said_unused_for_a_quantity(stocked: Any,
                                                                                      tmp_path: Path) -> None:
    cli = stocked
    [wrong] = cli.ingest(adj(tmp_path, "bin.xlsx", [["Main", "CAM", "write off", "lost", 1, "C1", "SHELF-9", None,
                                                     None]]), kind="adjustments", expect=1)
    assert _errors(wrong) == {("serial-wrong-bin", "F2")}
    assert wrong["errors"][0]["message"] == ("serial C1 is at Main, bin RECEIVING, not in bin SHELF-9; put RECEIVING "
                                             "in the bin, or leave it empty")
    [right] = cli.ingest(adj(tmp_path, "bin-2.xlsx", [["Main", "CAM", "write off", "lost", 1, "C1", "receiving", None,
                                                       None],
                                                      ["Main", "CBL", "scrap", "cut", 2, None, "SHELF-9", None, None]]),
                         kind="adjustments", expect=0)
    assert right["status"] == "posted", right["errors"]
    assert [(w["code"], w["cell"]) for w in right["warnings"]] == [("bin-not-used", "G3")]
    assert (right["counts"]["written_off"], right["counts"]["scrapped"], right["counts"]["found"]) == (1, 2, 0)

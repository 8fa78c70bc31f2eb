"""A count's answer holds its differences from the ledger and the moves that would close them (issue 16): a
Differences sheet, a Proposed adjustments sheet in the adjustments format (missing -> write_off, unknown ->
found) and a Proposed transfers sheet (counted in another office or bin). Counts still move no stock."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from support.books import workbook
from support.invariants import check_invariants


def _table(path: str, title: str) -> list[dict[str, object]]:
    sheet = load_workbook(path, read_only=True)[title]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] is not None and len([v for v in r if v]) > 2)
    header = rows[start]
    return [dict(zip(header, r, strict=True)) for r in rows[start + 1:] if any(v is not None for v in r)]


def _note(path: str, title: str) -> object:
    """The line above a sheet's table."""
    return load_workbook(path, read_only=True)[title]["A1"].value


def test_count__missing_unexpected_misplaced_and_shipped_each_named_with_its_proposal(
        stocked, tmp_path: Path, db_url: str) -> None:
    cli = stocked
    ship = workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Serial"], [["S1", "CAM", "C2"]])
    cli.ingest(ship, kind="shipping", expect=0)
    count = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"],
                     [["Main", "CAM", "C1"], ["Main", "CAM", "C2"], ["Main", "CAM", "X1"], ["Main", "CAM", "Z9"]])
    [out] = cli.ingest(count, kind="counts", expect=0)
    assert out["status"] == "posted"
    assert {k: out["counts"][k] for k in ("differences", "missing", "unexpected", "misplaced", "not_in_stock")} == {
        "differences": 5, "missing": 2, "unexpected": 1, "misplaced": 1, "not_in_stock": 1}
    diffs = _table(out["output"], "Differences")
    assert _note(out["output"], "Differences") == "What this count found that the ledger does not say: 5 differences."
    assert [(d["Difference"], d["Serial"], d["Proposal"]) for d in diffs] == [
        ("not in stock", "C2", "none: look into it"), ("wrong office", "X1", "transfer"),
        ("unexpected", "Z9", "found"), ("missing", "C3", "write_off"), ("missing", "C4", "write_off")]
    assert diffs[0]["Ledger Says"] == "shipped on SO-S1"
    assert diffs[0]["What To Do"] == ("The ledger has CAM C2 shipped on SO-S1; if it is really on the shelf, post its "
                                      "return (restock) or reverse the shipment.")
    assert [d["What To Do"] for d in diffs[1:]] == [
        "Post the proposed transfer of CAM X1 from Depot / RECEIVING to Main, or send it back to Depot.",
        "Check the label of CAM Z9; if the serial is right, post the proposed found adjustment (or receive it "
        "against its purchase order).",
        "Look for CAM C3 in Main / RECEIVING; if it cannot be found, post the proposed write-off.",
        "Look for CAM C4 in Main / RECEIVING; if it cannot be found, post the proposed write-off."]
    assert diffs[1]["Ledger Says"] == "in stock at Depot / RECEIVING"
    assert (diffs[2]["Sheet"], diffs[2]["Row"]) == ("Sheet1", 5)
    proposed = _table(out["output"], "Proposed adjustments")
    assert [(p["Office"], p["Item"], p["Action"], p["Reason"], p["Qty"], p["Serials"], p["Bin"]) for p in proposed] == [
        ("Main", "CAM", "found", "count difference", 1, "Z9", None),
        ("Main", "CAM", "write_off", "count difference", 1, "C3", "RECEIVING"),
        ("Main", "CAM", "write_off", "count difference", 1, "C4", "RECEIVING")]
    moves = _table(out["output"], "Proposed transfers")
    assert [(m["Item"], m["From Office"], m["From Bin"], m["To Office"], m["To Bin"], m["Serials"])
            for m in moves] == [("CAM", "Depot", "RECEIVING", "Main", None, "X1")]
    assert moves[0]["Reference"] == f"COUNT-{out['batch']}"
    check_invariants(db_url)  # a count moves nothing


def test_count__by_bin_covers_only_its_bins_and_proposes_the_move_to_the_counted_bin(
        stocked, tmp_path: Path) -> None:
    cli = stocked
    count = workbook(tmp_path / "count.xlsx", ["Office", "Bin", "Item", "Serial"], [["Main", "SHELF-1", "CAM", "C1"]])
    [out] = cli.ingest(count, kind="counts", expect=0)
    diffs = _table(out["output"], "Differences")
    # C2..C4 sit in RECEIVING, a bin this count does not list: not missing
    assert [(d["Difference"], d["Serial"], d["Bin"]) for d in diffs] == [("wrong bin", "C1", "SHELF-1")]
    moves = _table(out["output"], "Proposed transfers")
    assert [(m["From Office"], m["From Bin"], m["To Office"], m["To Bin"]) for m in moves] == [
        ("Main", "RECEIVING", "Main", "SHELF-1")]
    assert "Proposed adjustments" not in load_workbook(out["output"], read_only=True).sheetnames


def test_count__that_agrees_with_the_ledger_has_no_differences(stocked, tmp_path: Path) -> None:
    cli = stocked
    count = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"], [["Depot", "CAM", "X1"]])
    [out] = cli.ingest(count, kind="counts", expect=0)
    assert out["counts"]["differences"] == 0
    assert _table(out["output"], "Differences") == []
    assert _note(out["output"], "Differences") == "The count agrees with the ledger: no differences."
    names = load_workbook(out["output"], read_only=True).sheetnames
    assert "Proposed adjustments" not in names and "Proposed transfers" not in names

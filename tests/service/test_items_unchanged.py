"""An items file that repeats what the ledger holds reports those items as unchanged, not updated, and
writes nothing for them; created, updated and unchanged are counted apart in the answer's Summary and sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import create_engine, text
from support.books import workbook

HEADER = ["Item Code", "Description", "Serialized", "Est Unit Cost", "Next Serial", "UOM", "Check Digit"]
ITEMS = [["CAM", "IP camera", "Y", 118, None, "EA", "Luhn"],
         ["CBL", "Cable", "N", 2.1, None, "M", None],
         ["SW", "Switch", "Y", 340, "SW0098", "EA", None]]


def _answer(output: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(Summary label -> value, item -> Change) of a posted items workbook."""
    book = load_workbook(output, read_only=True)
    try:
        summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True) if row}
        rows = list(book["Items"].iter_rows(values_only=True))
    finally:
        book.close()
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Item")
    return summary, {row[0]: row[1] for row in rows[start + 1:] if row and row[0]}


def _counts(summary: dict[str, Any]) -> tuple[int, int, int]:
    return summary["Items created"], summary["Items updated"], summary["Items unchanged"]


def _updated_at(db_url: str) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT code, updated_at FROM items")).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_items__same_list_again_in_other_bytes_is_unchanged(cli, tmp_path: Path, db_url: str) -> None:
    [first] = cli.ingest(workbook(tmp_path / "items.xlsx", HEADER, ITEMS, sheet="Items"), kind="items", expect=0)
    summary, changes = _answer(first["output"])
    assert _counts(summary) == (3, 0, 0) and set(changes.values()) == {"created"}
    before = _updated_at(db_url)

    # other bytes, same items: another name, an extra blank column, the check digit in other case, 118.00
    again = [[*row, None] for row in ITEMS]
    again[0][6], again[0][3] = "LUHN", 118.00
    [second] = cli.ingest(workbook(tmp_path / "items-copy.xlsx", [*HEADER, "Notes"], again, sheet="Items"),
                          kind="items", expect=0)

    assert second["status"] == "posted"
    summary, changes = _answer(second["output"])
    assert _counts(summary) == (0, 0, 3)
    assert changes == {"CAM": "unchanged", "CBL": "unchanged", "SW": "unchanged"}
    assert _updated_at(db_url) == before, "an unchanged item is not written"


def test_items__created_updated_and_unchanged_counted_apart(cli, tmp_path: Path) -> None:
    cli.ingest(workbook(tmp_path / "items.xlsx", HEADER, ITEMS, sheet="Items"), kind="items", expect=0)
    # CAM: a new description; CBL: its blank cells keep what the ledger holds; SW: as it is; NEW: created
    rows = [["CAM", "IP camera, 4 MP", "Y", 118, None, "EA", "Luhn"],
            ["CBL", None, None, None, None, None, None],
            ITEMS[2],
            ["NEW", "New part", "N", 1, None, "EA", None]]
    [out] = cli.ingest(workbook(tmp_path / "items-2.xlsx", HEADER, rows, sheet="Items"), kind="items", expect=0)

    summary, changes = _answer(out["output"])
    assert _counts(summary) == (1, 1, 2)
    assert changes == {"CAM": "updated", "CBL": "unchanged", "SW": "unchanged", "NEW": "created"}
    counts = out["counts"]
    assert (counts["items_created"], counts["items_updated"], counts["items_unchanged"]) == (1, 1, 2)


def test_items__warranty_months_given_again_or_changed(cli, tmp_path: Path) -> None:
    """An existing item's warranties compare with what the ledger holds (re-dropping a list that gives them
    once crashed: the ledger's view of an item did not carry them)."""
    header = ["Item Code", "Description", "Serialized", "Warranty Months", "Vendor Warranty Months"]
    cli.ingest(workbook(tmp_path / "items.xlsx", header, [["CAM", "IP camera", "Y", 12, 24],
                                                          ["CBL", "Cable", "N", None, None]]), kind="items", expect=0)
    [out] = cli.ingest(workbook(tmp_path / "items-2.xlsx", header, [["CAM", "IP camera", "Y", 12, 36],
                                                                    ["CBL", "Cable", "N", None, None]]),
                       kind="items", expect=0)
    assert out["status"] == "posted", out["errors"]
    assert _answer(out["output"])[1] == {"CAM": "updated", "CBL": "unchanged"}
    [same] = cli.ingest(workbook(tmp_path / "items-3.xlsx", [*header, "Notes"],
                                 [["CAM", "IP camera", "Y", 12, 36, None]]), kind="items", expect=0)
    assert _answer(same["output"])[1] == {"CAM": "unchanged"}

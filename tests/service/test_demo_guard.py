"""``demo`` posts sample items, purchase orders and packing lists: only into a new or empty home. A home whose
ledger holds any file (posted or rejected) or whose inbox holds a waiting file is refused, exit 2, one
``Error:`` line, and nothing is dropped, posted or answered."""

from __future__ import annotations

from pathlib import Path

from support.books import items_book, workbook


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def test_demo__refused_in_a_home_whose_ledger_holds_a_file(cli, home: Path, tmp_path: Path) -> None:
    cli.ingest(items_book(tmp_path / "items.xlsx", [["REAL-1", "A real item", "N", 3, None]]), kind="items",
               expect=0)
    outbox, inbox = _files(home / "outbox"), _files(home / "inbox")

    result = cli("demo", expect=2)

    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the demo only runs in a new or empty home, and {home} holds data (1 file in its ledger): it "
        "would post its sample items, purchase orders and packing lists into that ledger. Run it with --home on "
        "an empty folder\n")
    assert (_files(home / "outbox"), _files(home / "inbox")) == (outbox, inbox)
    assert cli.json("lots") == [] and cli.json("stock") == []
    assert cli("stock", "--item", "SW-24P", expect=1).stderr == "Error: unknown item SW-24P\n"


def test_demo__refused_when_a_rejected_file_and_a_waiting_file_are_there(cli, home: Path) -> None:
    bad = workbook(home / "inbox" / "receiving" / "pl-bad.xlsx", ["PO #", "Item", "Qty"], [["1", "NOPE", 1]])
    cli.ingest(bad, expect=1)  # rejected: recorded in the ledger, moved to archive/rejected
    waiting = workbook(home / "inbox" / "receiving" / "pl-waiting.xlsx", ["PO #", "Item", "Qty"], [["1", "X", 1]])

    result = cli("demo", expect=2)

    assert "holds data (1 file in its ledger and 1 file waiting in inbox/)" in result.stderr
    assert waiting.is_file() and _files(home / "inbox") == {waiting}


def test_demo__a_file_waiting_in_a_fresh_home_is_never_posted_with_the_sample_data(cli, home: Path) -> None:
    workbook(home / "inbox" / "a.xlsx", ["PO #", "Item", "Qty"], [["1", "X", 1]])
    workbook(home / "inbox" / "counts" / "b.xlsx", ["Office", "Item", "Serials"], [["Main", "X", "1"]])
    assert "(2 files waiting in inbox/)" in cli("demo", expect=2).stderr
    assert not (home / "outbox").exists() or _files(home / "outbox") == set()


def test_demo__runs_in_a_new_home_and_ignores_hidden_files(cli, home: Path) -> None:
    (home / "inbox").mkdir()
    (home / "inbox" / ".gitkeep").write_text("")
    out = cli("demo").stdout
    assert "demo-packing-list-0425.xlsx: posted [receiving]" in out
    again = cli("demo", expect=2)
    assert again.stderr.startswith(f"Error: the demo already ran in {home}; its workbooks are in ")

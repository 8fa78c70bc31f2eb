"""The docs say what the code does (issue 15): the column tables of docs/clerks.md and the README are
generated from the kinds and fail here when they drift; the README's links lead somewhere, and what it says
about dry runs and usage errors is what the CLI does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.books import items_book, workbook

from serialtrack.ingest.fields import header_key
from serialtrack.kinds.columns import kind_columns
from serialtrack.kinds.registry import KINDS
from serialtrack.service import clerk_docs

REPO = Path(__file__).resolve().parents[2]


def test_clerk_docs__tables_match_the_code() -> None:
    stale = clerk_docs.drifted(REPO)
    assert stale == [], f"{', '.join(stale)} differ from the kinds' columns: run {clerk_docs.REGENERATE}"


def test_clerk_docs__a_drifted_table_is_caught_and_rewritten(tmp_path: Path) -> None:
    for relative in ("docs/clerks.md", "README.md"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, tmp_path / relative)
    guide = tmp_path / "docs" / "clerks.md"
    guide.write_text(guide.read_text().replace("| `Serials` |", "| `Serial No` |", 1))
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text().replace("mfr_lot, vendor |", "mfr_lot |"))
    assert clerk_docs.drifted(tmp_path) == ["docs/clerks.md", "README.md"]
    assert clerk_docs.write(tmp_path) == ["docs/clerks.md", "README.md"]
    assert clerk_docs.drifted(tmp_path) == []
    assert guide.read_text() == (REPO / "docs" / "clerks.md").read_text()


def test_clerk_docs__missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="<!-- columns:start -->"):
        clerk_docs.replace_section("no markers here", "columns", "x")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_clerk_docs__every_documented_header_is_read_as_its_column(name: str) -> None:
    kind = KINDS[name]  # type: ignore[index]
    mapping = kind.fields.alias_map()
    for column in kind_columns(kind.fields):
        for spelling in (column.heading, *column.aliases):
            assert mapping[header_key(spelling)] == column.field, (name, spelling)
    guide = (REPO / "docs" / "clerks.md").read_text()
    assert f"### {name}\n" in guide


def test_clerk_docs__receiving_lists_vendor_as_the_reader_takes_it() -> None:
    readme = (REPO / "README.md").read_text()
    assert "| receiving | po_number*, item_code*, qty, serials, description, packing_list, received_date, bin, " \
           "mfr_lot, vendor |" in readme


def test_readme__links_and_named_docs_exist() -> None:
    """No reference to a file the repository does not hold (the README once pointed to a STYLE.md)."""
    for doc in ("README.md", "docs/clerks.md"):
        text = (REPO / doc).read_text()
        targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
        targets += re.findall(r"\b([A-Z][A-Za-z]+\.md)\b", text)
        for target in targets:
            if target.startswith("http"):
                continue
            found = (REPO / doc).parent / target
            assert found.exists() or (REPO / target).exists(), f"{doc} names {target}, which is not in the repository"


def test_readme__dry_run_answers_as_documented(cli: Any, tmp_path: Path) -> None:
    """A dry run that would post answers ``<name>.dry-run.xlsx``; one that would not, ``<name>.rejected.xlsx``
    and then ``<name>.rejected-2.xlsx``; neither posts nor moves anything."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["CAM-1", "Camera", "N", 10, None]]), kind="items", expect=0)
    good = items_book(tmp_path / "more.xlsx", [["CBL-1", "Cable", "N", 1, None]])
    [ok] = cli.ingest(good, "--dry-run", kind="items", expect=0)
    assert Path(ok["output"]).name == "more.dry-run.xlsx"
    bad = workbook(tmp_path / "PL.xlsx", ["PO #", "Item", "Qty"], [["99999", "CAM-1", 1]])
    first = cli.ingest(bad, "--dry-run", kind="receiving", expect=1)[0]
    second = cli.ingest(bad, "--dry-run", kind="receiving", expect=1)[0]
    assert [Path(o["output"]).name for o in (first, second)] == ["PL.rejected.xlsx", "PL.rejected-2.xlsx"]
    assert (first["status"], first["archived"]) == ("rejected", None) and bad.exists()


def test_readme__usage_error_prints_three_lines_a_lookup_error_one(cli: Any) -> None:
    usage = cli("ingest", "--frobnicate", expect=2)
    assert [line.split(" ")[0] for line in usage.stderr.splitlines() if line] == ["Usage:", "Try", "Error:"]
    assert "prints click's three lines" in (REPO / "README.md").read_text().replace("\n", " ")
    cli("init")
    lookup = cli("serial", "NOPE-1", expect=1)
    assert lookup.stderr.splitlines() == ["Error: serial NOPE-1 is not in the ledger"]

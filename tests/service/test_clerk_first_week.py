"""A clerk's first week (issue 15): vendor mappings over aliases, fixed values for absent fields (vendor
``defaults`` and ``ingest --set``), unread headers named with the field they resemble, one pass that finds
everything wrong with a file, lost leading zeros on every kind that takes serials, errors in row order, and the
watcher's log line that names the causes. Each is driven through the CLI on both databases."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.books import items_book, po_book, so_book, workbook


def _errors(out: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["cell"]) for e in out["errors"]]


def _warnings(out: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {w["cell"]: w for w in out["warnings"]}


@pytest.fixture
def stocked(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Items MBP (serialized, no next serial) and CAT6 (plain), PO 100 at Main, SO 500 at Main; serials
    000101..000103 of MBP received (so MBP's serials are 6 digits, known only from the ledger)."""
    cli.ingest(items_book(tmp_path / "items.xlsx", [["MBP", "Laptop", "Y", 900, None], ["CAT6", "Cable", "N", 2, None]]),
               kind="items", expect=0)
    cli.ingest(po_book(tmp_path / "po.xlsx", [["100", "Acme", "Main", "MBP", 10, 900], ["100", "Acme", "Main", "CAT6", 50, 2]]),
               kind="purchase_orders", expect=0)
    cli.ingest(so_book(tmp_path / "so.xlsx", [["500", "Contoso", "Main", "MBP", 5, 1500]]), kind="sales_orders", expect=0)
    cli.ingest(workbook(tmp_path / "pl.xlsx", ["PO", "Item", "Qty", "Serials"], [["100", "MBP", 3, "000101...000103"]]),
               kind="receiving", expect=0)
    return cli


# -- vendor mappings win -------------------------------------------------------------------------------------

def test_vendor_mapping__wins_over_the_alias_of_the_same_field(stocked, home: Path, tmp_path: Path) -> None:
    """The VSE sheets swap Date and Time: the vendor maps Time to the count date, and that must be read,
    not the Date column that the built-in alias names."""
    (home / "serialtrack.toml").write_text('[vendors.cage]\nfile_pattern = "cage-*"\n'
                                           'columns = { "Time" = "count_date" }\n', encoding="utf-8")
    path = workbook(tmp_path / "cage-count.xlsx", ["Office", "Item", "Serial", "Date", "Time"],
                    [["Main", "MBP", "000101", "07:35 PM", "2026-11-20"]])
    [out] = stocked.ingest(path, kind="counts", expect=0)
    assert out["status"] == "posted"
    assert [w["code"] for w in out["warnings"]] == ["column-not-read"]
    assert out["warnings"][0]["cell"] == "D1" and "Count Date" in out["warnings"][0]["message"]
    book = openpyxl.load_workbook(out["output"])
    counts = book["Counts"]
    header = [c.value for c in counts[1]]
    assert counts.cell(2, header.index("Count Date") + 1).value.date().isoformat() == "2026-11-20"


# -- fixed values for absent fields -------------------------------------------------------------------------

def test_set__supplies_the_po_a_sheet_lacks(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "imei.xlsx", ["Item", "Serial"], [["MBP", "000104"], ["MBP", "000105"]])
    result = stocked("ingest", str(path), "--kind", "receiving", "--set", "po_number=100", "--json")
    out = json.loads(result.stdout)
    assert out["status"] == "posted", out["errors"]
    assert out["counts"]["units"] == 2
    assert any("PO 100 from --set po_number=100" in note for note in out["notes"])
    assert {(r["item_code"], r["on_hand"]) for r in stocked.json("stock")} >= {("MBP", 5)}


def test_set__a_value_in_the_sheet_wins_and_blank_cells_take_the_given_one(stocked, tmp_path: Path) -> None:
    cli = stocked
    cli.ingest(po_book(tmp_path / "po2.xlsx", [["200", "Acme", "Main", "MBP", 5, 900]]), kind="purchase_orders",
               expect=0)
    path = workbook(tmp_path / "mixed.xlsx", ["PO", "Item", "Serial"], [["200", "MBP", "000110"], [None, "MBP", "000111"]])
    out = json.loads(cli("ingest", str(path), "--kind", "receiving", "--set", "po_number=100", "--json").stdout)
    assert out["status"] == "posted", out["errors"]
    received = {}
    for lot in cli.json("lots"):
        received[lot["document"]] = received.get(lot["document"], 0) + lot["qty_received"]
    assert received == {"PO-100": 4, "PO-200": 1}


def test_set__contradicting_the_title_block_is_refused_at_the_title_cell(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "titled.xlsx", ["Item", "Serial"], [["MBP", "000104"]], title=[["PO #: 100"], []])
    result = stocked("ingest", str(path), "--kind", "receiving", "--set", "po_number=999", "--json", expect=1)
    out = json.loads(result.stdout)
    assert _errors(out) == [("given-value-conflict", "A1")]
    assert "PO 100" in out["errors"][0]["message"] and "--set po_number=999" in out["errors"][0]["message"]


def test_set__an_unknown_field_is_a_usage_error(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", ["Item", "Serial"], [["MBP", "000104"]])
    result = stocked("ingest", str(path), "--set", "purchase=1", expect=2)
    assert "purchase is not a field" in result.output
    result = stocked("ingest", str(path), "--set", "po_number", expect=2)
    assert "is not FIELD=VALUE" in result.output


def test_vendor_defaults__fill_office_and_item_of_a_scan_log(stocked, home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text(
        '[vendors.scanner]\nfile_pattern = "scan-*"\ncolumns = { "Lane" = "bin" }\n'
        'defaults = { office = "Main", item_code = "MBP" }\n', encoding="utf-8")
    path = tmp_path / "scan-log.csv"
    path.write_text("Timestamp,Serial Number,Lane\r\n2026-11-20 10:00:00,000101,A\r\n2026-11-20 10:05:00,000101,A\r\n",
                    encoding="utf-8")
    [out] = stocked.ingest(path, kind="counts", expect=0)
    assert out["status"] == "posted"
    assert [w["code"] for w in out["warnings"]] == ["column-not-read", "count-duplicate-scan"]
    assert any("Office Main from the defaults of vendor scanner" in n for n in out["notes"])


def test_vendor_defaults__unknown_field_is_a_configuration_error(stocked, home: Path, tmp_path: Path) -> None:
    (home / "serialtrack.toml").write_text('[vendors.x]\nfile_pattern = "x*"\ndefaults = { depot = "Main" }\n',
                                           encoding="utf-8")
    result = stocked("stock", expect=2)
    assert "depot" in result.output


# -- headers that map to no field ----------------------------------------------------------------------------

def test_unread_header__named_with_the_field_it_resembles_on_a_rejection(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "typo.xlsx", ["PO", "Item", "Qty", "Serail No"], [["100", "MBP", 1, "000104"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("serials-missing", "C2")]
    assert "list its 1 serial " in out["errors"][0]["message"]
    warning = _warnings(out)["D1"]
    assert warning["code"] == "column-not-read"
    assert "'Serail No'" in warning["message"] and "did you mean Serials?" in warning["message"]
    book = openpyxl.load_workbook(out["output"])
    assert any("Serail No" in str(c.value) for row in book["Errors"].iter_rows() for c in row)


def test_unread_header__listed_on_a_posted_answer_too(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "extra.xlsx", ["PO", "Item", "Qty", "Serials", "Gross Wt."],
                    [["100", "MBP", 1, "000104", 2.5]])
    [out] = stocked.ingest(path, kind="receiving", expect=0)
    assert [(w["code"], w["cell"]) for w in out["warnings"]] == [("column-not-read", "E1")]
    book = openpyxl.load_workbook(out["output"])
    rows = [[c.value for c in row] for row in book["Warnings"].iter_rows()]
    assert rows[0][:3] == ["Cell", "Message", "Code"]
    assert rows[1][0] == "E1" and rows[1][2] == "column-not-read"


def test_required_column_missing__names_the_unread_headers_as_candidates(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "ref.xlsx", ["Our Ref", "Item", "Serial"], [["100", "MBP", "000104"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("required-column-missing", None)]
    message = out["errors"][0]["message"]
    assert message.startswith("no PO column: is it one of 'Our Ref'?"), message
    assert "po_number" not in message.split("ingest --set")[0].split("columns = ")[0]


# -- one pass --------------------------------------------------------------------------------------------------

def test_one_pass__unknown_office_and_unknown_item_in_one_answer(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"],
                    [["Nowhere", "NOPE", "000101"], ["Main", "NOPE2", "000102"]])
    [out] = stocked.ingest(path, kind="counts", expect=1)
    assert _errors(out) == [("office-unknown", "A2"), ("item-unknown", "B2"), ("item-unknown", "B3")]


def test_one_pass__a_refused_cell_does_not_hide_the_ledger_checks(stocked, tmp_path: Path) -> None:
    """A reader refusal (an Excel error in a quantity) and a ledger rule (an unknown PO) on another row come
    back in the same answer, in row order, and the refused cell is not blamed twice."""
    path = workbook(tmp_path / "both.xlsx", ["PO", "Item", "Qty", "Serials"],
                    [["100", "MBP", "#N/A", "000105"], ["999", "MBP", 1, "000106"]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("cell-error", "C2"), ("po-unknown", "A3")]


def test_errors_come_in_row_order(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "order.xlsx", ["SO", "Item", "Serials"],
                    [["500", "MBP", "000101"], ["500", "NOPE", "X1"], ["501", "MBP", "000102"], ["500", "MBP", "000101"]])
    [out] = stocked.ingest(path, kind="shipping", expect=1)
    rows = [e["row"] for e in out["errors"]]
    assert rows == sorted(rows) and len(rows) >= 3
    text = stocked("ingest", str(path), "--kind", "shipping", "--dry-run", expect=1).output
    cited = [line.split("›")[-1].split(":")[0].strip() for line in text.splitlines() if "›" in line]
    assert cited == [e["cell"] for e in out["errors"]]


# -- lost leading zeros everywhere -------------------------------------------------------------------------------

def test_lost_zeros__shipping_names_the_cause_not_an_unknown_serial(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Serials"], [["500", "MBP", 101]])
    [out] = stocked.ingest(path, kind="shipping", expect=1)
    assert _errors(out) == [("serial-lost-leading-zeros", "C2")]
    assert "000101" in out["errors"][0]["message"]


def test_lost_zeros__returns_and_counts_refuse_them_too(stocked, tmp_path: Path) -> None:
    stocked.ingest(workbook(tmp_path / "ship.xlsx", ["SO", "Item", "Serials"], [["500", "MBP", "000101"]]),
                   kind="shipping", expect=0)
    ret = workbook(tmp_path / "ret.xlsx", ["SO", "Item", "Serials", "Disposition"], [["500", "MBP", 101, "restock"]])
    [out] = stocked.ingest(ret, kind="returns", expect=1)
    assert _errors(out) == [("serial-lost-leading-zeros", "C2")]
    count = workbook(tmp_path / "count.xlsx", ["Office", "Item", "Serial"], [["Main", "MBP", 102]])
    [out] = stocked.ingest(count, kind="counts", expect=1)
    assert _errors(out) == [("serial-lost-leading-zeros", "C2")]


def test_lost_zeros__receiving_reports_only_the_cause(stocked, tmp_path: Path) -> None:
    path = workbook(tmp_path / "pl2.xlsx", ["PO", "Item", "Qty", "Serials"], [["100", "MBP", 1, 104]])
    [out] = stocked.ingest(path, kind="receiving", expect=1)
    assert _errors(out) == [("serial-lost-leading-zeros", "D2")]


# -- what a person watching sees -------------------------------------------------------------------------------

def test_watcher_log_line_names_the_top_causes(stocked, home: Path, tmp_path: Path) -> None:
    rows = [["Nowhere", "NOPE", f"X{n}"] for n in range(30)]
    workbook(home / "inbox" / "counts" / "big.xlsx", ["Office", "Item", "Serial"], rows)
    result = stocked("watch", "--once", expect=1)
    [line] = [line for line in result.stderr.splitlines() if "big.xlsx: rejected" in line]
    assert "60 errors" in line
    assert "office-unknown x30 (first at Sheet1!A2)" in line and "item-unknown x30 (first at Sheet1!B2)" in line


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_ingest_on_a_terminal_shows_its_steps(stocked, home: Path, tmp_path: Path) -> None:
    """Run as a person would, in a terminal: the steps (reading, checking N rows, posting, writing) appear on
    it while the file is processed; piped, the output carries none of them."""
    path = workbook(tmp_path / "pl3.xlsx", ["PO", "Item", "Qty", "Serials"], [["100", "MBP", 2, "000120...000121"]])
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: serialtrack on the terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", str(path),
                                    "--kind", "receiving"], env)
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    text = seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "posted [receiving]" in text
    assert "reading pl3.xlsx" in text or "checking 1 rows" in text or "writing the receipt" in text, text
    piped = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", str(path),
                            "--kind", "receiving"], capture_output=True, text=True, env=env, check=False)
    assert "writing the receipt" not in piped.stderr + piped.stdout

"""The seed example, end to end: item DC-IP3VO-4 (serialized), PO 60006 for 2 units, a packing list with
serials 134593568 and 200937842 -> one lot PO-60006 of 2, findable by serial, with a receipt workbook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
from receiving_helpers import Service, packing_list, table


def test_receiving__seed_example_posts_one_lot(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-60006.xlsx",
                        [60006, "DC-IP3VO-4", 1, "134593568"],
                        [60006, "DC-IP3VO-4", 1, "200937842"])

    outcome = st.ingest_one(path)

    assert outcome["status"] == "posted", outcome["errors"]
    assert outcome["kind"] == "receiving"
    assert outcome["errors"] == []
    assert outcome["counts"] == {"rows": 2, "units": 2, "lots": 1, "transactions": 2}
    lots = st.lots()
    assert [(lot["document"], lot["item_code"], lot["office"], lot["qty_ordered"], lot["qty_received"],
             lot["qty_remaining"], lot["unit_cost"], lot["value_received"]) for lot in lots] == [
        ("PO-60006", "DC-IP3VO-4", "Main", 2, 2, 2, "10.5000", "21.0000")]
    assert lots[0]["serials_remaining"] == ["134593568", "200937842"]
    assert st.stock("--item", "DC-IP3VO-4") == [
        {"item_code": "DC-IP3VO-4", "office": "Main", "bin": "RECEIVING", "on_hand": 2,
         "serials": ["134593568", "200937842"]}]


def test_receiving__seed_serial_lookup_names_file_sheet_and_row(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-60006.xlsx",
                        [60006, "DC-IP3VO-4", 1, "134593568"],
                        [60006, "DC-IP3VO-4", 1, "200937842"])
    batch = st.ingest_one(path)["batch"]

    found = st.serial("134593568")

    assert found is not None
    assert (found["item_code"], found["status"], found["lot"], found["office"], found["bin"]) == (
        "DC-IP3VO-4", "in_stock", "PO-60006", "Main", "RECEIVING")
    assert len(found["history"]) == 1
    receipt = found["history"][0]
    assert (receipt["type"], receipt["document"], receipt["file"], receipt["sheet"], receipt["row"],
            receipt["batch"]) == ("receipt", "PO-60006", "PL-60006.xlsx", "Packing List", 2, batch)
    assert st.serial("200937842")["history"][0]["row"] == 3  # type: ignore[index]


def test_receiving__seed_posted_workbook_has_summary_lines_serials(st: Service, tmp_path: Path) -> None:
    path = packing_list(tmp_path / "PL-60006.xlsx",
                        [60006, "DC-IP3VO-4", 1, "134593568"],
                        [60006, "DC-IP3VO-4", 1, "200937842"])
    outcome = st.ingest_one(path)

    output = Path(outcome["output"])
    assert output == st.home / "outbox" / "PL-60006.posted.xlsx"
    book = openpyxl.load_workbook(output)
    assert book.sheetnames == ["Summary", "Lines", "Serials"]
    summary = {row["Field"]: row["Value"] for row in table(book["Summary"], "Field")}
    assert summary["File"] == "PL-60006.xlsx"
    assert summary["Kind"] == "receiving"
    assert summary["Batch"] == outcome["batch"]
    assert summary["Units received"] == 2
    assert summary["Lots created"] == 1
    lines = table(book["Lines"], "PO")
    assert [(r["PO"], r["Item"], r["Lot"], r["Ordered"], r["This Receipt"], r["Remaining"]) for r in lines] == [
        ("60006", "DC-IP3VO-4", "PO-60006", 2, 2, 0)]
    ws = book["Serials"]
    serials = table(ws, "Serial")
    assert [(r["Serial"], r["Lot"], r["Entry"], r["Sheet"], r["Row"]) for r in serials] == [
        ("134593568", "PO-60006", "134593568", "Packing List", 2),
        ("200937842", "PO-60006", "200937842", "Packing List", 3)]
    serial_cells = [row[0] for row in ws.iter_rows() if row[0].value in ("134593568", "200937842")]
    assert len(serial_cells) == 2
    assert all(cell.data_type == "s" for cell in serial_cells), "serials must be stored as text cells"


def test_receiving__seed_example_through_the_installed_command(st: Service, tmp_path: Path) -> None:
    """A smoke test of the real process: ``python -m`` style entry point, exit code and text output."""
    path = packing_list(tmp_path / "PL-60006.xlsx", [60006, "DC-IP3VO-4", 2, "134593568, 200937842"])
    command = [sys.executable, "-c", "from serialtrack.service.cli import main; main()", "--home", str(st.home)]

    done = subprocess.run([*command, "ingest", "--kind", "receiving", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "PL-60006.xlsx: posted [receiving]" in done.stdout
    shown = subprocess.run([*command, "serial", "200937842"], capture_output=True, text=True, timeout=60,
                           check=False)
    assert shown.returncode == 0, shown.stderr
    assert "DC-IP3VO-4 200937842: in_stock at Main / RECEIVING, lot PO-60006" in shown.stdout

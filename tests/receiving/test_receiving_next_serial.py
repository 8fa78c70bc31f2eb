"""Next-serial generation: a serialized line with no serials, for an item with a next serial (GEN-SN starts at
SN0098), gets qty serials counted up from it, and the item then stores the next unused one."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from receiving_helpers import Service, error_at, packing_list, table


def test_receiving__next_serial_generates_qty_serials(st: Service, tmp_path: Path) -> None:
    outcome = st.ingest_one(packing_list(tmp_path / "gen.xlsx", [70001, "GEN-SN", 3, None]))

    assert outcome["status"] == "posted", outcome["errors"]
    assert st.serials_in_stock("GEN-SN") == ["SN0098", "SN0099", "SN0100"]
    assert st.serial("SN0100")["history"][0]["row"] == 2  # type: ignore[index]
    serials = table(openpyxl.load_workbook(outcome["output"])["Serials"], "Serial")
    assert [(r["Serial"], r["Entry"]) for r in serials] == [
        (s, "generated from next serial SN0098") for s in ("SN0098", "SN0099", "SN0100")]


def test_receiving__next_serial_advances_after_a_receipt(st: Service, tmp_path: Path) -> None:
    st.ingest_one(packing_list(tmp_path / "gen-1.xlsx", [70001, "GEN-SN", 3, None]))

    outcome = st.ingest_one(packing_list(tmp_path / "gen-2.xlsx", [70001, "GEN-SN", 2, None]))

    assert outcome["status"] == "posted", outcome["errors"]
    assert [(lot["qty_received"], lot["serials_remaining"]) for lot in st.lots("--item", "GEN-SN")] == [
        (3, ["SN0098", "SN0099", "SN0100"]), (2, ["SN0101", "SN0102"])]


def test_receiving__next_serial_not_advanced_by_dry_run_or_rejection(st: Service, tmp_path: Path) -> None:
    st.ingest_one(packing_list(tmp_path / "dry.xlsx", [70001, "GEN-SN", 3, None]), dry_run=True)
    rejected = st.ingest_one(packing_list(tmp_path / "bad.xlsx", [70001, "GEN-SN", 3, None],
                                          [99999, "CAB-1", 1, "X"]))
    assert rejected["status"] == "rejected"

    st.ingest_one(packing_list(tmp_path / "real.xlsx", [70001, "GEN-SN", 1, None]))

    assert st.serials_in_stock("GEN-SN") == ["SN0098"]


def test_receiving__listed_serials_do_not_use_next_serial(st: Service, tmp_path: Path) -> None:
    st.ingest_one(packing_list(tmp_path / "listed.xlsx", [70001, "GEN-SN", 2, "SN0500, SN0501"]))

    st.ingest_one(packing_list(tmp_path / "gen.xlsx", [70001, "GEN-SN", 1, None]))

    assert st.serials_in_stock("GEN-SN") == ["SN0098", "SN0500", "SN0501"]


def test_receiving__generated_serial_already_in_ledger_rejected(st: Service, tmp_path: Path) -> None:
    st.ingest_one(packing_list(tmp_path / "listed.xlsx", [70001, "GEN-SN", 1, "SN0099"]))

    outcome = st.ingest_one(packing_list(tmp_path / "gen.xlsx", [70001, "GEN-SN", 3, None]))

    assert outcome["status"] == "rejected"
    error = error_at(outcome, "serial-already-in-ledger")
    assert (error["cell"], "SN0099" in error["message"], "generated" in error["message"]) == ("C2", True, True)
    assert st.serials_in_stock("GEN-SN") == ["SN0099"]

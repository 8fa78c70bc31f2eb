"""Excel error cells and damaged shared-string indexes (issue 13, defect 5), in workbooks built by hand since
openpyxl cannot write them: an error cell is rejected by cell with ``cell-error`` naming the error, never read
as blank (so a ``#REF!`` serial never lets generated serials post); a shared-string index that is not a
number of the table is ``workbook-corrupt``, never read as string 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from receiving_helpers import PACKING_HEADER, Service, error_at, error_codes
from support.handmade import Raw, handmade_xlsx


def test_error_cell__ref_serial_on_next_serial_item_rejected_nothing_generated(st: Service, tmp_path: Path) -> None:
    path = handmade_xlsx(tmp_path / "ref.xlsx", [PACKING_HEADER, [70001, "GEN-SN", 2, Raw("e", "#REF!")]])
    outcome = st.ingest_one(path)
    assert outcome["status"] == "rejected"
    error = error_at(outcome, "cell-error")
    assert (error["sheet"], error["cell"]) == ("Packing List", "D2") and "#REF!" in error["message"]
    assert st.serials_in_stock("GEN-SN") == []


def test_error_cell__na_quantity_rejected_not_read_as_blank(st: Service, tmp_path: Path) -> None:
    path = handmade_xlsx(tmp_path / "na.xlsx",
                         [PACKING_HEADER, [70001, "CAB-1", Raw("e", "#N/A", formula="VLOOKUP(A1,Z:Z,2,0)"), "CK1"]])
    outcome = st.ingest_one(path)
    error = error_at(outcome, "cell-error")
    assert error["cell"] == "C2" and "#N/A" in error["message"]
    assert st.serials_in_stock("CAB-1") == []


@pytest.mark.parametrize("error", ["#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])
def test_error_cell__each_excel_error_named(st: Service, tmp_path: Path, error: str) -> None:
    path = handmade_xlsx(tmp_path / "e.xlsx", [PACKING_HEADER, [Raw("e", error), "CAB-1", 1, "CK2"]])
    outcome = st.ingest_one(path)
    assert error_codes(outcome) == {"cell-error"} and error in outcome["errors"][0]["message"]
    assert outcome["errors"][0]["cell"] == "A2"


@pytest.mark.parametrize("index", ["-1", "abc", "1.5", ""])
def test_shared_string__bad_index_is_workbook_corrupt(st: Service, tmp_path: Path, index: str) -> None:
    shared = ["CK9", "unused"]
    path = handmade_xlsx(tmp_path / "sst.xlsx", [PACKING_HEADER, [70001, "CAB-1", 1, Raw("s", index)]],
                         shared=shared)
    outcome = st.ingest_one(path)
    assert error_codes(outcome) == {"workbook-corrupt"}, outcome["errors"]
    assert st.serials_in_stock("CAB-1") == []


def test_shared_string__good_index_still_reads(st: Service, tmp_path: Path) -> None:
    path = handmade_xlsx(tmp_path / "ok.xlsx", [PACKING_HEADER, [70001, "CAB-1", 1, Raw("s", "0")]],
                         shared=["CK9"])
    assert st.ingest_one(path)["status"] == "posted"
    assert st.serials_in_stock("CAB-1") == ["CK9"]

"""The answers open cleanly: a rejected workbook converts headless in LibreOffice (when installed), and text
from a clerk's file never becomes a formula in the workbooks we write."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from receiving_helpers import Service, packing_list, write_csv

try:
    from workbook_checks import assert_output_safe
except ImportError:  # tests/ is not on sys.path unless a conftest or pytest's pythonpath puts it there
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from workbook_checks import assert_output_safe

EVIL = "=HYPERLINK(\"http://evil\",\"click\")"


def _office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_receiving__rejected_workbook_opens_in_libreoffice(st: Service, tmp_path: Path) -> None:
    office = _office()
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path = packing_list(tmp_path / "PL-bad.xlsx", [70001, "CAB-1", 1, "OK-1"], [99999, "CAB-1", 2, "X-1"],
                        [70001, "CAB-1", 1, 12.5])
    outcome = st.ingest_one(path)
    assert outcome["status"] == "rejected"
    out = tmp_path / "converted"

    done = subprocess.run(
        [office, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "csv", "--outdir", str(out), outcome["output"]],
        capture_output=True, text=True, timeout=180, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    converted = out / "PL-bad.rejected.csv"
    assert converted.is_file(), done.stdout + done.stderr
    text = converted.read_text(encoding="utf-8", errors="replace")
    assert "po-unknown" in text and "serial-excel-fraction" in text  # the Errors sheet, first, is what converts


def test_receiving__rejected_workbook_neutralises_formula_text(st: Service, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "evil.csv", [["PO", "Item", "Qty", "Serials"], [70001, "CAB-1", 1, EVIL],
                                             [70001, "CAB-1", 1, "+1-1"], [99999, "CAB-1", 1, "@SUM(1)"]],
                     encoding="utf-8")

    outcome = st.ingest_one(path)

    assert outcome["status"] == "rejected"
    assert_output_safe(outcome["output"])


def test_receiving__formula_like_serials_rejected_and_neutralised(st: Service, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "odd.csv", [["PO", "Item", "Qty", "Serials"], [70001, "CAB-1", 2, "-5X, +7Y"],
                                            [70001, "CAB-1", 1, "@A1"]], encoding="utf-8")

    outcome = st.ingest_one(path)

    assert outcome["status"] == "rejected"
    assert {e["code"] for e in outcome["errors"]} >= {"serial-bad-character"}
    assert_output_safe(outcome["output"])
    assert st.serials_in_stock("CAB-1") == []

"""Seeded mutants of real workbooks through the reader: each one is read or refused with a code, never raises
anything else, never aborts the process, never exceeds the memory limit. Seeds are fixed, so a failure
reproduces (``python tests/hostile/hostile_fuzz.py BASE SEED COUNT SCRATCH``)."""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hostile_books import PL_HEADER, plain_book

FUZZER = Path(__file__).with_name("hostile_fuzz.py")
MUTANTS = 600


def _rich_workbook(path: Path) -> Path:
    """Shared strings, a formula with its value, a merged range, a hidden row and sheet, a date."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Packing List")
    ws.write_row(0, 0, PL_HEADER)
    for row in range(1, 30):
        ws.write_row(row, 0, ["1", "CAM", 1, f"C{row}"])
    ws.write_formula(30, 2, "=SUM(C2:C30)", None, 29)
    ws.merge_range("F1:G2", "merged")
    ws.set_row(5, None, None, {"hidden": True})
    hidden = book.add_worksheet("Notes")
    hidden.write_datetime(0, 0, dt.datetime(2024, 5, 1), book.add_format({"num_format": "yyyy-mm-dd"}))
    hidden.hide()
    book.close()
    return path


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))


@pytest.mark.parametrize("base, seed", [("openpyxl", 1), ("xlsxwriter", 2)])
def test_fuzz__every_mutant_is_read_or_refused_with_a_code(tmp_path: Path, base: str, seed: int) -> None:
    source = (plain_book(tmp_path / "base.xlsx", [PL_HEADER, ["1", "CAM", 1, "C1"], ["1", "CAM", 1, "C2"]])
              if base == "openpyxl" else _rich_workbook(tmp_path / "base.xlsx"))
    run = subprocess.run([sys.executable, str(FUZZER), str(source), str(seed), str(MUTANTS),
                          str(tmp_path / "mutant.xlsx")], capture_output=True, text=True, timeout=300,
                         preexec_fn=_limit)
    assert run.returncode == 0, (run.returncode, run.stderr[-3000:])
    report: dict[str, Any] = json.loads(run.stdout)
    outcomes = report["outcomes"]
    assert not report["others"], report["others"]
    assert sum(outcomes.values()) == MUTANTS
    assert outcomes.get("workbook-corrupt", 0) > MUTANTS // 10 and outcomes.get("read", 0) > MUTANTS // 10, outcomes

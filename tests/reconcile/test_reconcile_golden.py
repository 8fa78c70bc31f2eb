"""Golden test: the scripted history (receipts, shipments, a return, a count with a missing and an unexpected
serial) dropped through the pipeline gives a workbook whose normalised cell dump is the expected one.

Regenerate on purpose, after checking the change is wanted, and review the diff before committing:

    SERIALTRACK_REGEN_GOLDEN=1 pytest tests/reconcile/test_reconcile_golden.py

A missing or different golden file fails the test; it is never written unless that variable is set (the test
then reports itself skipped, naming the file it wrote).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from reconcile_drops import CONFIG, DAY, write_files
from workbook_checks import dump_cells

from serialtrack.service.context import Context
from serialtrack.service.reconcile import reconcile

GOLDEN = Path(__file__).resolve().parent / "golden" / "reconciliation-2026-11-25.json"
REGENERATE = os.environ.get("SERIALTRACK_REGEN_GOLDEN") == "1"


def _rounded(value: Any) -> Any:
    """Floats to 6 decimals (money sums may differ in the last bit between SQLite's REAL and PostgreSQL's
    NUMERIC); everything else as dumped."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def normalised_dump(path: Path) -> dict[str, Any]:
    return _rounded(dump_cells(path, cached=True))


def check_golden(golden: Path, actual: dict[str, Any]) -> None:
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip(f"golden file regenerated: {golden}; review it with git diff before committing")
    assert golden.exists(), (f"{golden} is missing; create it on purpose with "
                             f"SERIALTRACK_REGEN_GOLDEN=1 pytest {Path(__file__).name}")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert list(actual) == list(expected), "sheets differ"
    for sheet in expected:
        assert actual[sheet] == expected[sheet], f"sheet {sheet!r} differs from {golden.name}"


def test_reconcile_golden__dropped_history_matches_expected_dump(dropped: Context) -> None:
    out = reconcile(dropped, DAY)
    assert out.workbook == dropped.home.outbox / "reconciliation-2026-11-25.xlsx"
    check_golden(GOLDEN, normalised_dump(out.workbook))


def test_reconcile_golden__same_workbook_through_the_cli(cli: Any, home: Path, tmp_path: Path) -> None:
    """The files dropped with ``serialtrack ingest`` and the report made with ``serialtrack reconcile``: the
    same dump, except what depends on the wall clock (posting times: the Activity sheet, its count in the
    Summary, and the line saying when the report was generated)."""
    (home / "serialtrack.toml").write_text(CONFIG, encoding="utf-8")
    for path, kind in write_files(tmp_path / "files"):
        [outcome] = cli.ingest(path, kind=kind, expect=0)
        assert outcome["status"] == "posted", outcome
    printed = cli("reconcile", "--date", "2026-11-25").stdout.strip()
    actual = normalised_dump(Path(printed))
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for dump in (actual, expected):
        del dump["Activity"]
        del dump["Summary"]["A2"]
        del dump["Summary"]["B25"]["cached"]
    assert actual == expected

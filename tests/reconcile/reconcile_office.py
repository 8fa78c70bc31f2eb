"""LibreOffice headless as an independent spreadsheet engine: recalculate a workbook's formulas on load.

:func:`recalculated_summary` removes every cached formula result from the workbook (so nothing can be read
back unless LibreOffice computed it), converts it to xlsx with LibreOffice set to always recalculate on load
(a private user profile, so the machine's settings are untouched), and reads the Summary's values.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def without_cached_results(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` with the ``<v>`` of every formula cell removed; returns how many."""
    removed = 0
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, count = re.subn(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
                removed += count
            zout.writestr(info, data)
    return removed


def recalculate(workbook: Path, work: Path) -> Path:
    """``workbook`` recalculated and saved again by LibreOffice (xlsx, with computed values)."""
    assert SOFFICE, "LibreOffice is not installed"
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
    bare = work / "bare" / workbook.name
    bare.parent.mkdir(parents=True, exist_ok=True)
    assert without_cached_results(workbook, bare) > 0
    out = work / "recalculated"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(bare)],
                   check=True, capture_output=True, timeout=180)
    return out / workbook.name


def summary_values(workbook: Path) -> dict[str, tuple[Any, Any]]:
    """Figure -> (Quantity, Amount) from the Summary table's saved values."""
    book = openpyxl.load_workbook(workbook, data_only=True)
    try:
        ws = book["Summary"]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    header = next(i for i, row in enumerate(rows) if row[:3] == ("Figure", "Quantity", "Amount"))
    return {row[0]: (row[1], row[2]) for row in rows[header + 1:] if row[0]}


def recalculated_summary(workbook: Path, work: Path) -> dict[str, tuple[Any, Any]]:
    return summary_values(recalculate(workbook, work))

"""Helpers for the receiving end-to-end tests: a home driven only through the real CLI.

A :class:`Service` runs ``serialtrack --home HOME ...`` through click's CliRunner. The fixtures in
``conftest.py`` give each test one over a home that already holds the standard master data (``MASTER_ITEMS``,
``MASTER_POS``), dropped through ``ingest --kind items`` and ``ingest --kind purchase_orders`` exactly as an
operator would; that home is built once per session and copied for each test.

Workbooks are written with openpyxl (``write_xlsx``), csv files with an explicit encoding (``write_csv``);
answers are read back with openpyxl (``table``, ``errors_table``) and through ``serial/lots/stock --json``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner, Result

from serialtrack.service.cli import main

#: The standard item list: code, description, serialized, next serial, serial pattern, check digit.
MASTER_ITEMS: list[list[Any]] = [
    ["Item Code", "Description", "Serialized", "Next Serial", "Serial Pattern", "Check Digit"],
    ["DC-IP3VO-4", "3.5in drive carrier", "Y", None, None, None],
    ["CAB-1", "Rack cable kit", "Y", None, None, None],
    ["GEN-SN", "Sensor, serials from next serial", "Y", "SN0098", None, None],
    ["BOLT-M6", "M6 bolt (not serialized)", "N", None, None, None],
    ["PAT-SN", "Patterned serials", "Y", None, r"SN\d{4}", None],
    ["IMEI-PHONE", "Phone with IMEI", "Y", None, r"\d{15}", "Luhn"],
    ["WIDE-8", "Eight-digit serials", "Y", "00001000", None, None],
]

#: The standard purchase orders: PO 60006 is the seed example (2 units of DC-IP3VO-4).
MASTER_POS: list[list[Any]] = [
    ["PO Number", "Vendor", "Office", "Item Code", "Qty", "Unit Cost"],
    [60006, "Acme", "Main", "DC-IP3VO-4", 2, 10.5],
    [70001, "Acme", "Main", "CAB-1", 100, 2],
    [70001, "Acme", "Main", "BOLT-M6", 500, 0.1],
    [70001, "Acme", "Main", "GEN-SN", 20, 5],
    [70001, "Acme", "Main", "PAT-SN", 20, 5],
    [70001, "Acme", "Main", "IMEI-PHONE", 20, 150],
    [70001, "Acme", "Main", "WIDE-8", 20, 1],
    [70002, "Acme", "Main", "DC-IP3VO-4", 10, 10.5],
]

PACKING_HEADER = ["PO", "Item", "Qty", "Serials"]
SHEET = "Packing List"


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, sheet: str = SHEET,
               text_columns: Sequence[int] = ()) -> Path:
    """A one-sheet workbook; values keep their Python types (float, datetime, str) as Excel cells.

    ``text_columns`` (1-based) get the Text number format, as a careful clerk would set it.
    """
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for column in text_columns:
        for cells in ws.iter_rows(min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str, delimiter: str = ",") -> Path:
    """A csv file in ``encoding`` (``utf-8-sig`` writes the BOM Excel writes) with CRLF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(
            [["" if v is None else v for v in row] for row in rows])
    return path


def packing_list(path: Path, *rows: Sequence[Any], header: Sequence[str] = PACKING_HEADER,
                 sheet: str = SHEET) -> Path:
    """A plain packing list: the standard header on row 1, then ``rows``."""
    return write_xlsx(path, [list(header), *rows], sheet=sheet)


@dataclass
class Service:
    """One home, driven through ``serialtrack --home HOME ...`` with click's CliRunner."""

    home: Path
    runner: CliRunner

    def run(self, *args: str, exit_code: int | None = 0) -> Result:
        result = self.runner.invoke(main, ["--home", str(self.home), *args], catch_exceptions=False)
        if exit_code is not None:
            assert result.exit_code == exit_code, (
                f"serialtrack {' '.join(args)} exited {result.exit_code}, not {exit_code}:\n{result.output}")
        return result

    def ingest(self, *paths: Path, kind: str | None = "receiving", dry_run: bool = False,
               exit_code: int | None = None) -> list[dict[str, Any]]:
        """``ingest --json``: one outcome per file. The exit code is checked against the outcomes."""
        args = ["ingest", "--json", *(["--kind", kind] if kind else []), *(["--dry-run"] if dry_run else [])]
        result = self.run(*args, *map(str, paths), exit_code=None)
        outcomes = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        assert len(outcomes) == len(paths), result.output
        expected = exit_code if exit_code is not None else (
            0 if all(o["status"] in ("posted", "duplicate") for o in outcomes) else 1)
        assert result.exit_code == expected, result.output
        return outcomes

    def ingest_one(self, path: Path, **kwargs: Any) -> dict[str, Any]:
        return self.ingest(path, **kwargs)[0]

    def serial(self, serial: str, *, item: str | None = None) -> dict[str, Any] | None:
        """``serial S --json``, or None when the ledger does not know it (exit 1)."""
        result = self.run("serial", serial, "--json", *(["--item", item] if item else []), exit_code=None)
        if result.exit_code == 1 and "not in the ledger" in result.output:
            return None
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def lots(self, *args: str) -> list[dict[str, Any]]:
        return json.loads(self.run("lots", "--json", *args).stdout)

    def stock(self, *args: str) -> list[dict[str, Any]]:
        return json.loads(self.run("stock", "--json", *args).stdout)

    def serials_in_stock(self, item: str) -> list[str]:
        return [s for row in self.stock("--item", item) for s in row.get("serials", [])]

    def configure(self, toml: str) -> None:
        """Replace ``serialtrack.toml`` (every setting has a default, so a partial file is complete)."""
        (self.home / "serialtrack.toml").write_text(toml, encoding="utf-8")

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"


# -- reading answers back ---------------------------------------------------------------------------------------


def table(ws: Any, first_header: str) -> list[dict[str, Any]]:
    """The rows of the table on ``ws`` whose header row starts with ``first_header``, as dicts (not its
    totals row)."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    header = [h for h in rows[start] if h is not None]
    found = []
    for row in rows[start + 1:]:
        if all(v is None for v in row[:len(header)]):
            continue
        if row[0] == "Total":
            break  # the totals row under the table
        found.append(dict(zip(header, row, strict=False)))
    return found


def errors_table(path: Path | str) -> list[dict[str, Any]]:
    """The Errors sheet of a rejected workbook, which must be its first sheet."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        assert book.sheetnames[0] == "Errors", book.sheetnames
        return table(book["Errors"], "Cell")
    finally:
        book.close()


def error_codes(outcome: dict[str, Any]) -> set[str]:
    return {e["code"] for e in outcome["errors"]}


def error_at(outcome: dict[str, Any], code: str) -> dict[str, Any]:
    """The first ``--json`` error with ``code`` (fails listing every error when there is none)."""
    for error in outcome["errors"]:
        if error["code"] == code:
            return error
    raise AssertionError(f"no {code} error in {json.dumps(outcome['errors'], indent=1)}")

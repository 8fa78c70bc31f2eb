"""Ordinary input that used to become an internal error (issue 13, defects 7 and 10), on SQLite and
PostgreSQL: each is a clear rejection by cell or by file, and what is fine posts.

Non-ASCII office names match whatever their case; text longer than its column, numbers beyond what a column
holds, a CSV cell over Python's default field limit, a file name that is not UTF-8, and dates outside 1900 to
2200."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from support.books import items_book, po_book, workbook
from support.handmade import Raw, handmade_xlsx

PL_HEADER = ["PO", "Item", "Qty", "Serials", "Received Date"]


def _scalar(db_url: str, sql: str) -> Any:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def stocked(cli: Any, tmp_path: Path) -> Any:
    cli("init")
    items = items_book(tmp_path / "items.xlsx", [("CAM-1", "Camera", "Y", 10, None),
                                                 ("BOLT", "Bolt", "N", 1, None)])
    orders = po_book(tmp_path / "orders.xlsx", [(100, "Acme", "Main", "CAM-1", 1_000_000, 10),
                                                (100, "Acme", "Main", "BOLT", 1_000, 1)])
    assert cli.ingest(items, kind="items")[0]["status"] == "posted"
    assert cli.ingest(orders, kind="purchase_orders")[0]["status"] == "posted"
    return cli


def _error(outcome: dict[str, Any], code: str) -> dict[str, Any]:
    found = [e for e in outcome["errors"] if e["code"] == code]
    assert found, outcome["errors"]
    return found[0]


@pytest.mark.parametrize("office", ["Straße", "ÖSTERREICH", "Émile-Zola"])
def test_office__non_ascii_name_matches_on_the_second_order(stocked: Any, db_url: str, tmp_path: Path,
                                                            office: str) -> None:
    first = po_book(tmp_path / "a.xlsx", [(200, "Acme", office, "CAM-1", 5, 10)])
    second = po_book(tmp_path / "b.xlsx", [(201, "Acme", office.upper(), "CAM-1", 5, 10)])
    assert stocked.ingest(first, kind="purchase_orders")[0]["status"] == "posted"
    [again] = stocked.ingest(second, kind="purchase_orders")
    assert again["status"] == "posted", again["errors"]
    assert _scalar(db_url, "SELECT count(*) FROM offices WHERE name <> 'Main'") == 1


@pytest.mark.parametrize(("column", "value", "cell"), [
    ("Serials", "S" * 101, "D2"),
    ("PO", "P" * 101, "A2"),
])
def test_receiving__text_longer_than_its_column_rejected_by_cell(stocked: Any, tmp_path: Path, column: str,
                                                                  value: str, cell: str) -> None:
    row = {"PO": 100, "Item": "CAM-1", "Qty": 1, "Serials": "OK1", "Received Date": None, column: value}
    path = workbook(tmp_path / "long.xlsx", PL_HEADER, [[row[h] for h in PL_HEADER]])
    [outcome] = stocked.ingest(path, kind="receiving")
    assert outcome["status"] == "rejected"
    error = _error(outcome, "value-too-long")
    assert error["cell"] == cell and "100" in error["message"]


def test_items__unit_of_measure_longer_than_20_rejected(stocked: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path / "uom.xlsx", ["Item Code", "Description", "Serialized", "UOM"],
                    [["NEW-1", "New", "N", "U" * 21]])
    [outcome] = stocked.ingest(path, kind="items")
    assert _error(outcome, "value-too-long")["cell"] == "D2"


def test_orders__office_longer_than_100_rejected(stocked: Any, tmp_path: Path) -> None:
    [outcome] = stocked.ingest(po_book(tmp_path / "o.xlsx", [(300, "Acme", "O" * 101, "CAM-1", 1, 1)]),
                               kind="purchase_orders")
    assert _error(outcome, "value-too-long")["cell"] == "C2"


@pytest.mark.parametrize("qty", [2**31, 10**19, 1e19, 1e308])
def test_orders__quantity_beyond_the_column_rejected(stocked: Any, tmp_path: Path, qty: float) -> None:
    [outcome] = stocked.ingest(po_book(tmp_path / "q.xlsx", [(301, "Acme", "Main", "CAM-1", qty, 1)]),
                               kind="purchase_orders")
    assert outcome["status"] == "rejected"
    assert _error(outcome, "number-too-large")["cell"] == "E2"


def test_orders__cost_1e30_rejected(stocked: Any, tmp_path: Path) -> None:
    [outcome] = stocked.ingest(po_book(tmp_path / "c.xlsx", [(302, "Acme", "Main", "CAM-1", 1, 1e30)]),
                               kind="purchase_orders")
    assert _error(outcome, "number-too-large")["cell"] == "F2"


def test_receiving__xlsx_number_1e400_rejected(stocked: Any, tmp_path: Path) -> None:
    path = handmade_xlsx(tmp_path / "inf.xlsx", [PL_HEADER[:4], [100, "BOLT", Raw("n", "1e400"), None]])
    [outcome] = stocked.ingest(path, kind="receiving")
    assert outcome["status"] == "rejected"
    assert outcome["errors"][0]["cell"] == "C2", outcome["errors"]


def test_receiving__csv_cell_of_15000_serials_posts(stocked: Any, db_url: str, tmp_path: Path) -> None:
    serials = [f"LONGSER{n:05d}" for n in range(15_000)]
    path = tmp_path / "big-cell.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["PO", "Item", "Qty", "Serials"])
        writer.writerow([100, "CAM-1", len(serials), ",".join(serials)])
    assert path.stat().st_size > 131_072 + 100
    [outcome] = stocked.ingest(path, kind="receiving")
    assert outcome["status"] == "posted", outcome["errors"]
    assert _scalar(db_url, "SELECT count(*) FROM serial_units") == 15_000


@pytest.mark.parametrize("date", ["1899-12-31", "2201-01-01", "0001-01-01"])
def test_receiving__implausible_date_rejected_by_cell(stocked: Any, tmp_path: Path, date: str) -> None:
    path = workbook(tmp_path / "d.xlsx", PL_HEADER, [[100, "CAM-1", 1, "D1", date]])
    [outcome] = stocked.ingest(path, kind="receiving")
    error = _error(outcome, "date-implausible")
    assert error["cell"] == "E2" and date in error["message"]


def test_non_utf8_file_name__ingest_prints_json_and_watch_answers(stocked: Any, home: Path) -> None:
    folder = os.fsencode(home / "inbox" / "receiving")
    raw = os.path.join(folder, b"PL-\xff\xfe.csv")
    with open(raw, "wb") as handle:
        handle.write(b"PO,Item,Qty,Serials\n100,CAM-1,1,NU1\n")
    run = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "ingest", "--json",
                          os.fsdecode(raw)], capture_output=True, env=dict(os.environ), timeout=120)
    assert run.returncode == 1, run.stderr.decode(errors="replace")[-2000:]
    [outcome] = [json.loads(line) for line in run.stdout.decode().splitlines() if line.strip()]
    assert outcome["status"] == "rejected" and outcome["errors"][0]["code"] == "file-name-unsafe"
    assert "<0xFF>" in outcome["file"]

    raw2 = os.path.join(folder, b"PL2-\xe9.csv")
    with open(raw2, "wb") as handle:
        handle.write(b"PO,Item,Qty,Serials\n100,CAM-1,1,NU2\n")
    (home / "serialtrack.toml").write_text("[watcher]\nmin_age_seconds = 0.1\n", encoding="utf-8")
    watch = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "watch", "--once",
                            "--poll", "0.2"], capture_output=True, env=dict(os.environ), timeout=120)
    assert watch.returncode == 1, watch.stderr.decode(errors="replace")[-2000:]
    answers = [p.name for p in (home / "outbox").iterdir() if p.name.startswith("PL2-")]
    assert answers == ["PL2-<0xE9>.rejected.xlsx"], answers
    assert not any((home / "inbox" / "receiving").iterdir())

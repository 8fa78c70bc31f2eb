"""Helpers for tests/access: clerks' files owned by other users, the ``[access]`` table, and one way to run a
dropped file through either door (``ingest``, or a real ``serialtrack watch --once`` process) and read back
what happened from the answers, the archive and the ledger.

Numeric ids that name nobody on a usual system stand for the people: the purchasing buyer (uid 4201, group
4200) and the receiving clerk (uid 4301, group 4300)."""

from __future__ import annotations

import grp
import json
import os
import pwd
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from support.books import po_book, workbook
from workbook_checks import dump_cells

ITEM = "CAM-1"
PO = 100
BUYER = (4201, 4200)  # purchasing
CLERK = (4301, 4300)  # the warehouse's receiving clerk
MODES = ("ingest", "watch")


def configure(home: Path, access: str) -> None:
    """``serialtrack.toml``: a quick watcher and the given ``[access]`` table (TOML lines)."""
    (home / "serialtrack.toml").write_text(
        f"[watcher]\npoll_seconds = 0.2\nmin_age_seconds = 0.2\n\n[access]\n{access}\n", encoding="utf-8")


def owned(path: Path, owner: tuple[int, int]) -> Path:
    os.chown(path, *owner)
    return path


def po_raise(home: Path, name: str, owner: tuple[int, int], qty: int = 50) -> Path:
    """A purchase-order file that raises PO 100's quantity, dropped in ``inbox/purchase_orders/``."""
    return owned(po_book(home / "inbox" / "purchase_orders" / name, [(PO, "Acme", "Main", ITEM, qty, 10)]), owner)


def packing_list(folder: Path, name: str, serials: list[str], owner: tuple[int, int]) -> Path:
    """A packing list for PO 100, one row per serial."""
    return owned(workbook(folder / name, ["PO", "Item", "Qty", "Serials"], [(PO, ITEM, 1, s) for s in serials],
                          title=[["Packing list"], []], sheet="Packing List"), owner)


def named_user() -> pwd.struct_passwd:
    """A real user other than root whose primary group has a name (``daemon`` on Debian)."""
    candidates = [p for p in pwd.getpwall() if p.pw_uid != 0 and _has_group(p.pw_gid)]
    preferred = [p for p in candidates if p.pw_name == "daemon"] or candidates
    if not preferred:
        pytest.skip("this system has no user other than root with a named group")
    return preferred[0]


def _has_group(gid: int) -> bool:
    try:
        grp.getgrgid(gid)
    except KeyError:
        return False
    return True


@dataclass
class Done:
    """What became of one dropped file, through either door."""

    status: str
    kind: str | None
    batch: int | None
    output: Path | None
    dropped_by: dict[str, Any] | None
    exit_code: int

    def messages(self) -> list[str]:
        """Every text cell of the answer workbook."""
        assert self.output is not None
        return [v for sheet in dump_cells(self.output).values() for v in sheet.values() if isinstance(v, str)]


def watch_once(home: Path) -> tuple[int, list[dict[str, Any]]]:
    """``serialtrack watch --once`` as a real process: exit code and the per-file JSON log lines."""
    run = subprocess.run([sys.executable, "-m", "serialtrack", "--home", str(home), "watch", "--once", "--poll",
                          "0.2", "--log-format", "json"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ))
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    return run.returncode, [line for line in lines if "status" in line]


def process(mode: str, cli: Any, home: Path, path: Path) -> Done:
    """Run the one file at ``path`` (in the inbox) through ``ingest`` or ``watch --once``."""
    if mode == "ingest":
        result = cli("ingest", str(path), "--json", expect=None)
        [outcome] = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        code = result.exit_code
    else:
        code, outcomes = watch_once(home)
        [outcome] = [o for o in outcomes if o["file"] == path.name]
    output = Path(outcome["output"]) if outcome.get("output") else None
    return Done(outcome["status"], outcome["kind"], outcome["batch"], output, outcome.get("dropped_by"), code)


def sql(query: str, **params: Any) -> list[Any]:
    engine = create_engine(os.environ["SERIALTRACK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query), params).all())
    finally:
        engine.dispose()


def po_qty() -> int:
    return int(sql("SELECT l.qty_ordered FROM po_lines l JOIN purchase_orders p ON p.id = l.po_id "
                   "WHERE p.number = :n", n=str(PO))[0][0])


def batch_row(batch: int) -> Any:
    return sql("SELECT status, dropped_by_user, dropped_by_group, run_by FROM batches WHERE id = :b", b=batch)[0]


def archived(home: Path, status: str) -> list[str]:
    return sorted(p.name for p in (home / "archive" / status).rglob("*") if p.is_file())


def summary(path: Path) -> dict[str, Any]:
    """The posted workbook's Summary as {label: value}."""
    cells = dump_cells(path)["Summary"]
    return {v: cells.get(f"B{ref[1:]}") for ref, v in cells.items() if ref.startswith("A")}

"""Races between real processes: a seeded home, the conflicting files of one round, and ``serialtrack ingest``
processes started together.

``REPEAT`` is how many rounds each scenario runs: 1 in the normal suite, ``SERIALTRACK_STRESS`` (e.g. 20) in
the stress mode. Each round uses its own orders and serials in the same ledger, so the invariants are checked
against a ledger that grows as rounds pile up. ``Tally`` counts what the stress runs report.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.books import items_book

REPEAT = max(1, int(os.environ.get("SERIALTRACK_STRESS") or 1))
ITEM, PLAIN = "CAM-1", "CBL-1"
TALLY_FILE = os.environ.get("SERIALTRACK_STRESS_TALLY")  # where the stress figures are appended (JSON lines)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def po_csv(path: Path, lines: Sequence[tuple[str, str, int]]) -> Path:
    return write_csv(path, ["PO #", "Vendor", "Office", "Item", "Qty", "Unit Cost"],
                     [(po, "Acme", "Main", item, qty, 10) for po, item, qty in lines])


def so_csv(path: Path, lines: Sequence[tuple[str, str, int]]) -> Path:
    return write_csv(path, ["SO #", "Customer", "Office", "Item", "Qty", "Unit Price"],
                     [(so, "Bob", "Main", item, qty, 20) for so, item, qty in lines])


def receipt_csv(path: Path, po: str, serials: Sequence[str], *, item: str = ITEM) -> Path:
    return write_csv(path, ["PO", "Item", "Qty", "Serials"], [(po, item, 1, s) for s in serials])


def plain_receipt_csv(path: Path, po: str, qty: int) -> Path:
    return write_csv(path, ["PO", "Item", "Qty"], [(po, PLAIN, qty)])


def shipment_csv(path: Path, so: str, serials: Sequence[str]) -> Path:
    return write_csv(path, ["SO", "Item", "Qty", "Serials"], [(so, ITEM, 1, s) for s in serials])


def plain_shipment_csv(path: Path, so: str, qty: int) -> Path:
    return write_csv(path, ["SO", "Item", "Qty"], [(so, PLAIN, qty)])


def seed_items(cli: Any, tmp: Path) -> None:
    book = items_book(tmp / "items.xlsx", [(ITEM, "Camera", "Y", 10, None), (PLAIN, "Cable", "N", 1, None)])
    assert cli.ingest(book, kind="items")[0]["status"] == "posted"


def ingest_command(home: Path, *files: Path, verbose: bool = False) -> list[str]:
    return [sys.executable, "-m", "serialtrack", "--home", str(home), *(["-v"] if verbose else []), "ingest",
            *map(str, files), "--json"]


@dataclass
class Finished:
    code: int
    outcomes: list[dict[str, Any]]
    stderr: str


def run_together(home: Path, runs: Sequence[tuple[Sequence[Path], Mapping[str, str]]],
                 timeout: float = 600, verbose: bool = False) -> list[Finished]:
    """Start one ``serialtrack ingest`` process per (files, extra environment) at once; wait for them all."""
    procs = [subprocess.Popen(ingest_command(home, *files, verbose=verbose), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ, **extra}) for files, extra in runs]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        outcomes = [json.loads(line) for line in out.splitlines() if line.strip()]
        done.append(Finished(proc.returncode, outcomes, err))
    return done


@dataclass
class Tally:
    """What a scenario saw over its rounds: the stress run's figures."""

    scenario: str
    files: int = 0
    conflicts: int = 0
    double_posts: int = 0
    lost: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    rounds: int = 0

    def count(self, outcomes: Sequence[Mapping[str, Any]], *, conflicts: int) -> None:
        """One round done, its invariants checked: its figures are added (and written out when collected)."""
        self.rounds += 1
        self.files += len(outcomes)
        self.conflicts += conflicts
        for o in outcomes:
            self.statuses[o["status"]] = self.statuses.get(o["status"], 0) + 1
        if TALLY_FILE:
            self.report()

    def report(self) -> None:
        line = json.dumps({"scenario": self.scenario, "rounds": self.rounds, "of": REPEAT, "files": self.files,
                           "conflicts": self.conflicts, "double_posts": self.double_posts, "lost": self.lost,
                           "statuses": self.statuses})
        print(line)
        if TALLY_FILE:
            with open(TALLY_FILE, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

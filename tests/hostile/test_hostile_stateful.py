"""Property-based, stateful: random sequences of drops, duplicate drops, rejected files and their corrections,
shipments, returns, transfers between offices, scrap and found adjustments, vendor returns, reversals and
crash-restarts, run against a small model of the ledger.

The model knows, for every serial, the batches that touched it; a batch is reversible while it is the last live
batch of each of its units; a unit's status and office are the effect of its last live batch. After every step the ledger
must agree with the model (each unit's status, the set of live batches) and hold the invariants of the
shipping issue (``support.invariants.check_invariants``). Each example starts from a fresh ledger.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_books import shared_strings_book
from hostile_support import run_bounded
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, select, text
from support.books import items_book, po_book, so_book
from support.invariants import check_invariants

from serialtrack.faults import CRASH_ENV
from serialtrack.ledger import schema as t
from serialtrack.service.cli import main

EFFECT = {"receiving": "in_stock", "shipping": "shipped", "restock": "in_stock", "scrap": "scrapped"}
OFFICES = ("Main", "Depot")
POSTING_KINDS = ["receiving", "shipping", "returns", "transfers", "adjustments", "vendor_returns"]
CRASH_POINTS = ["reading", "planned", "before-commit", "after-commit", "writing-report"]


@dataclass
class Batch:
    id: int
    kind: str
    serials: list[str]
    effect: str  # what it does to each unit: in_stock, shipped, scrapped, returned_to_vendor
    file: Path
    live: bool = True
    office: str | None = None  # where an in_stock effect leaves the units
    source: str | None = None  # the office a transfer or scrap takes them from; "found": a found adjustment


@dataclass
class Model:
    batches: dict[int, Batch] = field(default_factory=dict)
    history: dict[str, list[int]] = field(default_factory=dict)  # serial -> batch ids, oldest first

    def live_history(self, serial: str) -> list[Batch]:
        return [self.batches[b] for b in self.history.get(serial, []) if self.batches[b].live]

    def status(self, serial: str) -> str:
        live = self.live_history(serial)
        return live[-1].effect if live else "reversed"

    def office(self, serial: str) -> str | None:
        live = self.live_history(serial)
        return live[-1].office if live and live[-1].effect == "in_stock" else None

    def in_stock_at(self, office: str) -> list[str]:
        return [s for s in self.in_stock() if self.office(s) == office]

    def received_on_po(self, serial: str) -> bool:
        """Came in on PO 1 (a found unit did not): the receipt that brought it stands."""
        return any(b.kind == "receiving" for b in self.live_history(serial))

    def shipped(self) -> list[str]:
        return sorted(s for s in self.history if self.live_history(s) and self.live_history(s)[-1].kind == "shipping")

    def in_stock(self) -> list[str]:
        return sorted(s for s in self.history if self.status(s) == "in_stock")

    def reversible(self, batch: Batch) -> bool:
        return batch.live and all(self.live_history(s)[-1] is batch for s in batch.serials)

    def accepts(self, batch: Batch) -> bool:
        """Whether the same bytes, dropped again, would post now."""
        if batch.kind == "receiving":  # a reversed receipt's units, or units back from their vendor
            return all(self.status(s) in ("reversed", "returned_to_vendor") for s in batch.serials)
        if batch.kind == "shipping":
            return all(self.office(s) == "Main" for s in batch.serials)
        if batch.kind == "adjustments" and batch.source == "found":
            return all(self.status(s) == "reversed" for s in batch.serials)
        if batch.kind in ("transfers", "adjustments"):
            return all(self.office(s) == batch.source for s in batch.serials)
        if batch.kind == "vendor_returns":
            return all(self.status(s) == "in_stock" and self.received_on_po(s) for s in batch.serials)
        return all(s in self.shipped() for s in batch.serials)

    def post(self, batch: Batch) -> None:
        self.batches[batch.id] = batch
        for serial in batch.serials:
            self.history.setdefault(serial, []).append(batch.id)


class LedgerMachine(RuleBasedStateMachine):
    """One fresh home per example (SQLite file or PostgreSQL schema), driven through the CLI."""

    backend = "sqlite"
    workdir = Path("/tmp")
    rotation = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.counter = itertools.count(1)
        self.crashes = 0
        self.root = self.workdir / uuid.uuid4().hex[:10]
        self.home = self.root / "home"
        self.files = self.root / "files"
        self.files.mkdir(parents=True)
        self.schema: str | None = None
        self.url = self._new_database()
        self.saved_url = os.environ.get("SERIALTRACK_DATABASE_URL")
        os.environ["SERIALTRACK_DATABASE_URL"] = self.url
        self.runner = CliRunner()

    # -- plumbing ----------------------------------------------------------------------------------------

    def _new_database(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.root / 'ledger.db'}"
        admin_url = os.environ["SERIALTRACK_TEST_POSTGRES_URL"]
        self.schema = f"h_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        admin.dispose()
        return f"{admin_url}{'&' if '?' in admin_url else '?'}options=-csearch_path%3D{self.schema}"

    def teardown(self) -> None:
        if self.saved_url is None:
            os.environ.pop("SERIALTRACK_DATABASE_URL", None)
        else:
            os.environ["SERIALTRACK_DATABASE_URL"] = self.saved_url
        if self.schema:
            admin = create_engine(os.environ["SERIALTRACK_TEST_POSTGRES_URL"])
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(self.root, ignore_errors=True)

    def cli(self, *args: str) -> tuple[int, str]:
        result = self.runner.invoke(main, ["--home", str(self.home), *args], catch_exceptions=False)
        return result.exit_code, result.stdout

    def ingest(self, path: Path, kind: str) -> dict[str, Any]:
        code, out = self.cli("ingest", "--json", "--kind", kind, str(path))
        [outcome] = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert code == (0 if outcome["status"] in ("posted", "duplicate") else 1)
        return outcome

    def _file(self, kind: str, serials: list[str], *, po: str = "1", disposition: str = "restock",
              office: str = "Main", to: str = "Depot", action: str = "scrap") -> Path:
        n = next(self.counter)
        path = self.files / f"{kind}-{n}.xlsx"
        listed = ", ".join(serials)
        if kind == "transfers":
            rows: list[list[Any]] = [["Item", "From Office", "To Office", "Qty", "Serials", "Reference"],
                                     ["CAM", office, to, len(serials), listed, f"T-{n}"]]
        elif kind == "adjustments":
            rows = [["Office", "Item", "Action", "Reason", "Qty", "Serials"],
                    [office, "CAM", action, f"R-{n}", len(serials), listed]]
        elif kind == "vendor_returns":
            rows = [["PO", "Item", "Qty", "Serials", "RMA"], [po, "CAM", len(serials), listed, f"RMA-{n}"]]
        elif kind == "receiving":
            rows = [["PO", "Item", "Qty", "Serials", "Packing List"],
                                     [po, "CAM", len(serials), ", ".join(serials), f"PL-{n}"]]
        elif kind == "shipping":
            rows = [["SO", "Item", "Qty", "Serials", "Tracking"], ["S1", "CAM", len(serials), ", ".join(serials),
                                                                   f"T-{n}"]]
        else:
            rows = [["SO", "Item", "Serial", "Disposition", "Reason"],
                    *(["S1", "CAM", s, disposition, f"R-{n}"] for s in serials)]
        return shared_strings_book(path, rows, sheet="Sheet1")

    def _post(self, kind: str, serials: list[str], path: Path, effect: str, *, office: str | None = "Main",
              source: str | None = None) -> None:
        outcome = self.ingest(path, kind)
        assert outcome["status"] == "posted", (kind, serials, outcome["errors"])
        self.model.post(Batch(outcome["batch"], kind, serials, effect, path,
                              office=office if effect == "in_stock" else None, source=source))

    def _fresh(self, count: int) -> list[str]:
        return [f"P{next(self.counter):05d}" for _ in range(count)]

    # -- rules -------------------------------------------------------------------------------------------

    @initialize()
    def master_data(self) -> None:
        assert self.cli("init")[0] == 0
        self.ingest(items_book(self.files / "items.xlsx", [["CAM", "Camera", "Y", 100, None]]), "items")
        self.ingest(po_book(self.files / "po.xlsx", [["1", "Acme", "Main", "CAM", 100_000, 90],
                                                     ["2", "Acme", "Depot", "CAM", 1, 90]]), "purchase_orders")
        self.ingest(so_book(self.files / "so.xlsx", [["S1", "Bob", "Main", "CAM", 100_000, 150]]), "sales_orders")

    @rule(count=st.integers(1, 3))
    def receive(self, count: int) -> None:
        serials = self._fresh(count)
        self._post("receiving", serials, self._file("receiving", serials), "in_stock")

    @rule(data=st.data())
    def rejected_then_corrected(self, data: st.DataObject) -> None:
        """A packing list naming an unknown PO is refused whole; the clerk's corrected copy posts."""
        serials = self._fresh(data.draw(st.integers(1, 2)))
        outcome = self.ingest(self._file("receiving", serials, po="999"), "receiving")
        assert outcome["status"] == "rejected" and {e["code"] for e in outcome["errors"]} == {"po-unknown"}
        self._post("receiving", serials, self._file("receiving", serials), "in_stock")

    @precondition(lambda self: self.model.in_stock_at("Main"))
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        stock = self.model.in_stock_at("Main")
        serials = data.draw(st.lists(st.sampled_from(stock), min_size=1, max_size=min(3, len(stock)), unique=True))
        self._post("shipping", serials, self._file("shipping", serials), "shipped")

    @precondition(lambda self: self.model.in_stock())
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        """Units in stock at one office move to the other."""
        office = data.draw(st.sampled_from([o for o in OFFICES if self.model.in_stock_at(o)]))
        stock = self.model.in_stock_at(office)
        serials = data.draw(st.lists(st.sampled_from(stock), min_size=1, max_size=min(3, len(stock)), unique=True))
        to = next(o for o in OFFICES if o != office)
        self._post("transfers", serials, self._file("transfers", serials, office=office, to=to), "in_stock",
                   office=to, source=office)

    @precondition(lambda self: self.model.in_stock())
    @rule(data=st.data())
    def scrap(self, data: st.DataObject) -> None:
        office = data.draw(st.sampled_from([o for o in OFFICES if self.model.in_stock_at(o)]))
        serials = data.draw(st.lists(st.sampled_from(self.model.in_stock_at(office)), min_size=1, max_size=2,
                                     unique=True))
        self._post("adjustments", serials, self._file("adjustments", serials, office=office), "scrapped",
                   source=office)

    @rule(count=st.integers(1, 2), office=st.sampled_from(OFFICES))
    def found(self, count: int, office: str) -> None:
        serials = self._fresh(count)
        self._post("adjustments", serials, self._file("adjustments", serials, office=office, action="found"),
                   "in_stock", office=office, source="found")

    @precondition(lambda self: any(self.model.received_on_po(s) for s in self.model.in_stock()))
    @rule(data=st.data())
    def vendor_return(self, data: st.DataObject) -> None:
        stock = [s for s in self.model.in_stock() if self.model.received_on_po(s)]
        serials = data.draw(st.lists(st.sampled_from(stock), min_size=1, max_size=min(2, len(stock)), unique=True))
        self._post("vendor_returns", serials, self._file("vendor_returns", serials), "returned_to_vendor")

    @precondition(lambda self: any(self.model.office(s) != "Main" for s in self.model.history))
    @rule(data=st.data())
    def ship_what_is_not_in_stock(self, data: st.DataObject) -> None:
        gone = sorted(s for s in self.model.history if self.model.office(s) != "Main")
        serial = data.draw(st.sampled_from(gone))
        outcome = self.ingest(self._file("shipping", [serial]), "shipping")
        assert outcome["status"] == "rejected", outcome

    @precondition(lambda self: self.model.shipped())
    @rule(data=st.data(), disposition=st.sampled_from(["restock", "scrap"]))
    def return_(self, data: st.DataObject, disposition: str) -> None:
        serial = data.draw(st.sampled_from(self.model.shipped()))
        self._post("returns", [serial], self._file("returns", [serial], disposition=disposition),
                   EFFECT[disposition])

    @precondition(lambda self: self.model.batches)
    @rule(data=st.data())
    def drop_again(self, data: st.DataObject) -> None:
        """The same bytes once more: a duplicate while the batch stands; after a reversal, posted again if the
        ledger allows it now, refused otherwise."""
        batch = self.model.batches[data.draw(st.sampled_from(sorted(self.model.batches)))]
        standing = any(b.live and b.file == batch.file for b in self.model.batches.values())
        expected = "duplicate" if standing else ("posted" if self.model.accepts(batch) else "rejected")
        outcome = self.ingest(batch.file, batch.kind)
        assert outcome["status"] == expected, (batch, outcome["errors"], outcome["notes"])
        if expected == "posted":
            self.model.post(Batch(outcome["batch"], batch.kind, batch.serials, batch.effect, batch.file,
                                  office=batch.office, source=batch.source))

    @precondition(lambda self: self.model.batches)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        batch = self.model.batches[data.draw(st.sampled_from(sorted(self.model.batches)))]
        code, _ = self.cli("reverse", str(batch.id), "--json")
        assert code == (0 if self.model.reversible(batch) else 1), (batch, self.model.history)
        if code == 0:
            batch.live = False

    @precondition(lambda self: self.crashes < 2)
    @rule()
    def crash_then_restart(self) -> None:
        """A receipt whose process is SIGKILLed at a named point (each in turn, across examples: a drawn point
        would favour the first); the restart posts it, or finds it posted."""
        point = CRASH_POINTS[next(self.rotation) % len(CRASH_POINTS)]
        self.crashes += 1
        serials = self._fresh(2)
        path = self._file("receiving", serials)
        run = run_bounded(["--home", str(self.home), "ingest", "--json", "--kind", "receiving", str(path)],
                          env={**os.environ, CRASH_ENV: point}, timeout=60)
        assert run.returncode == -9, run.stderr[-2000:]
        outcome = self.ingest(path, "receiving")
        assert outcome["status"] == ("duplicate" if point in ("after-commit", "writing-report") else "posted")
        self.model.post(Batch(outcome["batch"], "receiving", serials, "in_stock", path, office="Main"))

    # -- after every step --------------------------------------------------------------------------------

    @invariant()
    def ledger_matches_model(self) -> None:
        if not self.model.history and not self.model.batches:
            return
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                statuses = dict(conn.execute(select(t.serial_units.c.serial, t.serial_units.c.status)).all())
                places = dict(conn.execute(select(t.serial_units.c.serial, t.offices.c.name)
                                           .join(t.offices, t.offices.c.id == t.serial_units.c.office_id)).all())
                live = {r[0] for r in conn.execute(select(t.batches.c.id).where(
                    t.batches.c.status == "posted", t.batches.c.kind.in_(POSTING_KINDS)))}
                posted = [tuple(r) for r in conn.execute(select(t.batches.c.sha256, t.batches.c.kind).where(
                    t.batches.c.status == "posted"))]
        finally:
            engine.dispose()
        assert statuses == {s: self.model.status(s) for s in self.model.history}
        assert places == {s: self.model.office(s) for s in self.model.in_stock()}
        assert live == {b.id for b in self.model.batches.values() if b.live}
        assert len(posted) == len(set(posted)), "the same bytes posted twice as one kind"
        check_invariants(self.url)


def _run(backend: str, workdir: Path, examples: int, steps: int) -> None:
    machine = type("Machine", (LedgerMachine,), {"backend": backend, "workdir": workdir})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], database=None))


def test_stateful__random_histories_agree_with_the_model(db_url: str, tmp_path: Path) -> None:
    _run("postgresql" if db_url.startswith("postgresql") else "sqlite", tmp_path, examples=5, steps=10)


@pytest.mark.slow
def test_stateful__longer_histories(db_url: str, tmp_path: Path) -> None:
    _run("postgresql" if db_url.startswith("postgresql") else "sqlite", tmp_path, examples=15, steps=25)


"""Two transfer files claiming the same units, posted by two real ``serialtrack ingest`` processes at once
(issue 16): exactly one posts; the other is checked again against the ledger as it then stands and is rejected
by serial, saying where each unit went. The same for a non-serialized quantity that only one of them can take.
On SQLite and PostgreSQL; ``SERIALTRACK_STRESS=20`` repeats it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from race_support import (
    ITEM,
    PLAIN,
    REPEAT,
    Tally,
    plain_receipt_csv,
    po_csv,
    receipt_csv,
    run_together,
    seed_items,
    write_csv,
)
from support.invariants import check_files, check_invariants, files_in

UNITS = 300  # serials per conflicting transfer file
BOTH_CHECKED = {"SERIALTRACK_PAUSE_AT": "planned:2.5"}  # each waits after its check: both check, then both commit
HEADER = ["Item", "From Office", "To Office", "Qty", "Serials", "Reference"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _statuses(outcomes: list[dict[str, Any]]) -> list[str]:
    return sorted(o["status"] for o in outcomes)


def test_transfer_race__two_files_moving_the_same_units_one_posts(
        home: Path, cli, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    seed_items(cli, tmp_path)
    offices = write_csv(tmp_path / "offices.csv", ["Office", "Name"], [("Depot", "Depot"), ("East", "East")])
    assert cli.ingest(offices, kind="offices")[0]["status"] == "posted"
    rounds = [[f"T{r:02d}U{n:05d}" for n in range(UNITS)] for r in range(REPEAT)]
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("P1", ITEM, UNITS * REPEAT)] + [(f"PP{r}", PLAIN, 5)
                                                                                  for r in range(REPEAT)]),
                      kind="purchase_orders")[0]["status"] == "posted"
    assert cli.ingest(receipt_csv(tmp_path / "pl.csv", "P1", [s for serials in rounds for s in serials]),
                      kind="receiving")[0]["status"] == "posted"
    tally = Tally("ingest: conflicting transfers (serialized and plain)")
    for r, serials in enumerate(rounds):
        assert cli.ingest(plain_receipt_csv(tmp_path / f"plp{r}.csv", f"PP{r}", 5),
                          kind="receiving")[0]["status"] == "posted"
        before = {"archive_before": files_in(home / "archive"), "outbox_before": files_in(home / "outbox")}
        inbox = home / "inbox" / "transfers"
        files = [write_csv(inbox / f"move-{r}-{to}.csv", HEADER, [(ITEM, "Main", to, 1, s, f"R{r}") for s in serials])
                 for to in ("Depot", "East")]
        files += [write_csv(inbox / f"plain-{r}-{to}.csv", HEADER, [(PLAIN, "Main", to, 5, None, f"R{r}")])
                  for to in ("Depot", "East")]  # the reference makes each round's bytes its own
        shas = [_sha(f) for f in files]
        done = run_together(home, [([f], BOTH_CHECKED) for f in files])
        outcomes = [o for d in done for o in d.outcomes]
        assert len(outcomes) == 4, [d.stderr[-3000:] for d in done]
        serial_pair, plain_pair = outcomes[:2], outcomes[2:]
        assert _statuses(serial_pair) == ["posted", "rejected"], [(o["file"], o["status"], o["errors"][:1])
                                                                  for o in outcomes]
        assert _statuses(plain_pair) == ["posted", "rejected"], [(o["file"], o["status"], o["errors"][:1])
                                                                 for o in outcomes]
        winner = next(o for o in serial_pair if o["status"] == "posted")
        loser = next(o for o in serial_pair if o["status"] == "rejected")
        went = "Depot" if winner["file"].endswith("-Depot.csv") else "East"
        assert {e["code"] for e in loser["errors"]} == {"serial-wrong-office"}, loser["errors"][:3]
        assert len(loser["errors"]) == UNITS
        assert f"is at {went}, bin RECEIVING" in loser["errors"][0]["message"], loser["errors"][0]
        plain_loser = next(o for o in plain_pair if o["status"] == "rejected")
        assert {e["code"] for e in plain_loser["errors"]} == {"insufficient-stock"}, plain_loser["errors"]
        check_invariants(db_url, po_tolerance_percent=0)
        check_files(home, shas, outcomes, **before)
        tally.count(outcomes, conflicts=2)
    tally.report()


def test_moves_race__scrap_transfer_and_vendor_return_of_the_same_units_one_posts(
        home: Path, cli, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Three kinds claiming the same units at once, each process pausing after its check so all three plan
    against the same ledger: a scrap at Main, a transfer Main -> Depot and a vendor return on their PO. The
    scrap and the vendor return exclude each other and everything else; a transfer that commits first leaves
    the units in stock (at Depot, still that PO's), so a vendor return checked again after it may post too,
    while a scrap at Main may not. Whatever posts, the loser is checked again and rejected at every serial."""
    cli("init")
    seed_items(cli, tmp_path)
    offices = write_csv(tmp_path / "offices.csv", ["Office", "Name"], [("Depot", "Depot")])
    assert cli.ingest(offices, kind="offices")[0]["status"] == "posted"
    units = 100
    rounds = [[f"M{r:02d}U{n:05d}" for n in range(units)] for r in range(REPEAT)]
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("P1", ITEM, units * REPEAT)]),
                      kind="purchase_orders")[0]["status"] == "posted"
    assert cli.ingest(receipt_csv(tmp_path / "pl.csv", "P1", [s for serials in rounds for s in serials]),
                      kind="receiving")[0]["status"] == "posted"
    tally = Tally("ingest: a scrap, a transfer and a vendor return of the same units")
    for r, serials in enumerate(rounds):
        before = {"archive_before": files_in(home / "archive"), "outbox_before": files_in(home / "outbox")}
        inbox = home / "inbox"
        files = [
            write_csv(inbox / "adjustments" / f"scrap-{r}.csv", ["Office", "Item", "Action", "Reason", "Serials"],
                      [("Main", ITEM, "scrap", f"dropped {r}", s) for s in serials]),
            write_csv(inbox / "transfers" / f"move-{r}.csv", HEADER, [(ITEM, "Main", "Depot", 1, s, f"R{r}")
                                                                      for s in serials]),
            write_csv(inbox / "vendor_returns" / f"rtv-{r}.csv", ["PO", "Item", "Serials", "RMA"],
                      [("P1", ITEM, s, f"RMA-{r}") for s in serials]),
        ]
        shas = [_sha(f) for f in files]
        done = run_together(home, [([f], BOTH_CHECKED) for f in files])
        outcomes = [o for d in done for o in d.outcomes]
        assert len(outcomes) == 3, [d.stderr[-3000:] for d in done]
        seen = [(o["file"], o["status"], o["errors"][:1]) for o in outcomes]
        posted = {o["file"].split("-")[0]: o["batch"] for o in outcomes if o["status"] == "posted"}
        assert set(posted) in ({"scrap"}, {"move"}, {"rtv"}, {"move", "rtv"}), seen
        if set(posted) == {"move", "rtv"}:
            assert posted["move"] < posted["rtv"], seen  # the vendor return was checked again after the move
        for loser in (o for o in outcomes if o["status"] == "rejected"):
            assert len({e["cell"] for e in loser["errors"]}) == units, (loser["file"], loser["errors"][:3])
        status = "scrapped" if "scrap" in posted else "returned_to_vendor" if "rtv" in posted else "in_stock"
        assert {cli.json("serial", s)["status"] for s in serials[:3]} == {status}, seen
        check_invariants(db_url, po_tolerance_percent=0)
        check_files(home, shas, outcomes, **before)
        tally.count(outcomes, conflicts=3 - len(posted))
    tally.report()

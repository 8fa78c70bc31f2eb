"""Parallel ``serialtrack ingest`` processes on one ledger (issue 13, defects 1 and 8).

Each race starts real processes together; ``SERIALTRACK_PAUSE_AT`` holds each one for a moment at a chosen step
so that both are checked before either commits (or one checks after the other's commit): the race is then
certain to happen, not merely likely. After every round the ledger invariants and the file invariants hold:
no unit with two open shipments, no lot used beyond received, no PO line over its tolerance, one archive entry
and one answer per dropped file. ``SERIALTRACK_STRESS=20`` repeats every scenario 20 times.
"""

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
    plain_shipment_csv,
    po_csv,
    receipt_csv,
    run_together,
    seed_items,
    shipment_csv,
    so_csv,
)
from support.invariants import check_files, check_invariants, files_in

UNITS = 400  # serials per conflicting shipping file
BOTH_CHECKED = {"SERIALTRACK_PAUSE_AT": "planned:2.5"}  # each waits after its check: both check, then both commit


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(home: Path) -> dict[str, set[Path]]:
    return {"archive_before": files_in(home / "archive"), "outbox_before": files_in(home / "outbox")}


def _statuses(outcomes: list[dict[str, Any]]) -> list[str]:
    return sorted(o["status"] for o in outcomes)


def test_parallel_ingest__conflicting_shipments_one_posts_the_other_is_rejected_by_serial(
        home: Path, cli, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    seed_items(cli, tmp_path)
    tally = Tally("ingest: conflicting shipments (serialized and plain)")
    rounds = [[f"R{r:02d}S{n:05d}" for n in range(UNITS)] for r in range(REPEAT)]
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("P1", ITEM, UNITS * REPEAT)] + [(f"PP{r}", PLAIN, 5)
                                                                                  for r in range(REPEAT)]),
                      kind="purchase_orders")[0]["status"] == "posted"
    assert cli.ingest(so_csv(tmp_path / "so.csv", [line for r in range(REPEAT) for line in (
        (f"S{r}A", ITEM, UNITS), (f"S{r}B", ITEM, UNITS), (f"S{r}C", PLAIN, 5), (f"S{r}D", PLAIN, 5))]),
                      kind="sales_orders")[0]["status"] == "posted"
    assert cli.ingest(receipt_csv(tmp_path / "pl.csv", "P1", [s for serials in rounds for s in serials]),
                      kind="receiving")[0]["status"] == "posted"
    for r, serials in enumerate(rounds):  # 5 plain units on hand: one shipment of 5 fits, two do not
        assert cli.ingest(plain_receipt_csv(tmp_path / f"plp{r}.csv", f"PP{r}", 5), kind="receiving")[0]["status"] == "posted"
        before = _snapshot(home)
        inbox = home / "inbox" / "shipping"
        files = [shipment_csv(inbox / f"ship-{r}-a.csv", f"S{r}A", serials),
                 shipment_csv(inbox / f"ship-{r}-b.csv", f"S{r}B", serials),
                 plain_shipment_csv(inbox / f"plain-{r}-c.csv", f"S{r}C", 5),
                 plain_shipment_csv(inbox / f"plain-{r}-d.csv", f"S{r}D", 5)]
        shas = [_sha(f) for f in files]
        done = run_together(home, [([f], BOTH_CHECKED) for f in files])
        outcomes = [o for d in done for o in d.outcomes]
        assert len(outcomes) == 4, [d.stderr[-3000:] for d in done]
        serial_pair, plain_pair = outcomes[:2], outcomes[2:]
        assert _statuses(serial_pair) == ["posted", "rejected"], [(o["file"], o["status"], o["errors"][:1]) for o in outcomes]
        assert _statuses(plain_pair) == ["posted", "rejected"], [(o["file"], o["status"], o["errors"][:1]) for o in outcomes]
        winner = next(o for o in serial_pair if o["status"] == "posted")
        loser = next(o for o in serial_pair if o["status"] == "rejected")
        won_so = f"S{r}A" if winner["file"].endswith("-a.csv") else f"S{r}B"
        assert {e["code"] for e in loser["errors"]} == {"serial-not-in-stock"}, loser["errors"][:3]
        assert len(loser["errors"]) == UNITS
        assert f"SO-{won_so}" in loser["errors"][0]["message"], loser["errors"][0]
        plain_loser = next(o for o in plain_pair if o["status"] == "rejected")
        assert {e["code"] for e in plain_loser["errors"]} == {"insufficient-stock"}, plain_loser["errors"]
        check_invariants(db_url, po_tolerance_percent=0)
        check_files(home, shas, outcomes, **before)
        tally.count(outcomes, conflicts=2)
    tally.report()


def test_parallel_ingest__two_receipts_against_one_po_line_never_over_receive(
        home: Path, cli, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    seed_items(cli, tmp_path)
    tally = Tally("ingest: over-receipt")
    assert cli.ingest(po_csv(tmp_path / "po.csv", [(f"Q{r}", ITEM, 10) for r in range(REPEAT)]),
                      kind="purchase_orders")[0]["status"] == "posted"
    for r in range(REPEAT):
        before = _snapshot(home)
        inbox = home / "inbox" / "receiving"
        files = [receipt_csv(inbox / f"recv-{r}-{x}.csv", f"Q{r}", [f"Q{r:02d}{x}{n:03d}" for n in range(10)])
                 for x in "ab"]
        shas = [_sha(f) for f in files]
        done = run_together(home, [([f], BOTH_CHECKED) for f in files])
        outcomes = [o for d in done for o in d.outcomes]
        assert _statuses(outcomes) == ["posted", "rejected"], [(o["file"], o["status"], o["errors"][:1]) for o in outcomes]
        loser = next(o for o in outcomes if o["status"] == "rejected")
        assert [e["code"] for e in loser["errors"]] == ["over-receipt"], loser["errors"]
        assert "10 already received" in loser["errors"][0]["message"]
        check_invariants(db_url, po_tolerance_percent=0)
        check_files(home, shas, outcomes, **before)
        tally.count(outcomes, conflicts=1)
    tally.report()


def test_parallel_ingest__same_bytes_under_two_names_is_a_duplicate_never_a_rejection(
        home: Path, cli, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """The second name passes the duplicate check before the first commits, then reads the ledger after it:
    it must be reported as a duplicate, not rejected for its own serials (defect 8)."""
    cli("init")
    seed_items(cli, tmp_path)
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("D1", ITEM, 100_000)]), kind="purchase_orders")[0]["status"] == "posted"
    tally = Tally("ingest: same bytes under two names")
    for r in range(REPEAT):
        before = _snapshot(home)
        inbox = home / "inbox" / "receiving"
        first = receipt_csv(inbox / f"same-{r}.csv", "D1", [f"D{r:02d}{n:03d}" for n in range(50)])
        second = inbox / f"same-{r} (copy).csv"
        second.write_bytes(first.read_bytes())
        sha = _sha(first)
        done = run_together(home, [([first], {}), ([second], {"SERIALTRACK_PAUSE_AT": "reading:2.5"})])
        outcomes = [o for d in done for o in d.outcomes]
        assert _statuses(outcomes) == ["duplicate", "posted"], [(o["file"], o["status"], o["errors"][:1]) for o in outcomes]
        check_invariants(db_url, po_tolerance_percent=0)
        check_files(home, [sha] * 2, outcomes, **before)
        tally.count(outcomes, conflicts=1)
    tally.report()

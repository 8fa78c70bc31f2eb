"""2 and 3 ``serialtrack watch`` processes on one inbox and one ledger, fed conflicting files (issue 13).

Each round drops, at once: one-serial shipping files in conflicting pairs (the same serial on two sales
orders), receipts of new serials, two receipts that together over-receive a PO line, and the same bytes under
two names. Every pair must end with one file posted and the other rejected with the real reason (or reported
as a duplicate); after every round the ledger and file invariants hold. ``SERIALTRACK_PAUSE_AT=planned:0.2``
slows each posting a little so that the watchers' checks overlap more often.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from race_support import ITEM, REPEAT, Tally, po_csv, receipt_csv, seed_items, shipment_csv, so_csv
from support.invariants import check_files, check_invariants, files_in
from watcher_support import WatcherProcess, wait_for, write_watcher_config

PAIRS = 8  # conflicting one-serial shipping pairs per round
RECEIPTS = 8  # plain receipts of new serials per round


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _round_files(staging: Path, r: int) -> dict[str, Path]:
    """The files of round ``r`` (name -> staged path), and what each pair is."""
    files: dict[str, Path] = {}
    for k in range(PAIRS):
        for side in "AB":
            name = f"ship-{r}-{k}-{side}.csv"
            files[name] = shipment_csv(staging / "shipping" / name, f"W{r}{side}", [f"W{r:02d}K{k:03d}"])
    for k in range(RECEIPTS):
        name = f"recv-{r}-{k}.csv"
        files[name] = receipt_csv(staging / "receiving" / name, "WP", [f"N{r:02d}K{k:03d}"])
    for side in "ab":
        name = f"over-{r}-{side}.csv"
        files[name] = receipt_csv(staging / "receiving" / name, f"WQ{r}", [f"O{r:02d}{side}{n}" for n in range(3)])
    same = receipt_csv(staging / "receiving" / f"same-{r}.csv", "WP", [f"S{r:02d}{n}" for n in range(3)])
    files[same.name] = same
    copy = staging / "receiving" / f"same-{r} copy.csv"
    copy.write_bytes(same.read_bytes())
    files[copy.name] = copy
    return files


def _check_round(r: int, outcomes: dict[str, dict[str, Any]]) -> int:
    """Each pair: one posted, the other rejected for the real reason or a duplicate. Returns the conflicts."""
    for k in range(PAIRS):
        pair = [outcomes[f"ship-{r}-{k}-{side}.csv"] for side in "AB"]
        assert sorted(o["status"] for o in pair) == ["posted", "rejected"], pair
        assert next(o for o in pair if o["status"] == "rejected")["errors"] == 1, pair
    for k in range(RECEIPTS):
        assert outcomes[f"recv-{r}-{k}.csv"]["status"] == "posted", outcomes[f"recv-{r}-{k}.csv"]
    over = [outcomes[f"over-{r}-{side}.csv"] for side in "ab"]
    assert sorted(o["status"] for o in over) == ["posted", "rejected"], over
    same = [outcomes[f"same-{r}.csv"], outcomes[f"same-{r} copy.csv"]]
    assert sorted(o["status"] for o in same) == ["duplicate", "posted"], same
    return PAIRS + 2


@pytest.mark.parametrize("watchers", [2, 3])
def test_watchers__conflicting_files_never_double_post_and_every_file_is_answered(
        watchers: int, home: Path, cli, tmp_path: Path, db_url: str,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    cli("init")
    write_watcher_config(home)
    seed_items(cli, tmp_path)
    serials = [f"W{r:02d}K{k:03d}" for r in range(REPEAT) for k in range(PAIRS)]
    assert cli.ingest(po_csv(tmp_path / "po.csv", [("WP", ITEM, 100_000)] + [(f"WQ{r}", ITEM, 3) for r in range(REPEAT)]),
                      kind="purchase_orders")[0]["status"] == "posted"
    assert cli.ingest(so_csv(tmp_path / "so.csv", [(f"W{r}{side}", ITEM, PAIRS) for r in range(REPEAT) for side in "AB"]),
                      kind="sales_orders")[0]["status"] == "posted"
    assert cli.ingest(receipt_csv(tmp_path / "stock.csv", "WP", serials), kind="receiving")[0]["status"] == "posted"
    monkeypatch.setenv("SERIALTRACK_PAUSE_AT", "planned:0.2")
    tally = Tally(f"{watchers} watchers: conflicting shipments, over-receipts, same bytes")
    procs = [WatcherProcess(home, tmp_path / f"w{n}.log") for n in range(watchers)]
    try:
        for proc in procs:
            proc.wait_started()
        for r in range(REPEAT):
            staging = tmp_path / f"staging-{r}"
            files = _round_files(staging, r)
            shas = [_sha(p) for p in files.values()]
            before = {"archive_before": files_in(home / "archive"), "outbox_before": files_in(home / "outbox")}
            for name, path in files.items():
                os.rename(path, home / "inbox" / path.parent.name / name)

            def round_outcomes(names: dict[str, Path] = files) -> dict[str, dict[str, Any]]:
                return {o["file"]: o for p in procs for o in p.outcomes() if o["file"] in names}

            wait_for(lambda names=files: len(round_outcomes(names)) >= len(names),  # type: ignore[misc]
                     f"{len(files)} outcomes of round {r}", timeout=300, log=procs[0])
            seen = [o for p in procs for o in p.outcomes() if o["file"] in files]
            assert Counter(o["file"] for o in seen) == Counter(list(files)), "each file processed once"
            outcomes = round_outcomes()
            conflicts = _check_round(r, outcomes)
            check_invariants(db_url, po_tolerance_percent=0)
            check_files(home, shas, list(outcomes.values()), **before)
            tally.count(list(outcomes.values()), conflicts=conflicts)
    finally:
        codes = [p.stop() for p in procs]
    assert all(code in (0, 1) for code in codes), [p.text()[-2000:] for p in procs]  # 1: some file was rejected
    assert not [line for p in procs for line in p.lines() if line.get("level") in ("error", "critical", "raw")
                and "Traceback" in str(line)], "no internal error"
    tally.report()

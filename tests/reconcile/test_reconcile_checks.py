"""Each exception kind, its sentence, and the cases that must not raise one; COGS with reversals; void lots.

Histories are written straight into the ledger (``reconcile_ledger``), following the posting contract; the
inconsistencies a posting can never make (a status or quantity out of step) are made with an UPDATE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from reconcile_ledger import LedgerWriter
from reconcile_scenario import DAY, build_history
from sqlalchemy import update

from serialtrack.exporters.reconciliation_sheets import cogs, lots, valuation
from serialtrack.ledger import reconcile_checks as checks
from serialtrack.ledger import schema as t
from serialtrack.ledger.db import open_engine
from serialtrack.ledger.reconcile_queries import Period, snapshot

D = dt.date


@pytest.fixture
def w(db_url: str) -> Iterator[LedgerWriter]:
    engine = open_engine(db_url)
    yield build_history(engine)
    engine.dispose()


def findings(w: LedgerWriter) -> list[checks.Finding]:
    with snapshot(w.engine) as conn:
        return list(checks.findings(conn))


def by_kind(w: LedgerWriter) -> dict[str, list[checks.Finding]]:
    grouped: dict[str, list[checks.Finding]] = {}
    for f in findings(w):
        grouped.setdefault(f.kind, []).append(f)
    return grouped


def test_checks__scripted_history_gives_missing_unexpected_and_over_received(w: LedgerWriter) -> None:
    found = findings(w)
    assert [(f.kind, f.serial or f.document) for f in found] == [
        ("not-counted", "00046"), ("counted-not-in-ledger", "99999"), ("po-over-received", "PO-60008")]
    assert all(f.action.endswith(".") and len(f.action.split()) > 8 for f in found)
    assert found[1].source == "COUNT-MAIN.xlsx › Count › row 4"
    assert set(checks.KINDS) >= {f.kind for f in found}


def test_checks__counted_after_it_was_shipped(w: LedgerWriter) -> None:
    w.count("COUNT-2.xlsx", "Main", D(2026, 11, 21), [("A-01", "CAM-100", "00042"), ("A-01", "CAM-100", "00046"),
                                                        ("RETURNS", "CAM-100", "00043")])
    [f] = by_kind(w)["counted-not-in-stock"]
    assert (f.serial, f.ledger, f.document) == ("00042", "shipped (SO-5001)", "SO-5001")
    assert f.action.startswith("The ledger has CAM-100 00042 shipped on SO-5001; if it is really on the shelf")
    assert "not-counted" not in by_kind(w)  # the latest count (2026-11-21) has 00046; the older one is ignored


def test_checks__counted_at_another_office_and_in_another_bin(w: LedgerWriter) -> None:
    w.count("COUNT-ANNEX.xlsx", "Annex", D(2026, 11, 22), [("RECEIVING", "CAM-100", "SN0100"),
                                                           ("RECEIVING", "CAM-100", "00046"),
                                                           ("B-07", "CAM-100", "SN0101")])
    found = by_kind(w)
    [other_office] = found["counted-at-other-office"]
    assert (other_office.serial, other_office.office, other_office.ledger) == ("00046", "Annex",
                                                                               "in stock at Main / A-01")
    assert other_office.action == ("Send CAM-100 00046 back to Main, or drop a transfer of it to Annex in "
                                   "inbox/transfers/ (the count's answer proposes one).")
    [other_bin] = found["counted-in-other-bin"]
    assert (other_bin.serial, other_bin.bin, other_bin.ledger) == ("SN0101", "B-07", "in stock at Annex / RECEIVING")
    assert other_bin.action == ("Put CAM-100 SN0101 back in bin RECEIVING, or drop a transfer of it to bin B-07 "
                                "in inbox/transfers/ (the count's answer proposes one).")


def test_checks__count_without_bins_never_says_wrong_bin(w: LedgerWriter) -> None:
    w.count("COUNT-ANNEX.xlsx", "Annex", D(2026, 11, 22), [(None, "CAM-100", "SN0100"), (None, "CAM-100", "SN0101")])
    assert [f.kind for f in findings(w) if f.office == "Annex"] == []


def test_checks__units_received_after_the_count_are_not_missing(w: LedgerWriter) -> None:
    w.po("60011", "ACME Components", "Main", [("CAM-100", 1, "100")])
    w.receive("PL-LATE.xlsx", "60011", "CAM-100", D(2026, 11, 24), serials=["LATE1"])
    assert [f.serial for f in by_kind(w)["not-counted"]] == ["00046"]


def test_checks__a_reversed_count_file_no_longer_counts(w: LedgerWriter) -> None:
    batch = w.count("COUNT-WRONG.xlsx", "Main", D(2026, 11, 23), [("A-01", "CAM-100", "XXXXX")])
    assert "XXXXX" in {f.serial for f in findings(w)}
    w.execute(update(t.batches).where(t.batches.c.id == batch).values(status="reversed"))
    assert [(f.kind, f.serial) for f in findings(w)][:2] == [("not-counted", "00046"),
                                                              ("counted-not-in-ledger", "99999")]


def test_checks__status_and_place_out_of_step_with_history(w: LedgerWriter) -> None:
    unit = w.units[("CAM-100", "00046")]
    w.execute(update(t.serial_units).where(t.serial_units.c.id == unit).values(status="shipped"))
    found = by_kind(w)
    [status] = found["status-disagrees-with-history"]
    assert (status.serial, status.ledger) == ("00046", "status shipped")
    assert status.found == "its last transaction (receipt PO-60006 on 2026-11-02) leaves it in stock"
    assert "serialtrack serial 00046 --item CAM-100" in status.action
    [place] = found["place-disagrees-with-status"]
    assert (place.serial, place.found) == ("00046", "place Main / A-01")


def test_checks__lot_quantities_out_of_step_with_serials(w: LedgerWriter) -> None:
    w.execute(update(t.lots).where(t.lots.c.id == 1).values(qty_used=t.lots.c.qty_used + 1))
    [f] = by_kind(w)["lot-disagrees-with-serials"]
    assert (f.document, f.ledger, f.found) == ("PO-60006", "lot 1: received 5, used 4, remaining 1",
                                              "5 serial units, 2 in stock")


def test_checks__so_over_shipped(w: LedgerWriter) -> None:
    w.execute(update(t.so_lines).where(t.so_lines.c.qty_ordered == 40).values(qty_shipped=45))
    [f] = by_kind(w)["so-over-shipped"]
    assert (f.document, f.found) == ("SO-5001", "shipped 45 (5 over)")
    assert f.action == ("Ask sales to raise SO 5001's quantity of CBL-5 to 45, or have the customer return the 5 "
                        "extra units.")


def test_checks__reversed_shipment_is_back_in_stock_and_out_of_cogs(w: LedgerWriter) -> None:
    batch = w.ship("SHIP-X.xlsx", "5002", "CAM-100", D(2026, 11, 24), serials=["00046"])
    w.reverse_shipment(batch, DAY)
    assert "status-disagrees-with-history" not in by_kind(w)
    with snapshot(w.engine) as conn:
        rows = [r for r in cogs(conn, Period.month_to_date(DAY)).rows if r[4] == "00046"]
    assert [(r[1], r[7], r[9]) for r in rows] == [("shipment", 1, 120.5), ("reversal", -1, -120.5)]


def test_checks__reversed_receipt_voids_its_lot(w: LedgerWriter) -> None:
    w.po("60012", "ACME Components", "Main", [("CBL-5", 5, "3.00")])
    lot = w.receive("PL-VOID.xlsx", "60012", "CBL-5", D(2026, 11, 24), qty=5)
    w.execute(update(t.lots).where(t.lots.c.id == lot).values(reversed_batch_id=1))
    with snapshot(w.engine) as conn:
        lot_ids = [r[1] for r in lots(conn, Period.month_to_date(DAY)).rows]
        values = {(r[0], r[3]): r[6] for r in valuation(conn).rows}
    assert lot not in lot_ids
    assert values[("CBL-5", "Main")] == Decimal("162.6")

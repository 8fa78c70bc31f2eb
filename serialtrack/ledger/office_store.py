"""Offices as master data (issue 16): what the ledger holds of each office (for the ``offices`` kind's check and
the transfers' default bin), and applying the offices of an offices file (created, or their full name and bins
updated), inside the store's transaction.

An office's receiving and return bins are read when a later receipt, transfer or restock needs them, so
changing them moves nothing already in stock: units keep the bin they were put in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select, update

from serialtrack.ledger import schema as t
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting, ensure_bins, ensure_office


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    id: int
    name: str
    description: str | None
    receiving_bin: str
    return_bin: str


def offices_known(engine: Engine) -> dict[str, OfficeInfo]:
    """Office name (casefolded) -> what the ledger holds of it. Offices are few: all are read."""
    o = t.offices.c
    with engine.connect() as conn:
        return {r.name.casefold(): OfficeInfo(int(r.id), r.name, r.description, r.receiving_bin, r.return_bin)
                for r in conn.execute(select(o.id, o.name, o.description, o.receiving_bin, o.return_bin))}


def apply_offices(conn: Connection, posting: Posting, plan: PostingPlan) -> None:
    """Create or update the plan's offices, and make sure the bins they name exist."""
    for change in plan.offices:
        if not change.changed:
            continue
        office_id = ensure_office(conn, posting.places, change.name, posting.now)
        if change.values:
            conn.execute(update(t.offices).where(t.offices.c.id == office_id).values(**change.values))
        bins = [change.values[name] for name in ("receiving_bin", "return_bin") if name in change.values]
        ensure_bins(conn, office_id, bins)

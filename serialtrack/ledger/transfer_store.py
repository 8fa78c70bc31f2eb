"""Applying transfers: units and quantities moved between offices and bins, through lots made at the destination, inside the store's transaction (issue 16)."""

from __future__ import annotations

from sqlalchemy import Connection

from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting


def apply_transfers(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's transfers; returns (lots made, units, transactions)."""
    if not plan.transfers:
        return 0, 0, 0
    raise NotImplementedError("transfers are not posted yet")

"""Applying adjustments: scrap, write-off and found units and quantities, inside the store's transaction (issue 16)."""

from __future__ import annotations

from sqlalchemy import Connection

from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting


def apply_adjustments(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's adjustments; returns (lots made, units, transactions)."""
    if not plan.adjustments:
        return 0, 0, 0
    raise NotImplementedError("adjustments are not posted yet")

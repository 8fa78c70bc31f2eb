"""Applying the offices of an offices file (created, or their name and bins updated), inside the store's transaction (issue 16)."""

from __future__ import annotations

from sqlalchemy import Connection

from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting


def apply_offices(conn: Connection, posting: Posting, plan: PostingPlan) -> None:
    """Create or update the plan's offices."""
    if not plan.offices:
        return
    raise NotImplementedError("offices are not posted yet")

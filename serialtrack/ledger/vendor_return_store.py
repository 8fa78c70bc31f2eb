"""Applying vendor returns: units and quantities back to the vendor of their PO, inside the store's transaction (issue 16)."""

from __future__ import annotations

from sqlalchemy import Connection

from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.posting import Posting


def apply_vendor_returns(conn: Connection, posting: Posting, plan: PostingPlan) -> tuple[int, int, int]:
    """Post the plan's vendor_returns; returns (lots made, units, transactions)."""
    if not plan.vendor_returns:
        return 0, 0, 0
    raise NotImplementedError("vendor_returns are not posted yet")

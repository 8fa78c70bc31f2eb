"""rules (PURE): the checks kinds share, as small functions over typed lines and a read-only ledger view,
each returning ``Issue`` values. No I/O and no session.

May import ``serialtrack.records``, ``serialtrack.ingest`` line types and ``serialtrack.ledger.view``; never
``kinds``, ``exporters`` or ``service``.
"""

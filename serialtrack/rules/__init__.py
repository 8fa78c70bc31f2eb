"""rules (PURE): the checks kinds share, as small functions over typed lines and a read-only ledger view,
each returning ``Issue`` values. No I/O and no session.

May import ``serialtrack.records``, ``serialtrack.ingest`` line types, ``serialtrack.ledger.view`` and
``serialtrack.ledger.limits`` (what each column holds, read from the schema); never ``kinds``, ``exporters``
or ``service``.
"""

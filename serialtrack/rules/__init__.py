"""rules (PURE): records + a read-only view of the ledger -> list of Issue values.

No I/O and no session: each rule is a small function; the ledger view it receives answers set-based
questions prepared by the store. May import ``serialtrack.records``, ``serialtrack.ingest`` record
types and ``serialtrack.ledger.limits`` (what each column holds, read from the schema).
"""

"""ledger (CORE): shared frozen records, the SQLAlchemy schema, Alembic migrations, the posting plan (pure)
and the store (the one place that opens sessions and applies a plan in one transaction)."""

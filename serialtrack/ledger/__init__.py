"""ledger (CORE): the SQLAlchemy schema, Alembic migrations, the posting plan (pure) and the store (the one
place that opens sessions and applies a plan in one transaction). May import ``serialtrack.records``."""

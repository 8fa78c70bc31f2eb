"""ledger (CORE): the SQLAlchemy schema, Alembic migrations, plan records (pure values), the store (the one
place that opens transactions and applies a plan in one), its apply steps, reversal and the report queries.

May import ``serialtrack.records`` (and ``serialtrack.faults``); never ``ingest``, ``rules``, ``kinds``,
``exporters`` or ``service``.
"""

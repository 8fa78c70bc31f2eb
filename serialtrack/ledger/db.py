"""Engines and migrations: the one place that knows how to open the ledger's database.

SQLite (the default, a file in the home) is opened with WAL, a busy timeout and foreign keys on; any other
SQLAlchemy URL (PostgreSQL in particular) is used as given. ``open_engine`` applies the Alembic migrations
on start, under a lock (a file lock beside a SQLite database, an advisory lock on PostgreSQL), so several
processes starting at once migrate once and safely.
"""

from __future__ import annotations

import contextlib
import fcntl
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration's revision. A ledger already at it is opened without importing Alembic (a third of a
#: query command's start-up); ``tests/ledger/test_ledger_schema.py`` checks it against Alembic's own head.
SCHEMA_HEAD = "0007"
_PG_MIGRATION_LOCK = 72_417_001  # arbitrary, stable advisory-lock key for migrations

# Money columns are Numeric; SQLite stores them as REAL, which is precise enough for 4-decimal costs.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (BEGIN IMMEDIATE below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A writing transaction takes the write lock at its start (``write=True`` execution option), so a
        # posting waits its turn instead of failing half-way on a busy database; readers stay deferred.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def create_ledger_engine(url: str, *, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine for ``url`` with the ledger's connection settings; no migration is run."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str | None:
    """The newest revision as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://"))).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated), read from Alembic's version table directly."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            yield
            return
        lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_MIGRATION_LOCK})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_MIGRATION_LOCK})")
                conn.commit()
        return
    yield


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema. Safe to call from several processes at once."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    with _migration_lock(engine):
        if current_revision(engine) != SCHEMA_HEAD:
            command.upgrade(_alembic_config(engine), "head")


class DatabaseError(Exception):
    """The database cannot be opened or migrated; a configuration error for the user."""


def open_engine(url: str, *, busy_timeout_ms: int = 30_000) -> Engine:
    """Open the ledger at ``url`` and migrate it to the newest schema."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_ledger_engine(url, busy_timeout_ms=busy_timeout_ms)
    try:
        migrate(engine)
    except sa_exc.OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open the database {make_url(url).render_as_string(hide_password=True)}: "
                            f"{exc.orig}") from exc
    return engine


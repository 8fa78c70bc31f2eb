"""Small SQL helpers shared by the store's modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

#: Rows per IN (...) list or executemany batch: well under every driver's parameter limit.
CHUNK = 5000


def new_id(result: Any) -> int:
    """The primary key an INSERT created."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def bulk_insert(conn: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT many rows as tuples straight through the driver (executemany), at raw-driver speed.

    Values pass through each column type's own bind processor first, so dates, datetimes and decimals are
    stored exactly as SQLAlchemy Core would store them. Returns the number of rows inserted.
    """
    dialect = conn.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    count = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row, strict=True)))
        if len(batch) >= 50_000:
            conn.exec_driver_sql(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        count += len(batch)
    return count


def bind_marks(conn: Any, sql: str) -> str:
    """``?`` placeholders in ``sql`` as the driver wants them (``%s`` for psycopg)."""
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")

"""Small SQL helpers shared by the store's modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from serialtrack.ledger import schema as t

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


def bulk_insert(conn: Any, table: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                constant: Mapping[str, Any] | None = None) -> int:
    """INSERT many rows as tuples straight through the driver (executemany), at raw-driver speed.

    Values pass through each column type's own bind processor first, so dates, datetimes and decimals are
    stored exactly as SQLAlchemy Core would store them. ``constant`` holds columns whose value is the same on
    every row: processed once and appended to each tuple. Returns the number of rows inserted.
    """
    dialect = conn.dialect
    fixed = dict(constant or {})
    fixed_values = tuple(_bind(table, name, dialect)(value) if value is not None else None
                         for name, value in fixed.items())
    processors = [_bind(table, name, dialect) for name in columns]
    names = list(columns) + list(fixed)
    if dialect.name == "postgresql":
        return _copy_rows(conn, table.name, names, processors, rows, fixed_values)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    plain = all(p is _same for p in processors)
    count = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        if plain:
            batch.append(tuple(row) + fixed_values)
        else:
            batch.append(tuple(p(v) if v is not None else v for p, v in zip(processors, row, strict=True))
                         + fixed_values)
        if len(batch) >= 50_000:
            conn.exec_driver_sql(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        count += len(batch)
    return count


def _copy_rows(conn: Any, table: str, names: Sequence[str], processors: Sequence[Any],
               rows: Iterable[Sequence[Any]], fixed: tuple[Any, ...]) -> int:
    """PostgreSQL: COPY ... FROM STDIN through psycopg, inside the connection's open transaction."""
    count = 0
    with conn.connection.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(p(v) if v is not None else v for p, v in zip(processors, row, strict=True))
                           + fixed)
            count += 1
    return count


def _same(value: Any) -> Any:
    return value


def _bind(table: Any, name: str, dialect: Any) -> Any:
    """The column type's bind processor, or the identity when it has none."""
    return table.c[name].type._cached_bind_processor(dialect) or _same


def bind_marks(conn: Any, sql: str) -> str:
    """``?`` placeholders in ``sql`` as the driver wants them (``%s`` for psycopg)."""
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def office_ids_named(conn: Connection, name: str) -> list[int]:
    """The offices called ``name`` whatever its case, compared with Python's ``casefold`` on both sides (SQL's
    ``lower()`` folds only ASCII on SQLite and leaves ``ß`` alone on PostgreSQL, so ``Straße`` and ``STRASSE``,
    or ``ÖSTERREICH`` and ``Österreich``, would never meet). Offices are few: they are all read."""
    wanted = name.casefold()
    return [int(office_id) for office_id, office in conn.execute(select(t.offices.c.id, t.offices.c.name))
            if office.casefold() == wanted]

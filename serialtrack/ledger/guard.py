"""Guards: how an apply step makes sure the ledger is still as the file's check saw it when it commits.

A file is checked (rules over a ledger view) before its plan is applied; another process may commit in between.
Every apply step that depends on what the check saw writes through a guard instead of a blind UPDATE:

- ``guarded_update`` changes rows only where they still hold the values the plan was built on (a unit still
  ``in_stock`` at the office and lot it was seen in; a PO line still at the received quantity the check read)
  and counts the rows it changed. Fewer than expected means someone else got there first: ``Conflict``.
- the database's own constraints catch the rest (a serial received twice, a lot used beyond what it received,
  two open shipments of one unit): ``Store.apply`` turns such an ``IntegrityError`` into ``Conflict`` too.

On SQLite the posting transaction begins with ``BEGIN IMMEDIATE`` (the write lock), so every guard reads the
ledger as it stands at commit. On PostgreSQL (READ COMMITTED) an UPDATE waits for a row another transaction is
changing and then re-evaluates its WHERE clause on the committed row, so the guard's row count is right there
too; ``lock_rows`` takes ``SELECT ... FOR UPDATE`` locks where a step reads before it writes.

``Conflict`` rolls the whole posting back; the pipeline then checks the file again against the ledger as it now
stands, so the later of two conflicting files is rejected with the real reason (the serial is no longer in
stock, the PO line is received), or posts if it still may.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select, update

from serialtrack.ledger.sql import chunks
from serialtrack.records import plural


class Conflict(Exception):
    """The ledger changed between a file's check and its commit in a way its plan depends on; nothing was
    written, and the file must be checked again."""


def expect_rows(changed: int, expected: int, what: str) -> None:
    """Raise ``Conflict`` unless a guarded statement changed exactly ``expected`` rows."""
    if changed != expected:
        raise Conflict(f"{what}: {changed} of {plural(expected, 'row')} were still as the check saw them")


def guarded_update(conn: Connection, table: Table, ids: Iterable[int], values: Mapping[str, Any],
                   still: Iterable[ColumnElement[bool]], what: str) -> int:
    """``UPDATE table SET values WHERE id IN ids AND still``, in chunks; every id must match (else
    ``Conflict``). Returns the number of rows changed (= the distinct ids)."""
    wanted = sorted(set(ids))
    conditions = list(still)
    changed = 0
    for part in chunks(wanted):
        result = conn.execute(update(table).where(table.c.id.in_(part), *conditions).values(**values))
        changed += result.rowcount
    expect_rows(changed, len(wanted), what)
    return changed


def guarded_update_one(conn: Connection, table: Table, row_id: int, values: Mapping[str, Any],
                       still: Iterable[ColumnElement[bool]], what: str) -> None:
    """One row: ``UPDATE ... WHERE id = row_id AND still``, which must change that row (else ``Conflict``)."""
    result = conn.execute(update(table).where(table.c.id == row_id, *still).values(**values))
    expect_rows(result.rowcount, 1, what)


def lock_rows(conn: Connection, table: Table, ids: Iterable[int]) -> None:
    """Lock rows the step will read and then write (``SELECT ... FOR UPDATE`` in id order, so two posters
    never wait on each other in a circle). A no-op on SQLite, whose posting transaction holds the write lock."""
    if conn.dialect.name == "sqlite":
        return
    for part in chunks(sorted(set(ids))):
        conn.execute(select(table.c.id).where(table.c.id.in_(part)).order_by(table.c.id).with_for_update())

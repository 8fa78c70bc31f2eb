"""The ledger's schema: migrations build exactly the declared tables, and the constraints live in the
database (unique (item, serial), one posted batch per content hash, non-negative quantities)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from serialtrack.ledger import schema as t
from serialtrack.ledger.db import SCHEMA_HEAD, current_revision, head_revision, migrate, open_engine

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def test_migrations__match_declared_schema(engine) -> None:  # type: ignore[no-untyped-def]
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(t.metadata.tables)


def test_migrations__second_run_is_a_no_op(engine) -> None:  # type: ignore[no-untyped-def]
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()


def _seed(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    item = conn.execute(insert(t.items).values(code="CAM-1", serialized=True, created_at=NOW, updated_at=NOW))
    office = conn.execute(insert(t.offices).values(name="Main", receiving_bin="R", return_bin="X", created_at=NOW))
    batch = conn.execute(insert(t.batches).values(file_name="a.xlsx", sha256="a" * 64, kind="receiving",
                                                  status="posted", started_at=NOW))
    ids = {"item": item.inserted_primary_key[0], "office": office.inserted_primary_key[0],
           "batch": batch.inserted_primary_key[0]}
    lot = conn.execute(insert(t.lots).values(document="PO-1", item_id=ids["item"], office_id=ids["office"],
                                             batch_id=ids["batch"], received_date=NOW.date(), qty_ordered=2,
                                             qty_received=2, unit_cost=1))
    ids["lot"] = lot.inserted_primary_key[0]
    return ids


def test_constraints__item_serial_unique(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        ids = _seed(conn)
        conn.execute(insert(t.serial_units).values(item_id=ids["item"], serial="00042", status="in_stock",
                                                   lot_id=ids["lot"]))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.serial_units).values(item_id=ids["item"], serial="00042", status="in_stock",
                                                   lot_id=ids["lot"]))


def test_constraints__one_posted_batch_per_sha256(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        # the same bytes may be rejected any number of times
        for _ in range(2):
            conn.execute(insert(t.batches).values(file_name="a.xlsx", sha256="a" * 64, status="rejected",
                                                  started_at=NOW))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.batches).values(file_name="b.xlsx", sha256="a" * 64, kind="receiving", status="posted",
                                              started_at=NOW))
    # the same bytes as another kind may post (a count's answer holds proposed adjustments and transfers)
    with engine.begin() as conn:
        conn.execute(insert(t.batches).values(file_name="c.xlsx", sha256="a" * 64, kind="adjustments",
                                              status="posted", started_at=NOW))


@pytest.mark.parametrize("values", [{"qty_received": -1}, {"qty_used": 3}, {"unit_cost": -1}],
                         ids=["negative-received", "used-over-received", "negative-cost"])
def test_constraints__lot_quantities_checked(engine, values) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        ids = _seed(conn)
    row = {"document": "PO-2", "item_id": ids["item"], "office_id": ids["office"], "batch_id": ids["batch"],
           "received_date": NOW.date(), "qty_ordered": 2, "qty_received": 2, "unit_cost": 1, **values}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.lots).values(**row))


def _shipment(ids: dict[str, int], unit: int, **values: object) -> dict[str, object]:
    return {"batch_id": ids["batch"], "type": "shipment", "item_id": ids["item"], "serial_unit_id": unit,
            "lot_id": ids["lot"], "qty": 1, "occurred_on": NOW.date(), "created_at": NOW, **values}


def test_constraints__one_open_shipment_per_unit(engine) -> None:  # type: ignore[no-untyped-def]
    """Even a caller that skips the guards cannot ship a unit twice: a second open shipment is refused; a
    shipment closed by a return or reversal leaves room for the next one."""
    with engine.begin() as conn:
        ids = _seed(conn)
        unit = conn.execute(insert(t.serial_units).values(item_id=ids["item"], serial="7", status="shipped",
                                                          lot_id=ids["lot"])).inserted_primary_key[0]
        conn.execute(insert(t.transactions).values(**_shipment(ids, unit, closed_by_batch_id=ids["batch"])))
        conn.execute(insert(t.transactions).values(**_shipment(ids, unit)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.transactions).values(**_shipment(ids, unit, document="SO-2")))


def test_constraints__serial_status_known(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        ids = _seed(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.serial_units).values(item_id=ids["item"], serial="1", status="lost",
                                                   lot_id=ids["lot"]))


def test_sqlite__wal_and_foreign_keys_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_schema_head__is_alembic_head() -> None:
    """Opening a ledger skips Alembic when it is at SCHEMA_HEAD: a new migration must move the constant."""
    assert head_revision() == SCHEMA_HEAD

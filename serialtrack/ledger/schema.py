"""The ledger's tables (SQLAlchemy Core). Constraints live in the database, not only in Python.

Alembic migrations under ``migrations/`` create and evolve these tables; ``metadata`` here is what the
migrations are checked against (``tests/ledger/test_migrations.py``). Core tables rather than ORM classes: the
hot path inserts and checks in bulk, and every read is a set-based query.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from serialtrack.records import BatchStatus, SerialStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Money = Numeric(18, 4)

#: Serial unit statuses (SPEC "Serial unit"), plus ``reversed``: its receipt was undone by ``reverse``, so it is
#: in no stock and may be received again (the row stays, since its transactions reference it).
SERIAL_STATUSES = tuple(s.value for s in SerialStatus)
#: Batch statuses: a batch is one ingested file.
BATCH_STATUSES = tuple(s.value for s in BatchStatus)
#: Transaction types: the append-only history.
#: A transfer is two rows per move: ``transfer_out`` of the unit (or quantity) from its lot at the old place, then
#: ``transfer_in`` into the lot that holds it at the new place. An ``adjustment``'s note starts with its action
#: (``scrap``, ``write_off`` or ``found``), as a return's starts with its disposition.
TRANSACTION_TYPES = ("receipt", "shipment", "return", "transfer_out", "transfer_in", "adjustment", "vendor_return",
                     "reversal")
#: The rows of ``uq_transactions_open_shipment``: shipments of a unit not yet closed by a return or a reversal.
OPEN_SHIPMENT = "type = 'shipment' AND serial_unit_id IS NOT NULL AND closed_by_batch_id IS NULL"

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(100), nullable=False, unique=True),
    Column("description", Text),
    Column("serialized", Boolean, nullable=False, server_default=text("false")),
    Column("track_mfr_lot", Boolean, nullable=False, server_default=text("false")),
    Column("next_serial", String(100)),
    Column("est_unit_cost", Money),
    Column("uom", String(20)),
    Column("serial_pattern", Text),
    Column("check_digit", String(20)),
    #: months of customer warranty from the ship date, and of vendor warranty from the received date
    Column("warranty_months", Integer),
    Column("vendor_warranty_months", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("est_unit_cost IS NULL OR est_unit_cost >= 0", name="est_unit_cost_nonneg"),
)

offices = Table(
    "offices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    #: the office's full name, from an ``offices`` file (``name`` is the code every other file uses)
    Column("description", Text),
    Column("receiving_bin", String(100), nullable=False),
    Column("return_bin", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bins = Table(
    "bins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("office_id", "name", name="uq_bins_office_name"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(30)),
    Column("status", String(20), nullable=False),
    Column("rows", Integer, nullable=False, server_default=text("0")),
    Column("units", Integer, nullable=False, server_default=text("0")),
    Column("lots", Integer, nullable=False, server_default=text("0")),
    Column("transactions", Integer, nullable=False, server_default=text("0")),
    Column("errors", Integer, nullable=False, server_default=text("0")),
    Column("output", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("reversed_at", DateTime(timezone=True)),
    Column("reversed_by", Integer, ForeignKey("batches.id")),
    Column("host", String(200)),
    #: who dropped the file: its owner and group as the file system gave them (names, or numeric ids where
    #: no name resolves), and the user who ran ``ingest`` or ``reverse`` (None for the watcher)
    Column("dropped_by_user", String(200)),
    Column("dropped_by_group", String(200)),
    Column("run_by", String(200)),
    CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status_known"),
    CheckConstraint("rows >= 0 AND units >= 0 AND lots >= 0 AND transactions >= 0", name="counts_nonneg"),
    Index("ix_batches_sha256", "sha256"),
    # The same bytes never post twice as the same kind: at most one *posted* batch per content hash and kind (a
    # count's answer holds proposed adjustments and proposed transfers, and may be dropped as each).
    Index(
        "uq_batches_posted_sha256",
        "sha256",
        "kind",
        unique=True,
        sqlite_where=text("status = 'posted'"),
        postgresql_where=text("status = 'posted'"),
    ),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("vendor", Text),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False),
    Column("order_date", Date),
    Column("batch_id", Integer, ForeignKey("batches.id")),
)

po_lines = Table(
    "po_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("po_id", Integer, ForeignKey("purchase_orders.id"), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_received", Integer, nullable=False, server_default=text("0")),
    Column("unit_cost", Money),
    UniqueConstraint("po_id", "item_id", name="uq_po_lines_po_item"),
    CheckConstraint("qty_ordered >= 0", name="qty_ordered_nonneg"),
    CheckConstraint("qty_received >= 0", name="qty_received_nonneg"),
    CheckConstraint("unit_cost IS NULL OR unit_cost >= 0", name="unit_cost_nonneg"),
)

sales_orders = Table(
    "sales_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("customer", Text),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False),
    Column("order_date", Date),
    Column("batch_id", Integer, ForeignKey("batches.id")),
)

so_lines = Table(
    "so_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("so_id", Integer, ForeignKey("sales_orders.id"), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_shipped", Integer, nullable=False, server_default=text("0")),
    Column("unit_price", Money),
    UniqueConstraint("so_id", "item_id", name="uq_so_lines_so_item"),
    CheckConstraint("qty_ordered >= 0", name="qty_ordered_nonneg"),
    CheckConstraint("qty_shipped >= 0", name="qty_shipped_nonneg"),
    CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="unit_price_nonneg"),
)

lots = Table(
    "lots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document", String(120), nullable=False),  # transaction id, e.g. PO-60006
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False),
    Column("po_line_id", Integer, ForeignKey("po_lines.id")),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("received_date", Date, nullable=False),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_received", Integer, nullable=False),
    Column("qty_used", Integer, nullable=False, server_default=text("0")),
    Column("unit_cost", Money, nullable=False),
    Column("mfr_lot", String(100)),
    Column("packing_list", String(100)),
    #: set when the receipt that created the lot was reversed: the lot then holds nothing
    Column("reversed_batch_id", Integer, ForeignKey("batches.id")),
    #: a lot made by a transfer holds what moved out of this lot (the received lot, never another moved one):
    #: its document, received date and cost are the origin's, its PO line is reached through it
    Column("origin_lot_id", Integer, ForeignKey("lots.id")),
    CheckConstraint("qty_ordered >= 0", name="qty_ordered_nonneg"),
    CheckConstraint("qty_received >= 0", name="qty_received_nonneg"),
    CheckConstraint("qty_used >= 0 AND qty_used <= qty_received", name="qty_used_in_range"),
    CheckConstraint("unit_cost >= 0", name="unit_cost_nonneg"),
    Index("ix_lots_item_id", "item_id"),
    Index("ix_lots_batch_id", "batch_id"),
)

serial_units = Table(
    "serial_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("serial", String(100), nullable=False),
    Column("status", String(30), nullable=False),
    Column("office_id", Integer, ForeignKey("offices.id")),
    Column("bin_id", Integer, ForeignKey("bins.id")),
    Column("lot_id", Integer, ForeignKey("lots.id"), nullable=False),
    UniqueConstraint("item_id", "serial", name="uq_serial_units_item_serial"),
    CheckConstraint(f"status IN {SERIAL_STATUSES!r}", name="status_known"),
    Index("ix_serial_units_serial", "serial"),
    Index("ix_serial_units_lot_id", "lot_id"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("type", String(20), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("serial_unit_id", Integer, ForeignKey("serial_units.id")),
    Column("lot_id", Integer, ForeignKey("lots.id")),
    Column("office_id", Integer, ForeignKey("offices.id")),
    Column("bin_id", Integer, ForeignKey("bins.id")),
    Column("qty", Integer, nullable=False),
    Column("unit_cost", Money),
    Column("document", String(120)),
    Column("occurred_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source_file", Text),
    Column("source_sha256", String(64)),
    Column("source_sheet", Text),
    Column("source_row", Integer),
    Column("reverses_id", Integer, ForeignKey("transactions.id")),
    Column("note", Text),
    #: a shipment is open until a return takes the unit back or a reversal undoes it: the batch that closed it
    Column("closed_by_batch_id", Integer, ForeignKey("batches.id")),
    CheckConstraint(f"type IN {TRANSACTION_TYPES!r}", name="type_known"),
    Index("ix_transactions_serial_unit_id", "serial_unit_id"),
    Index("ix_transactions_batch_id", "batch_id"),
    Index("ix_transactions_lot_id", "lot_id"),
    # A unit is shipped once until it comes back: at most one open shipment per unit, whoever writes it.
    Index("uq_transactions_open_shipment", "serial_unit_id", unique=True,
          sqlite_where=text(OPEN_SHIPMENT), postgresql_where=text(OPEN_SHIPMENT)),
)

#: Physical counts (scans per office and bin): stored as counts, never postings; the reconciliation compares
#: the latest count of each office with the ledger.
counts = Table(
    "counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False),
    Column("bin", String(100)),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("serial", String(100), nullable=False),
    Column("count_date", Date, nullable=False),
    Column("scans", Integer, nullable=False, server_default=text("1")),
    Column("source_sheet", Text),
    Column("source_row", Integer),
    CheckConstraint("scans >= 1", name="scans_positive"),
    Index("ix_counts_office_date", "office_id", "count_date"),
    Index("ix_counts_batch_id", "batch_id"),
)

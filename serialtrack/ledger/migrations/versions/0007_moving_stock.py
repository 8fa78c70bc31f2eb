"""moving stock after it arrives (issue 16): transfers, adjustments, vendor returns, offices

* transactions take the types ``transfer_out``, ``transfer_in`` and ``vendor_return`` (``adjustment`` was
  declared from the start, and is now written);
* a lot made by a transfer points at the lot it came from (``origin_lot_id``);
* offices keep a full name (``description``) from an ``offices`` file;
* the same bytes may be posted once per kind (a count's answer is dropped as adjustments and as transfers).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN_SHIPMENT = "type = 'shipment' AND serial_unit_id IS NOT NULL AND closed_by_batch_id IS NULL"
POSTED = "status = 'posted'"
OLD_TYPES = "type IN ('receipt', 'shipment', 'return', 'adjustment', 'reversal')"
NEW_TYPES = ("type IN ('receipt', 'shipment', 'return', 'transfer_out', 'transfer_in', 'adjustment', "
             "'vendor_return', 'reversal')")


def _types(check: str) -> None:
    # SQLite rebuilds the table to change a CHECK: the partial unique index is dropped and made again around it,
    # so its WHERE clause is never left to reflection
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index('uq_transactions_open_shipment', sqlite_where=sa.text(OPEN_SHIPMENT),
                            postgresql_where=sa.text(OPEN_SHIPMENT))
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_transactions_type_known'), type_='check')
        batch_op.create_check_constraint('type_known', check)
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('uq_transactions_open_shipment', ['serial_unit_id'], unique=True,
                              sqlite_where=sa.text(OPEN_SHIPMENT), postgresql_where=sa.text(OPEN_SHIPMENT))


def _posted_index(columns: list[str]) -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index('uq_batches_posted_sha256', sqlite_where=sa.text(POSTED), postgresql_where=sa.text(POSTED))
        batch_op.create_index('uq_batches_posted_sha256', columns, unique=True, sqlite_where=sa.text(POSTED),
                              postgresql_where=sa.text(POSTED))


def upgrade() -> None:
    _types(NEW_TYPES)
    _posted_index(['sha256', 'kind'])
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_lot_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_lots_origin_lot_id_lots'), 'lots', ['origin_lot_id'], ['id'])
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('description')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lots_origin_lot_id_lots'), type_='foreignkey')
        batch_op.drop_column('origin_lot_id')
    _posted_index(['sha256'])
    _types(OLD_TYPES)

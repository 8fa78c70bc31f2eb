"""at most one open shipment per unit (issue 13)

A shipment transaction is open until a return takes the unit back or a reversal undoes it; the batch that closed
it is recorded in ``transactions.closed_by_batch_id``, and a partial unique index allows one open shipment per
unit, so a double shipment is impossible even for a caller that skips the guards. Existing shipments are closed
from history first: by the reversal that points at them, else by the first later return of the unit that was
not itself reversed.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN_SHIPMENT = "type = 'shipment' AND serial_unit_id IS NOT NULL AND closed_by_batch_id IS NULL"

CLOSE_REVERSED = """
UPDATE transactions SET closed_by_batch_id = (
    SELECT r.batch_id FROM transactions r WHERE r.reverses_id = transactions.id ORDER BY r.id LIMIT 1)
WHERE type = 'shipment' AND EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_id = transactions.id)
"""

CLOSE_RETURNED = """
UPDATE transactions SET closed_by_batch_id = (
    SELECT r.batch_id FROM transactions r
    WHERE r.type = 'return' AND r.serial_unit_id = transactions.serial_unit_id AND r.id > transactions.id
      AND NOT EXISTS (SELECT 1 FROM transactions v WHERE v.reverses_id = r.id)
    ORDER BY r.id LIMIT 1)
WHERE type = 'shipment' AND serial_unit_id IS NOT NULL AND closed_by_batch_id IS NULL
"""


def upgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_by_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_transactions_closed_by_batch_id_batches'), 'batches',
                                    ['closed_by_batch_id'], ['id'])
    op.execute(CLOSE_REVERSED)
    op.execute(CLOSE_RETURNED)
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('uq_transactions_open_shipment', ['serial_unit_id'], unique=True,
                              sqlite_where=sa.text(OPEN_SHIPMENT), postgresql_where=sa.text(OPEN_SHIPMENT))


def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index('uq_transactions_open_shipment')
        batch_op.drop_constraint(batch_op.f('fk_transactions_closed_by_batch_id_batches'), type_='foreignkey')
        batch_op.drop_column('closed_by_batch_id')

"""items carry their warranties (issue 17)

``warranty_months`` runs from the day a unit ships to its customer, ``vendor_warranty_months`` from the day it
was received; both empty for an item without a warranty.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warranty_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vendor_warranty_months', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('vendor_warranty_months')
        batch_op.drop_column('warranty_months')

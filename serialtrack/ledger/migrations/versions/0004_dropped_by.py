"""batches: who dropped each file (owner and group), and who ran the command

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 05:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_by_user', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('dropped_by_group', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('run_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('run_by')
        batch_op.drop_column('dropped_by_group')
        batch_op.drop_column('dropped_by_user')

"""access_log.row_count and access_log.filters: an export is one entry, with its list's
filter (codes only) and how many rows it carried

Revision ID: f3c8d2a1b6e4
Revises: f1a2b3c4d5e6
Create Date: 2026-12-07 02:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c8d2a1b6e4'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: the append-only trigger on PostgreSQL is about UPDATE, and its one
    # exception (retention nulling report_id) compares every other column, these included.
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('filters', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_column('filters')
        batch_op.drop_column('row_count')

"""open reports by category: an index for the staff list filtered by category and status

Revision ID: 9c1d2e3f4a5b
Revises: 3483a107f0b4
Create Date: 2026-11-26 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c1d2e3f4a5b'
down_revision = '3483a107f0b4'
branch_labels = None
depends_on = None

OPEN = "status IN ('received', 'triaged', 'routed', 'in_progress')"


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(
            'ix_report_open_category',
            ['municipality_id', 'category_id', 'created_at', 'id'],
            unique=False,
            postgresql_include=['status'],
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_report_open_category',
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )

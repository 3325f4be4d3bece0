"""municipality.rules_version: a new value with every edit of the routing rules (the workers'
rule cache compares it; the rules' count and largest id did not change when SQLite reused ids)

Revision ID: c5e1f7a2b9d4
Revises: c4e8f1a2b3d6
Create Date: 2026-12-06 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e1f7a2b9d4'
down_revision = 'c4e8f1a2b3d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rules_version', sa.String(length=32), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('rules_version')

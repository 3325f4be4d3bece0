"""unit: an addresses JSON for the channels without a column of their own

Revision ID: c4e8f1a2b3d6
Revises: a7b3c5d9e1f2
Create Date: 2026-12-06 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8f1a2b3d6'
down_revision = 'a7b3c5d9e1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('addresses', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('addresses')

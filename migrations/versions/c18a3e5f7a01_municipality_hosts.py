"""several municipalities in one deployment: host names and a path prefix per municipality,
and the platform administrator (a flag on the user)

Revision ID: c18a3e5f7a01
Revises: c19a5e7f9a03
Create Date: 2026-12-07 05:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c18a3e5f7a01'
down_revision = 'c19a5e7f9a03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hosts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('path_prefix', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint('uq_municipality_path_prefix', ['path_prefix'])
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('platform_admin', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('platform_admin')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_constraint('uq_municipality_path_prefix', type_='unique')
        batch_op.drop_column('path_prefix')
        batch_op.drop_column('hosts')

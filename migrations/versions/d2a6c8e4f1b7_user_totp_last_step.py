"""user.totp_last_step: the time step of the last TOTP code that signed in, so that each code
is used once

Revision ID: d2a6c8e4f1b7
Revises: c5e1f7a2b9d4
Create Date: 2026-12-06 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a6c8e4f1b7'
down_revision = 'c5e1f7a2b9d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')

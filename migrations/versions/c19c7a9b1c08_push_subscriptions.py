"""Web Push subscriptions of staff users (one row per browser)

Revision ID: c19c7a9b1c08
Revises: c17b8b0c2d06
Create Date: 2026-12-07 05:45:00

"""
import sqlalchemy as sa
from alembic import op

from meldecentral.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c19c7a9b1c08'
down_revision = 'c17b8b0c2d06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'push_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('endpoint', sa.String(length=1000), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=100), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_success_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_push_subscription_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
        sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscription_endpoint')),
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_user_id'))
    op.drop_table('push_subscription')

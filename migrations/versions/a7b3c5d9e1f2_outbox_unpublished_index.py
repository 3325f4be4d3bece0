"""outbox: a partial index on the events neither published nor handled (the relay process's
round, and the metric mc_outbox_unpublished)

Revision ID: a7b3c5d9e1f2
Revises: 9c1d2e3f4a5b
Create Date: 2026-11-26 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b3c5d9e1f2'
down_revision = '9c1d2e3f4a5b'
branch_labels = None
depends_on = None

PENDING = "published_at IS NULL AND handled_at IS NULL"


def upgrade():
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index(
            'ix_outbox_unpublished',
            ['id'],
            unique=False,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )


def downgrade():
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_outbox_unpublished',
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )

"""api_token.expires_at: tokens expire; existing ones get 90 days from the upgrade

Revision ID: e7b3a9c1d5f2
Revises: e7f3a9c1d5b2
Create Date: 2026-12-06 21:25:00

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

import meldecentral.models.base


# revision identifiers, used by Alembic.
revision = 'e7b3a9c1d5f2'
down_revision = 'e7f3a9c1d5b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('expires_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    # Tokens made before expiry existed get the default lifetime from now, not "never".
    token = sa.table('api_token', sa.column('expires_at', meldecentral.models.base.UTCDateTime()))
    op.execute(token.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

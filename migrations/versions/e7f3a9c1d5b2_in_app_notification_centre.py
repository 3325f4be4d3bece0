"""in-app notifications: the report, urgency and kind of each; read state per user
(in_app_read) instead of one read_at for a whole unit

Revision ID: e7f3a9c1d5b2
Revises: d2a6c8e4f1b7
Create Date: 2026-12-06 21:20:00

"""
from alembic import op
import sqlalchemy as sa

import meldecentral.models.base


# revision identifiers, used by Alembic.
revision = 'e7f3a9c1d5b2'
down_revision = 'd2a6c8e4f1b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('in_app_notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_in_app_notification_report_id_report'),
            'report', ['report_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.drop_index('ix_in_app_unit_read')
        batch_op.drop_column('read_at')
        batch_op.create_index('ix_in_app_unit', ['unit_id', 'id'], unique=False)
    # Notifications stored before: their report and urgency from the delivery they came from.
    op.execute(
        "UPDATE in_app_notification SET "
        "report_id = (SELECT d.report_id FROM delivery d WHERE d.id = delivery_id), "
        "urgent = COALESCE((SELECT d.urgent FROM delivery d WHERE d.id = delivery_id), false)"
    )
    op.create_table('in_app_read',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('read_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['in_app_notification.id'], name=op.f('fk_in_app_read_notification_id_in_app_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_in_app_read_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'notification_id', name=op.f('pk_in_app_read'))
    )


def downgrade():
    op.drop_table('in_app_read')
    with op.batch_alter_table('in_app_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_in_app_unit')
        batch_op.add_column(
            sa.Column('read_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index('ix_in_app_unit_read', ['unit_id', 'read_at'], unique=False)
        batch_op.drop_constraint(
            batch_op.f('fk_in_app_notification_report_id_report'), type_='foreignkey'
        )
        batch_op.drop_column('kind')
        batch_op.drop_column('urgent')
        batch_op.drop_column('report_id')

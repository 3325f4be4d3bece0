"""the conversation with the reporter: questions, answers, added information, reopen requests
(reporter_message), satisfaction (reporter_feedback), the inbox's "the reporter answered"
(assignment.reporter_replied_at) and each municipality's reopen period (municipality.reopen_days)

Revision ID: c19a5e7f9a03
Revises: c18b4d6e8f02
Create Date: 2026-12-07 05:20:00

"""
from alembic import op
import sqlalchemy as sa

import meldecentral.models.base


# revision identifiers, used by Alembic.
revision = 'c19a5e7f9a03'
down_revision = 'c18b4d6e8f02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reporter_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_unit_id', sa.Integer(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('question', 'answer', 'info', 'reopen_request')", name=op.f('ck_reporter_message_kind')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_reporter_message_report_id_report')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_reporter_message_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['question_id'], ['reporter_message.id'], name=op.f('fk_reporter_message_question_id_reporter_message')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_reporter_message_author_id_user_account')),
    sa.ForeignKeyConstraint(['author_unit_id'], ['unit.id'], name=op.f('fk_reporter_message_author_unit_id_unit')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_reporter_message_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_message'))
    )
    op.create_index(op.f('ix_reporter_message_report_id'), 'reporter_message', ['report_id'], unique=False)
    op.create_table('reporter_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_reporter_feedback_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_feedback')),
    sa.UniqueConstraint('report_id', name=op.f('uq_reporter_feedback_report_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_replied_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopen_days', sa.Integer(), server_default='30', nullable=False))


def downgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('reopen_days')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('reporter_replied_at')
    op.drop_table('reporter_feedback')
    op.drop_index(op.f('ix_reporter_message_report_id'), table_name='reporter_message')
    op.drop_table('reporter_message')

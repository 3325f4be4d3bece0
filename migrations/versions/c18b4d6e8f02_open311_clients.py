"""Open311 GeoReport v2: client applications (api_key hashes), and the time indexes the
updates feed (servicerequestupdates) reads report_event and note by

Revision ID: c18b4d6e8f02
Revises: a9d3e5f7b2c4
Create Date: 2026-12-07 05:20:00

"""
from alembic import op
import sqlalchemy as sa

import meldecentral.models.base


# revision identifiers, used by Alembic.
revision = 'c18b4d6e8f02'
down_revision = 'a9d3e5f7b2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_open311_client_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_open311_client_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_client')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_client_key_hash'))
    )
    op.create_index('ix_report_event_created', 'report_event', ['created_at'], unique=False)
    op.create_index('ix_note_created', 'note', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_note_created', table_name='note')
    op.drop_index('ix_report_event_created', table_name='report_event')
    op.drop_table('open311_client')

"""saved views: named filter sets for the triage queue and the unit inbox, private or shared
with a unit; each user's default view per list

Revision ID: f4c2d8a6b1e3
Revises: f3c8d2a1b6e4
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import meldecentral.models.base


# revision identifiers, used by Alembic.
revision = 'f4c2d8a6b1e3'
down_revision = 'f3c8d2a1b6e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('list_kind', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('created_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', meldecentral.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("list_kind IN ('triage', 'inbox')", name=op.f('ck_saved_view_list_kind')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_saved_view_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_saved_view_owner_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_saved_view_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view'))
    )
    op.create_index('ix_saved_view_unit', 'saved_view', ['unit_id', 'list_kind'], unique=False)
    op.create_index(
        'uq_saved_view_owner_name',
        'saved_view',
        ['owner_user_id', 'list_kind', sa.text('lower(name)')],
        unique=True,
    )
    op.create_table('saved_view_default',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=10), nullable=False),
    sa.Column('view_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_saved_view_default_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['view_id'], ['saved_view.id'], name=op.f('fk_saved_view_default_view_id_saved_view'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'list_kind', name=op.f('pk_saved_view_default'))
    )
    op.create_index(op.f('ix_saved_view_default_view_id'), 'saved_view_default', ['view_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_saved_view_default_view_id'), table_name='saved_view_default')
    op.drop_table('saved_view_default')
    op.drop_index('uq_saved_view_owner_name', table_name='saved_view')
    op.drop_index('ix_saved_view_unit', table_name='saved_view')
    op.drop_table('saved_view')

"""resident languages: a municipality may switch languages off; category labels per language

municipality.languages_off: the resident languages (config LANGUAGES) the municipality does
not offer. category.labels: a category's label in the languages beyond Danish and English.

Revision ID: c19b6f8a0b04
Revises: c17c9c1d3e07
Create Date: 2026-12-07 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c19b6f8a0b04'
down_revision = 'c17c9c1d3e07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality') as batch:
        batch.add_column(sa.Column('languages_off', sa.JSON(), nullable=True))
    with op.batch_alter_table('category') as batch:
        batch.add_column(sa.Column('labels', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('category') as batch:
        batch.drop_column('labels')
    with op.batch_alter_table('municipality') as batch:
        batch.drop_column('languages_off')

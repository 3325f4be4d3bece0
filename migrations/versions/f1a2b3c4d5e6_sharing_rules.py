"""sharing rules: assignment.contact_shared (the unit may read the reporter's contact), and an
internal note's readers (note.shared_with: own_unit | all_units; note.author_unit_id)

Existing rows keep what they allowed when written: every assigned unit read the contact, and
every unit on the report read the internal notes.

Revision ID: f1a2b3c4d5e6
Revises: e7b3a9c1d5f2
Create Date: 2026-12-07 02:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e6"
down_revision = "e7b3a9c1d5f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assignment") as batch:
        batch.add_column(
            sa.Column("contact_shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("note") as batch:
        batch.add_column(sa.Column("shared_with", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("author_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_note_author_unit_id_unit"), "unit", ["author_unit_id"], ["id"]
        )
    op.execute("UPDATE assignment SET contact_shared = true")
    op.execute("UPDATE note SET shared_with = 'all_units' WHERE visibility = 'internal'")
    op.execute(
        "UPDATE note SET author_unit_id = "
        "(SELECT unit_id FROM user_account WHERE user_account.id = note.author_id)"
    )


def downgrade():
    with op.batch_alter_table("note") as batch:
        batch.drop_constraint(op.f("fk_note_author_unit_id_unit"), type_="foreignkey")
        batch.drop_column("author_unit_id")
        batch.drop_column("shared_with")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("contact_shared")

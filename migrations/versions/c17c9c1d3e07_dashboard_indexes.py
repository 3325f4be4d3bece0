"""indexes for the coordinators' dashboard: assignments and 112 redirects by creation time

assignment(created_at): the times to acknowledge and to close are read over the assignments
created within the dashboard's window. emergency_redirect(municipality_id, created_at): the
redirects of a municipality within the window.

Revision ID: c17c9c1d3e07
Revises: a9d3e5f7b2c4
Create Date: 2026-12-07 05:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c17c9c1d3e07'
down_revision = 'a9d3e5f7b2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_assignment_created", "assignment", ["created_at"])
    op.create_index(
        "ix_emergency_redirect_created", "emergency_redirect", ["municipality_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_emergency_redirect_created", table_name="emergency_redirect")
    op.drop_index("ix_assignment_created", table_name="assignment")

"""the coordinators' dashboard: its times as last computed (dashboard_times), indexes for its
window of reports and assignments (index-only on PostgreSQL) and the 112 redirects by time

dashboard_times: per municipality and period, the times to acknowledge and to close as the
workers last computed them (JSON), so that the page reads one row.

assignment(created_at), on PostgreSQL INCLUDE (report_id, unit_id, acknowledged_at,
closed_at): the times to acknowledge and to close are read over the assignments of the
window. ix_report_created (created_at, id) gains INCLUDE (municipality_id, urgency) on
PostgreSQL, so that the window's reports are read from the index alone (the staff list uses it
as before). emergency_redirect(municipality_id, created_at): a municipality's redirects of the
window.

Revision ID: c17c9c1d3e07
Revises: c17a7a9b1c05
Create Date: 2026-12-07 05:30:00

"""
import sqlalchemy as sa
from alembic import op

from meldecentral.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c17c9c1d3e07'
down_revision = 'c17a7a9b1c05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_times",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_id", "days", name=op.f("pk_dashboard_times")),
    )
    op.create_index(
        "ix_assignment_created",
        "assignment",
        ["created_at"],
        postgresql_include=["report_id", "unit_id", "acknowledged_at", "closed_at"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_report_created", table_name="report")
        op.create_index(
            "ix_report_created",
            "report",
            ["created_at", "id"],
            postgresql_include=["municipality_id", "urgency"],
        )
    op.create_index(
        "ix_emergency_redirect_created", "emergency_redirect", ["municipality_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_emergency_redirect_created", table_name="emergency_redirect")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_report_created", table_name="report")
        op.create_index("ix_report_created", "report", ["created_at", "id"])
    op.drop_index("ix_assignment_created", table_name="assignment")
    op.drop_table("dashboard_times")

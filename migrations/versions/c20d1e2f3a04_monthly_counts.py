"""Monthly counts per district, category and kind

report_monthly_count (the local calendar month's first day, district, category, kind), kept by
the same recounts as report_daily_count and report_weekly_count. Existing reports are counted
by `flask stats rebuild`.

Revision ID: c20d1e2f3a04
Revises: c19c7a9b1c08
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c20d1e2f3a04'
down_revision = 'c19c7a9b1c08'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_monthly_count",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "municipality_id", "month", "district_id", "category_id", "kind",
            name="pk_report_monthly_count",
        ),
    )


def downgrade():
    op.drop_table("report_monthly_count")

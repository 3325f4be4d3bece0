"""public facts: category groups, weekly counts by kind, population, safety survey, the
published figures

category_group (per municipality, with the severity weight of the safety index) and
category.group_id; report_weekly_count (local ISO week, district, category, kind), kept by the
same recounts as report_daily_count; district_population and safety_survey (data); public_facts
(the suppressed document the public pages, API and open-data files read). The weekly counts of
existing reports are filled by `flask stats rebuild`, which also recounts the daily ones.

Revision ID: c17a7a9b1c05
Revises: c18a3e5f7a01
Create Date: 2026-12-07 05:30:00

"""
import sqlalchemy as sa
from alembic import op

from meldecentral.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c17a7a9b1c05'
down_revision = 'c18a3e5f7a01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("label_da", sa.String(200), nullable=False),
        sa.Column("label_en", sa.String(200), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("municipality_id", "code", name="uq_category_group_code"),
    )
    with op.batch_alter_table("category") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_category_group_id_category_group", "category_group", ["group_id"], ["id"]
        )
    op.create_table(
        "report_weekly_count",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "municipality_id", "week", "district_id", "category_id", "kind",
            name="pk_report_weekly_count",
        ),
    )
    op.create_table(
        "district_population",
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("district.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("district_id", "year", name="pk_district_population"),
    )
    op.create_table(
        "safety_survey",
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("district.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=False),
        sa.Column("safe_neighbourhood", sa.Float(), nullable=False),
        sa.Column("safe_evening", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("district_id", "year", name="pk_safety_survey"),
    )
    op.create_table(
        "public_facts",
        sa.Column(
            "municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), primary_key=True
        ),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("weekly", sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table("public_facts")
    op.drop_table("safety_survey")
    op.drop_table("district_population")
    op.drop_table("report_weekly_count")
    with op.batch_alter_table("category") as batch:
        batch.drop_constraint("fk_category_group_id_category_group", type_="foreignkey")
        batch.drop_column("group_id")
    op.drop_table("category_group")

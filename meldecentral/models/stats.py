"""Pre-aggregated statistics: reports per local day, district and category.

Kept current by the workers (``services.worklists.stats``): a periodic job recounts the last two
days, and the handlers recount a day when one of its reports changes category, place, or is
rejected or merged. The statistics pages and the API read only this table, never the report
table, so a year of counts costs a few thousand rows however many reports there are.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime

NO_DISTRICT = 0  # district_id of reports without a district (0 keeps the primary key NOT NULL)


class ReportDailyCount(Model):
    __tablename__ = "report_daily_count"
    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # local date (TIMEZONE)
    district_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int]


class DashboardTimes(Model):
    """The dashboard's times to acknowledge and to close of one municipality and period, as
    last computed (``services.worklists.dashboard.refresh_times``, beat every few minutes):
    reading them is one row, where computing them reads every assignment of the window."""

    __tablename__ = "dashboard_times"
    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times: Mapped[list] = mapped_column(sa.JSON)  # Durations as dicts

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


class ReportWeeklyCount(Model):
    """Reports per local ISO week (its Monday), district, category and kind (crime, concern,
    and whatever kinds a municipality adds): the source of the public figures and the open
    data. Kept current with the daily counts, by the same recounts."""

    __tablename__ = "report_weekly_count"
    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # the local Monday
    district_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    count: Mapped[int]


class ReportMonthlyCount(Model):
    """Reports per local calendar month (its first day), district, category and kind: the
    staff's statistics per month. Kept current with the daily counts, by the same recounts."""

    __tablename__ = "report_monthly_count"
    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # the month's first day
    district_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    count: Mapped[int]


class DistrictPopulation(Model):
    """Residents of a district in a year (data, edited by the municipality's administrator)."""

    __tablename__ = "district_population"
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    population: Mapped[int]
    source: Mapped[str | None] = mapped_column(sa.String(300))


class SafetySurvey(Model):
    """One year's result of the municipality's safety survey for a district: the shares (0-100)
    of residents who feel safe in their neighbourhood, and in the evening and at night."""

    __tablename__ = "safety_survey"
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    safe_neighbourhood: Mapped[float]
    safe_evening: Mapped[float]
    illustrative: Mapped[bool] = mapped_column(default=False)  # demo values, not a survey's


class PublicFacts(Model):
    """The public figures as published, one document per municipality, written by the
    publishing job (services/facts/publish.py) after suppression: the public pages, the API
    and the open-data files read only this row."""

    __tablename__ = "public_facts"
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), primary_key=True)
    etag: Mapped[str] = mapped_column(sa.String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str] = mapped_column(sa.Text)  # JSON: the facts per district and the city
    # JSON: the weekly cells (the open data), loaded only by the open-data files.
    weekly: Mapped[str] = mapped_column(sa.Text, deferred=True)


class DashboardTimes(Model):
    """The dashboard's times to acknowledge and to close of one municipality and period, as
    last computed (``services.worklists.dashboard.refresh_times``, beat every few minutes):
    reading them is one row, where computing them reads every assignment of the window."""

    __tablename__ = "dashboard_times"
    municipality_id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times: Mapped[list] = mapped_column(sa.JSON)  # Durations as dicts

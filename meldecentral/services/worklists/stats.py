"""Statistics per district and category, read from the pre-aggregated daily counts.

What is counted: reports received, per local day (the municipality's TIMEZONE), district and
category, leaving out reports rejected or merged into another (duplicates). The counts are kept
current by the workers: ``refresh_recent`` (beat, every minute) recounts today and yesterday,
and the outbox handlers call ``refresh_report_day`` when a report's category, place or
rejected/merged status changes, which recounts that report's whole day. Recounting a day is
idempotent, so a redelivered event or a second run changes nothing.

The same recounts keep the weekly and the monthly counts (``ReportWeeklyCount``: local ISO
week, ``ReportMonthlyCount``: local calendar month; per district, category and the report's
kind), recounting every whole week and month that holds a recounted day; the public figures
(services/facts) are built from the weekly ones, the staff's statistics per period
(services/worklists/periods.py) from both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from meldecentral import clock
from meldecentral.db import tx
from meldecentral.domain import workflow
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    District,
    Municipality,
    Report,
    ReportDailyCount,
    ReportMonthlyCount,
    ReportWeeklyCount,
)
from meldecentral.models.stats import NO_DISTRICT

NOT_COUNTED = (workflow.REJECTED, workflow.MERGED)
PERIODS = (30, 365)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Copenhagen"))


def local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of ``first`` and after ``last``."""
    zone = _zone()
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def day_start(day: date) -> datetime:
    """The UTC instant of local midnight at the start of ``day`` (a window's first moment)."""
    return _day_bounds(day, day)[0]


def _counted_rows(municipality_id: int, first: date, last: date) -> list[tuple]:
    """(day, district_id, category_id, count) for the reports of those local days."""
    start, end = _day_bounds(first, last)
    where = (
        Report.municipality_id == municipality_id,
        Report.created_at >= start,
        Report.created_at < end,
        Report.status.not_in(NOT_COUNTED),
    )
    district = sa.func.coalesce(Report.district_id, NO_DISTRICT)
    if db.engine.dialect.name == "postgresql":
        day = sa.cast(sa.func.timezone(_zone().key, Report.created_at), sa.Date)
        query = (
            sa.select(day, district, Report.category_id, sa.func.count())
            .where(*where)
            .group_by(sa.text("1"), sa.text("2"), sa.text("3"))  # the time zone is a parameter
        )
        return [tuple(r) for r in db.session.execute(query)]
    # Elsewhere (SQLite in development) bucket by local day in Python.
    counts: Counter = Counter()
    rows = db.session.execute(
        sa.select(Report.created_at, district, Report.category_id).where(*where)
    )
    for created_at, district_id, category_id in rows:
        counts[(local_day(created_at), district_id, category_id)] += 1
    return [(*key, n) for key, n in counts.items()]


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class _Period:
    """A period the counts are kept per: its table, its key column, PostgreSQL's name for it
    (date_trunc), where a day's period starts and where the period after one starts."""

    table: type
    column: str
    trunc: str
    start_of: Callable[[date], date]
    after: Callable[[date], date]


WEEK = _Period(ReportWeeklyCount, "week", "week", week_of, lambda w: w + timedelta(days=7))
MONTH = _Period(ReportMonthlyCount, "month", "month", month_of, next_month)
PERIODS_KEPT = (WEEK, MONTH)


def _period_rows(municipality_id: int, period: _Period, first: date, last: date) -> list[tuple]:
    """(period start, district_id, category_id, kind, count) for the reports of the periods
    starting ``first``..``last``."""
    start, end = _day_bounds(first, period.after(last) - timedelta(days=1))
    where = (
        Report.municipality_id == municipality_id,
        Report.created_at >= start,
        Report.created_at < end,
        Report.status.not_in(NOT_COUNTED),
    )
    district = sa.func.coalesce(Report.district_id, NO_DISTRICT)
    if db.engine.dialect.name == "postgresql":
        local = sa.func.timezone(_zone().key, Report.created_at)
        key = sa.cast(sa.func.date_trunc(period.trunc, local), sa.Date)
        query = (
            sa.select(key, district, Report.category_id, Report.kind, sa.func.count())
            .where(*where)
            .group_by(sa.text("1"), sa.text("2"), sa.text("3"), sa.text("4"))
        )
        return [tuple(r) for r in db.session.execute(query)]
    counts: Counter = Counter()
    rows = db.session.execute(
        sa.select(Report.created_at, district, Report.category_id, Report.kind).where(*where)
    )
    for created_at, district_id, category_id, kind in rows:
        counts[(period.start_of(local_day(created_at)), district_id, category_id, kind)] += 1
    return [(*key, n) for key, n in counts.items()]


def _recount_periods(municipality_id: int, first: date, last: date) -> None:
    """Recount every whole week and month that holds one of the days ``first``..``last``."""
    for period in PERIODS_KEPT:
        first_start, last_start = period.start_of(first), period.start_of(last)
        rows = _period_rows(municipality_id, period, first_start, last_start)
        table, column = period.table, getattr(period.table, period.column)
        db.session.execute(
            sa.delete(table).where(
                table.municipality_id == municipality_id,
                column >= first_start,
                column <= last_start,
            )
        )
        if rows:
            db.session.execute(
                sa.insert(table),
                [
                    {
                        "municipality_id": municipality_id,
                        period.column: start,
                        "district_id": district_id,
                        "category_id": category_id,
                        "kind": kind,
                        "count": n,
                    }
                    for start, district_id, category_id, kind, n in rows
                ],
            )


def refresh_days(municipality_id: int, first: date, last: date | None = None) -> int:
    """Recount the local days ``first``..``last`` from the report table; returns how many
    cells were written. Commits (inside ``tx.one_transaction``, a savepoint instead, so that a
    concurrent recount undoes only this recount)."""
    last = last or first
    for _attempt in range(3):
        if tx.collecting() is not None:
            try:
                with db.session.begin_nested():
                    return _recount(municipality_id, first, last)
            except IntegrityError:  # a concurrent recount of the same day won: count again
                continue
        try:
            written = _recount(municipality_id, first, last)
            db.session.commit()
            return written
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not recount the daily statistics")


def _recount(municipality_id: int, first: date, last: date) -> int:
    rows = _counted_rows(municipality_id, first, last)
    db.session.execute(
        sa.delete(ReportDailyCount).where(
            ReportDailyCount.municipality_id == municipality_id,
            ReportDailyCount.day >= first,
            ReportDailyCount.day <= last,
        )
    )
    if rows:
        db.session.execute(
            sa.insert(ReportDailyCount),
            [
                {
                    "municipality_id": municipality_id,
                    "day": day,
                    "district_id": district_id,
                    "category_id": category_id,
                    "count": n,
                }
                for day, district_id, category_id, n in rows
            ],
        )
    _recount_periods(municipality_id, first, last)
    db.session.flush()
    return len(rows)


def refresh_recent(days: int = 2) -> int:
    """Recount the last ``days`` local days of every municipality (the periodic job)."""
    today = local_day(clock.now())
    written = 0
    for municipality_id in db.session.scalars(sa.select(Municipality.id)).all():
        written += refresh_days(municipality_id, today - timedelta(days=days - 1), today)
    return written


def refresh_report_day(report_id: int) -> int:
    """A report changed in a way that moves it between cells (category, place, rejected or
    merged): recount its day."""
    row = db.session.execute(
        sa.select(Report.municipality_id, Report.created_at).where(Report.id == report_id)
    ).first()
    if row is None:
        return 0
    return refresh_days(row.municipality_id, local_day(row.created_at))


def rebuild(municipality_id: int, years: int = 3) -> int:
    """Recount everything of the last ``years`` years (after a bulk import or a restore)."""
    today = local_day(clock.now())
    cells = refresh_days(municipality_id, today - timedelta(days=365 * years), today)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE report_daily_count"))  # its size just changed
        db.session.execute(sa.text("ANALYZE report_weekly_count"))
        db.session.execute(sa.text("ANALYZE report_monthly_count"))
        db.session.commit()
    return cells


@dataclass
class DistrictCounts:
    number: int | None
    name: str
    total: int | None
    categories: dict[str, int | None] = field(default_factory=dict)


@dataclass
class DistrictStats:
    days: int
    first_day: date
    last_day: date
    districts: list[DistrictCounts]


def _suppress(n: int, below: int) -> int | None:
    return None if below and 0 < n < below else n


def district_counts(
    municipality_id: int, days: int, *, suppress_below: int = 0, today: date | None = None
) -> DistrictStats:
    """Reports per district and category over the last ``days`` local days (today included).

    ``suppress_below``: counts from 1 to ``suppress_below - 1`` come back as None, for pages
    the public sees (small counts could point at a person).
    """
    last = today or local_day(clock.now())
    first = last - timedelta(days=days - 1)
    rows = db.session.execute(
        sa.select(
            ReportDailyCount.district_id,
            ReportDailyCount.category_id,
            sa.func.sum(ReportDailyCount.count),
        )
        .where(
            ReportDailyCount.municipality_id == municipality_id,
            ReportDailyCount.day >= first,
            ReportDailyCount.day <= last,
        )
        .group_by(ReportDailyCount.district_id, ReportDailyCount.category_id)
    ).all()
    districts = {
        d.id: (d.number, d.name)
        for d in db.session.execute(
            sa.select(District.id, District.number, District.name).where(
                District.municipality_id == municipality_id
            )
        )
    }
    categories = dict(
        db.session.execute(
            sa.select(Category.id, Category.code).where(Category.municipality_id == municipality_id)
        ).all()
    )
    cells: dict[int, Counter] = {d: Counter() for d in districts}
    for district_id, category_id, n in rows:
        cells.setdefault(district_id, Counter())[categories.get(category_id, "?")] += int(n)
    out = []
    for district_id, counter in cells.items():
        number, name = districts.get(district_id, (None, "(no district)"))
        if district_id == NO_DISTRICT and not counter:
            continue
        out.append(
            DistrictCounts(
                number=number,
                name=name,
                total=_suppress(sum(counter.values()), suppress_below),
                categories={
                    code: _suppress(n, suppress_below) for code, n in sorted(counter.items())
                },
            )
        )
    out.sort(key=lambda d: (d.number is None, d.number or 0))
    return DistrictStats(days=days, first_day=first, last_day=last, districts=out)

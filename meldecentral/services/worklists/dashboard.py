"""The coordinators' dashboard: volumes, each unit's open and overdue assignments, time to
acknowledge and to close (median, 90th percentile) per unit and urgency, undelivered
notifications and the 112 redirects, over the last ``days`` local days (docs/dashboard.md).

Bounded by construction: volumes come from the daily counts (``report_daily_count``), the
times from the window's reports and assignments (``ix_report_created``,
``ix_assignment_created``: index-only on PostgreSQL), counted in buckets, computed by the
workers into ``dashboard_times`` (``refresh_times``) and read from there; the open and overdue
counts from ``ix_assignment_unit_status``, the redirects from ``ix_emergency_redirect_created``,
the undelivered notifications from ``ix_delivery_status_next``. The figures are kept per
municipality and period for ``DASHBOARD_CACHE_SECONDS`` (the page says as of when); no figure
names a person or carries a report's text.
"""

from __future__ import annotations

import dataclasses
import threading
import time as monotonic
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from meldecentral import clock
from meldecentral.domain import figures, roles, workflow
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Category,
    DashboardTimes,
    Delivery,
    District,
    EmergencyRedirect,
    Municipality,
    Report,
    ReportDailyCount,
    Unit,
)
from meldecentral.models.delivery import DEAD
from meldecentral.models.report import OPEN_STATUSES_SQL
from meldecentral.models.stats import NO_DISTRICT
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.worklists import stats

PERIODS = (30, 90)
URGENCIES = ("high", "normal", "low")
READERS = (roles.COORDINATOR, roles.ADMIN)


@dataclass
class UnitLoad:
    code: str
    name: str
    open: int = 0  # assignments routed, acknowledged or in progress
    overdue: int = 0  # routed (not acknowledged) past their acknowledgement deadline
    dead_letters: int = 0


@dataclass
class Durations:
    """Hours from assignment to acknowledgement and to closing, of the assignments created in
    the window (``acknowledged``/``closed``: how many of them got that far)."""

    unit: str
    urgency: str
    assigned: int = 0
    acknowledged: int = 0
    ack_median_h: float | None = None
    ack_p90_h: float | None = None
    closed: int = 0
    close_median_h: float | None = None
    close_p90_h: float | None = None


@dataclass
class Count:
    key: str | int | None  # a category code, a district number (None: no district), a day
    name: str
    count: int


@dataclass
class Dashboard:
    days: int
    first_day: date
    last_day: date
    as_of: datetime
    received: int
    per_day: list[Count]
    per_category: list[Count]
    per_district: list[Count]
    open_reports: int  # now, whatever the window
    units: list[UnitLoad]
    times: list[Durations]
    times_as_of: datetime  # the times are the workers' (refresh_times), read at this moment
    dead_letters: int
    redirects: int
    redirects_by_category: list[Count]
    redirects_by_district: list[Count]
    redirect_cells: list[dict] = field(default_factory=list)  # {category, district, count}


_cache: dict[tuple, tuple[float, Dashboard]] = {}
_cache_lock = threading.Lock()


def dashboard(actor: Actor, days: int) -> Dashboard:
    """The figures for ``actor``'s municipality (coordinators and administrators), from the
    cache when fresh enough."""
    if actor.role not in READERS:
        raise Forbidden("only coordinators and administrators see the dashboard")
    if days not in PERIODS:
        raise ValueError(f"days must be one of {PERIODS}")
    ttl = current_app.config.get("DASHBOARD_CACHE_SECONDS", 60)
    key = (str(db.engine.url), actor.municipality_id, days)
    with _cache_lock:
        hit = _cache.get(key)
    if ttl > 0 and hit is not None and hit[0] > monotonic.monotonic():
        return hit[1]
    figures_now = compute(actor.municipality_id, days)
    if ttl > 0:
        with _cache_lock:
            _cache[key] = (monotonic.monotonic() + ttl, figures_now)
    return figures_now


def compute(municipality_id: int, days: int, now: datetime | None = None) -> Dashboard:
    """Every figure, freshly read (a handful of small, indexed queries)."""
    now = now or clock.now()
    last = stats.local_day(now)
    first = last - timedelta(days=days - 1)
    since = stats.day_start(first)
    names = _Names(municipality_id)
    per_day, per_category, per_district = _volumes(municipality_id, first, last, names)
    units = _unit_loads(municipality_id, now, names)
    redirects = _redirects(municipality_id, since, names)
    times, times_as_of = _stored_times(municipality_id, days, since, names, now)
    return Dashboard(
        days=days,
        first_day=first,
        last_day=last,
        as_of=now,
        received=sum(c.count for c in per_day),
        per_day=per_day,
        per_category=per_category,
        per_district=per_district,
        open_reports=_open_reports(municipality_id),
        units=units,
        times=times,
        times_as_of=times_as_of,
        dead_letters=sum(u.dead_letters for u in units) + _dead_without_unit(municipality_id),
        redirects=sum(c.count for c in redirects[0]),
        redirects_by_category=redirects[0],
        redirects_by_district=redirects[1],
        redirect_cells=redirects[2],
    )


class _Names:
    """The municipality's categories, districts and units by id (codes, numbers, names)."""

    def __init__(self, municipality_id: int):
        self.categories = {
            c.id: c
            for c in db.session.scalars(
                sa.select(Category).where(Category.municipality_id == municipality_id)
            )
        }
        self.districts = dict(
            (row.id, (row.number, row.name))
            for row in db.session.execute(
                sa.select(District.id, District.number, District.name)
                .where(District.municipality_id == municipality_id)
                .order_by(District.number)
            )
        )
        self.units = dict(
            (row.id, (row.code, row.name))
            for row in db.session.execute(
                sa.select(Unit.id, Unit.code, Unit.name)
                .where(Unit.municipality_id == municipality_id)
                .order_by(Unit.code)
            )
        )

    def category(self, category_id: int) -> Count:
        c = self.categories.get(category_id)
        return Count(c.code if c else "?", c.label_en if c else "?", 0)

    def district(self, district_id: int | None) -> Count:
        number, name = self.districts.get(district_id, (None, ""))
        return Count(number, name, 0)


def _volumes(municipality_id: int, first: date, last: date, names: _Names):
    """Reports received per day, per category and per district (rejected and merged reports
    left out, as in the district statistics)."""
    window = (
        ReportDailyCount.municipality_id == municipality_id,
        ReportDailyCount.day >= first,
        ReportDailyCount.day <= last,
    )
    # One statement, the window's cells read once: their sums by day, category and district.
    cells = (
        sa.select(
            ReportDailyCount.day,
            ReportDailyCount.category_id,
            ReportDailyCount.district_id,
            ReportDailyCount.count,
        )
        .where(*window)
        .cte("cells")
        .prefix_with("MATERIALIZED")
    )
    total = sa.func.sum(cells.c.count)
    parts = [
        sa.select(sa.literal(kind).label("kind"), sa.cast(column, sa.String), total).group_by(
            column
        )
        for kind, column in (
            ("day", cells.c.day),
            ("category", cells.c.category_id),
            ("district", cells.c.district_id),
        )
    ]
    sums: dict[str, dict] = {"day": {}, "category": {}, "district": {}}
    for kind, key, n in db.session.execute(sa.union_all(*parts)):
        sums[kind][key if kind == "day" else int(key)] = int(n)
    by_day = {date.fromisoformat(k): n for k, n in sums["day"].items()}
    by_category, by_district = sums["category"], sums["district"]
    per_day = [
        Count(day.isoformat(), day.isoformat(), int(by_day.get(day, 0)))
        for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
    ]
    per_category = []
    for category_id in names.categories:
        entry = names.category(category_id)
        entry.count = int(by_category.get(category_id, 0))
        if entry.count or names.categories[category_id].active:
            per_category.append(entry)
    per_category.sort(key=lambda c: (-c.count, str(c.key)))
    per_district = []
    for district_id in [*names.districts, NO_DISTRICT]:
        entry = names.district(district_id)
        entry.count = int(by_district.get(district_id, 0))
        if district_id != NO_DISTRICT or entry.count:
            per_district.append(entry)
    return per_day, per_category, per_district


def _open_reports(municipality_id: int) -> int:
    """Open reports now: an index-only count of ix_report_triage (its predicate, literally)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(
                Report.municipality_id == municipality_id,
                sa.text(OPEN_STATUSES_SQL.replace("status", "report.status")),
            )
        )
        or 0
    )


def _unit_loads(municipality_id: int, now: datetime, names: _Names) -> list[UnitLoad]:
    """Each unit's open and overdue assignments now, and its undelivered notifications."""
    loads = {uid: UnitLoad(code, name) for uid, (code, name) in names.units.items()}
    overdue = sa.case(
        (sa.and_(Assignment.status == workflow.ROUTED, Assignment.ack_deadline <= now), 1),
        else_=0,
    )
    for unit_id, n_open, n_overdue in db.session.execute(
        sa.select(Assignment.unit_id, sa.func.count(), sa.func.sum(overdue))
        .where(
            Assignment.unit_id.in_(list(loads)),
            Assignment.status.in_(workflow.OPEN_ASSIGNMENT_STATUSES),
        )
        .group_by(Assignment.unit_id)
    ):
        loads[unit_id].open, loads[unit_id].overdue = int(n_open), int(n_overdue or 0)
    for unit_id, n in db.session.execute(
        sa.select(Delivery.unit_id, sa.func.count())
        .where(Delivery.status == DEAD, Delivery.unit_id.in_(list(loads)))
        .group_by(Delivery.unit_id)
    ):
        loads[unit_id].dead_letters = int(n)
    return list(loads.values())


def _dead_without_unit(municipality_id: int) -> int:
    """Undelivered notifications to reporters (no unit), of this municipality's reports."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Delivery)
            .join(Report, Report.id == Delivery.report_id)
            .where(
                Delivery.status == DEAD,
                Delivery.unit_id.is_(None),
                Report.municipality_id == municipality_id,
            )
        )
        or 0
    )


def refresh_times(now: datetime | None = None) -> int:
    """Compute and store every municipality's times for each period (beat, every
    ``DASHBOARD_TIMES_EVERY_SECONDS``); returns how many were stored."""
    now = now or clock.now()
    stored = 0
    for municipality_id in db.session.scalars(sa.select(Municipality.id)).all():
        names = _Names(municipality_id)
        for days in PERIODS:
            since = stats.day_start(stats.local_day(now) - timedelta(days=days - 1))
            _store_times(municipality_id, days, _durations(municipality_id, since, names), now)
            stored += 1
    return stored


def _stored_times(
    municipality_id: int, days: int, since: datetime, names: _Names, now: datetime
) -> tuple[list[Durations], datetime]:
    """The times as the workers last stored them, if recent enough
    (``DASHBOARD_TIMES_MAX_AGE_SECONDS``); else computed now, and stored for the next reader."""
    max_age = current_app.config.get("DASHBOARD_TIMES_MAX_AGE_SECONDS", 900)
    row = db.session.get(DashboardTimes, (municipality_id, days))
    if row is not None and row.computed_at > now - timedelta(seconds=max_age):
        return [Durations(**t) for t in row.times], row.computed_at
    times = _durations(municipality_id, since, names)
    _store_times(municipality_id, days, times, now)
    return times, now


def _store_times(municipality_id: int, days: int, times: list[Durations], now: datetime) -> None:
    values = {"computed_at": now, "times": [dataclasses.asdict(t) for t in times]}
    try:
        updated = db.session.execute(
            sa.update(DashboardTimes)
            .where(DashboardTimes.municipality_id == municipality_id, DashboardTimes.days == days)
            .values(**values)
        ).rowcount
        if not updated:
            db.session.add(DashboardTimes(municipality_id=municipality_id, days=days, **values))
        db.session.commit()
    except IntegrityError:  # another reader stored them first: theirs will do
        db.session.rollback()


def _seconds(later, earlier):
    """``later - earlier`` in seconds, as SQL."""
    if db.engine.dialect.name == "postgresql":
        # date_part, not extract: extract gives numeric (PostgreSQL 14+), several times slower
        return sa.func.date_part("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400


def _floor(value):
    if db.engine.dialect.name == "postgresql":
        return sa.func.floor(value)
    return sa.cast(value, sa.Integer)  # SQLite truncates: the values here are not negative


def _bucket(seconds):
    """domain.figures.bucket_of as SQL (a negative duration, a clock's slip, counts as 0)."""
    whens = [(seconds < 0, 0)]
    for start, width, first in reversed(figures.bucket_offsets()):
        whens.append((seconds >= start, first + _floor((seconds - start) / width)))
    return sa.case(*whens, else_=0)


def _durations(municipality_id: int, since: datetime, names: _Names) -> list[Durations]:
    """Per unit and urgency: the median and 90th percentile of the hours from assignment to
    acknowledgement and to closing, of the assignments of the reports received since
    ``since``. The database counts the durations in buckets (domain.figures.BUCKET_SCALE), the
    same way on PostgreSQL and SQLite, so that a few hundred rows come back whatever the
    window holds; the percentiles are taken from the counts."""
    window = (
        sa.select(
            Assignment.unit_id.label("unit_id"),
            Report.urgency.label("urgency"),
            _seconds(Assignment.acknowledged_at, Assignment.created_at).label("ack"),
            _seconds(Assignment.closed_at, Assignment.created_at).label("done"),
        )
        .select_from(Assignment)
        .join(Report, Report.id == Assignment.report_id)
        .where(
            Report.municipality_id == municipality_id,
            Report.created_at >= since,
            # implied (an assignment follows its report), said so that its index can be used
            Assignment.created_at >= since,
        )
        .cte("window")
        .prefix_with("MATERIALIZED")  # read once, counted twice
    )
    # One statement: the window read once, its durations counted twice. The acknowledgements
    # keep the unacknowledged (bucket NULL), whose count completes the number assigned.
    counted = []
    for kind, column in (("ack", window.c.ack), ("done", window.c.done)):
        bucket = sa.case((column.is_(None), None), else_=_bucket(column))
        query = sa.select(
            sa.literal(kind).label("kind"),
            window.c.unit_id,
            window.c.urgency,
            bucket.label("bucket"),
            sa.func.count().label("n"),
        )
        if kind == "done":
            query = query.where(column.is_not(None))
        counted.append(query.group_by(window.c.unit_id, window.c.urgency, bucket))
    acks: dict[tuple, dict] = defaultdict(dict)
    closes: dict[tuple, dict] = defaultdict(dict)
    assigned: dict[tuple, int] = defaultdict(int)
    for kind, unit_id, urgency, b, n in db.session.execute(sa.union_all(*counted)):
        key = (unit_id, urgency)
        if kind == "ack":
            assigned[key] += int(n)
        if b is not None:
            (acks if kind == "ack" else closes)[key][int(b)] = int(n)
    out = []
    for key, n in assigned.items():
        unit_id, urgency = key
        a, c = acks.get(key, {}), closes.get(key, {})
        out.append(
            Durations(
                unit=names.units[unit_id][0] if unit_id in names.units else "?",
                urgency=urgency,
                assigned=n,
                acknowledged=sum(a.values()),
                ack_median_h=figures.hours(figures.bucket_percentile(a, 0.5)),
                ack_p90_h=figures.hours(figures.bucket_percentile(a, 0.9)),
                closed=sum(c.values()),
                close_median_h=figures.hours(figures.bucket_percentile(c, 0.5)),
                close_p90_h=figures.hours(figures.bucket_percentile(c, 0.9)),
            )
        )
    rank = {u: i for i, u in enumerate(URGENCIES)}
    return sorted(out, key=lambda d: (d.unit, rank.get(d.urgency, 9)))


def _redirects(municipality_id: int, since: datetime, names: _Names):
    """Submissions sent to 112 since ``since``: by category, by district, and both."""
    rows = db.session.execute(
        sa.select(EmergencyRedirect.category_id, EmergencyRedirect.district_id, sa.func.count())
        .where(
            EmergencyRedirect.municipality_id == municipality_id,
            EmergencyRedirect.created_at >= since,
        )
        .group_by(EmergencyRedirect.category_id, EmergencyRedirect.district_id)
    ).all()
    by_category: dict[int, int] = defaultdict(int)
    by_district: dict[int | None, int] = defaultdict(int)
    cells = []
    for category_id, district_id, n in rows:
        by_category[category_id] += int(n)
        by_district[district_id] += int(n)
        cells.append(
            {
                "category": names.category(category_id).key,
                "district": names.district(district_id).key,
                "count": int(n),
            }
        )
    per_category = []
    for category_id, n in by_category.items():
        entry = names.category(category_id)
        entry.count = n
        per_category.append(entry)
    per_category.sort(key=lambda c: (-c.count, str(c.key)))
    per_district = []
    for district_id in [*names.districts, None]:
        entry = names.district(district_id)
        entry.count = by_district.get(district_id, 0)
        if district_id is not None or entry.count:
            per_district.append(entry)
    cells.sort(key=lambda c: (c["district"] is None, c["district"] or 0, c["category"]))
    return per_category, per_district, cells

"""The staff's statistics per week or month (docs/statistics.md): reports per kind (crime,
concern, need and whatever kinds the municipality's categories carry) over the last periods,
each against the same period a year before; and, for one period, per district: per kind, per
1,000 residents, against the same period a year before and against the city.

Read from the counts the workers keep (``report_weekly_count``, ``report_monthly_count``; see
services/worklists/stats.py), never from the report table: a few hundred rows per period. The
same period a year before is the same calendar month, or the ISO week 52 weeks earlier (the
same weekdays). Staff figures: nothing is suppressed here, unlike the public facts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import District, DistrictPopulation
from meldecentral.models.stats import NO_DISTRICT
from meldecentral.services.reference import catalogue
from meldecentral.services.worklists import stats

UNITS = {"week": stats.WEEK, "month": stats.MONTH}
SHOWN = 13  # periods in the series: a year and the current one


@dataclass
class PeriodRow:
    start: date
    end: date  # its last day
    complete: bool  # False for the current period, still counting
    kinds: dict[str, int]
    total: int
    last_year: int  # the same period a year before
    change_pct: float | None  # total against last_year; None when last_year is 0


@dataclass
class DistrictRow:
    number: int | None  # None: reports without a district
    name: str
    kinds: dict[str, int]
    total: int
    last_year: int
    change_pct: float | None
    population: int | None  # residents in the period's year (or the latest before it)
    per_1000: float | None
    against_city: float | None  # per_1000 / the city's per_1000 (1.0: the city's rate)


@dataclass
class PeriodStats:
    unit: str  # week | month
    kinds: list[str]
    periods: list[PeriodRow]  # oldest first, the current period last
    start: date  # the period the districts are for
    end: date
    complete: bool
    city: DistrictRow
    districts: list[DistrictRow] = field(default_factory=list)


def year_before(unit: str, start: date) -> date:
    """The start of the same period a year before ``start``."""
    if unit == "week":
        return start - timedelta(weeks=52)
    return start.replace(year=start.year - 1)


def change(now: int, before: int) -> float | None:
    return round(100.0 * (now - before) / before, 1) if before else None


def period_stats(municipality_id: int, unit: str, at: date | None = None) -> PeriodStats:
    """The series of the last ``SHOWN`` periods up to today, and the districts in the period
    holding ``at`` (default: the last complete one). ``unit``: ``week`` or ``month``."""
    period = UNITS[unit]
    today = stats.local_day(clock.now())
    current = period.start_of(today)
    chosen = period.start_of(at) if at else period.start_of(current - timedelta(days=1))
    chosen = min(chosen, current)
    starts = [current]
    for _ in range(SHOWN - 1):
        starts.insert(0, period.start_of(starts[0] - timedelta(days=1)))
    wanted = set(starts) | {chosen}
    wanted |= {year_before(unit, s) for s in list(wanted)}
    table = period.table
    column = getattr(table, period.column)
    cells = db.session.execute(
        sa.select(column, table.district_id, table.kind, sa.func.sum(table.count))
        .where(table.municipality_id == municipality_id, column.in_(sorted(wanted)))
        .group_by(column, table.district_id, table.kind)
    ).all()
    by_period: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_district: dict[tuple[date, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start, district_id, kind, n in cells:
        by_period[start][kind] += int(n)
        by_district[start, district_id][kind] += int(n)
    kinds = sorted(catalogue.kinds(municipality_id) | {k for _, _, k, _ in cells})

    def total(counts) -> int:
        return sum(counts.values())

    periods = [
        PeriodRow(
            start=s,
            end=period.after(s) - timedelta(days=1),
            complete=s != current,
            kinds={k: by_period[s].get(k, 0) for k in kinds},
            total=total(by_period[s]),
            last_year=total(by_period[year_before(unit, s)]),
            change_pct=change(total(by_period[s]), total(by_period[year_before(unit, s)])),
        )
        for s in starts
    ]
    before = year_before(unit, chosen)
    residents = _population(municipality_id, chosen.year)
    city_people = sum(residents.values()) or None
    city_total = total(by_period[chosen])
    city_rate = _per_1000(city_total, city_people)
    city = DistrictRow(
        number=None,
        name="",
        kinds={k: by_period[chosen].get(k, 0) for k in kinds},
        total=city_total,
        last_year=total(by_period[before]),
        change_pct=change(city_total, total(by_period[before])),
        population=city_people,
        per_1000=city_rate,
        against_city=1.0 if city_rate else None,
    )
    districts = []
    names = db.session.execute(
        sa.select(District.id, District.number, District.name)
        .where(District.municipality_id == municipality_id)
        .order_by(District.number)
    ).all()
    for district_id, number, name in [*names, (NO_DISTRICT, None, "")]:
        counts = by_district[chosen, district_id]
        n, then = total(counts), total(by_district[before, district_id])
        if district_id == NO_DISTRICT and not (n or then):
            continue
        people = residents.get(district_id)
        rate = _per_1000(n, people)
        districts.append(
            DistrictRow(
                number=number,
                name=name,
                kinds={k: counts.get(k, 0) for k in kinds},
                total=n,
                last_year=then,
                change_pct=change(n, then),
                population=people,
                per_1000=rate,
                against_city=round(rate / city_rate, 2) if rate is not None and city_rate else None,
            )
        )
    return PeriodStats(
        unit=unit,
        kinds=kinds,
        periods=periods,
        start=chosen,
        end=period.after(chosen) - timedelta(days=1),
        complete=chosen != current,
        city=city,
        districts=districts,
    )


def _per_1000(n: int, people: int | None) -> float | None:
    return round(1000.0 * n / people, 2) if people else None


def _population(municipality_id: int, year: int) -> dict[int, int]:
    """Residents per district in ``year``, or in the latest year before it stored (else the
    earliest after it: a rate against a later count beats none)."""
    rows = db.session.execute(
        sa.select(
            DistrictPopulation.district_id, DistrictPopulation.year, DistrictPopulation.population
        )
        .where(DistrictPopulation.municipality_id == municipality_id)
        .order_by(DistrictPopulation.year)
    ).all()
    chosen: dict[int, tuple[int, int]] = {}
    for district_id, row_year, people in rows:  # oldest first
        if district_id not in chosen or row_year <= year:
            chosen[district_id] = (row_year, people)
    return {d: people for d, (_, people) in chosen.items()}

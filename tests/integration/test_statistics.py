"""The staff's statistics per month and week (services/worklists/periods.py): the monthly counts
kept by the recounts (local months, every kind, rejected reports left out), the series against
the same period a year before, the districts per 1,000 residents and against the city, and the
same figures through the API and the page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    District,
    DistrictPopulation,
    Municipality,
    ReportMonthlyCount,
)
from meldecentral.services.facts import population
from meldecentral.services.worklists import periods, stats
from tests.conftest import auth
from tests.factories import insert_reports, signed_in

NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def _insert(moment: datetime, district, category, n, kind=None, status="resolved"):
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code="kbh"))
    insert_reports(municipality.id, moment, district, category, n, kind, status)


@pytest.fixture
def counted(app):
    """Reports in November 2026, November 2025 and December 2026, counted."""
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code="kbh"))
    d = {x.number: x for x in db.session.scalars(sa.select(District))}
    c = {x.code: x for x in db.session.scalars(sa.select(Category))}
    crime, concern, need = c["VOLD"], c["UTRYG"], c["BEHOV"]
    assert (crime.kind, concern.kind, need.kind) == ("crime", "concern", "need")
    nov = datetime(2026, 11, 18, 12, tzinfo=UTC)
    _insert(nov, d[3], crime, 4)
    _insert(nov, d[3], concern, 2)
    _insert(nov, d[3], need, 1)
    _insert(nov, d[3], crime, 3, status="rejected")  # not counted
    _insert(nov, d[4], concern, 3)
    _insert(nov, None, crime, 1)  # no district: the city's, no district's
    # 00:30 on 1 November in Copenhagen (CET), still October in UTC: November's.
    _insert(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), d[4], crime, 1)
    _insert(datetime(2025, 11, 10, 12, tzinfo=UTC), d[3], crime, 2)  # a year before
    _insert(datetime(2026, 12, 2, 12, tzinfo=UTC), d[3], crime, 1)  # this month, so far
    db.session.execute(sa.delete(DistrictPopulation))
    population.set_population(municipality.id, d[3].id, 2026, 80_000, None)
    population.set_population(municipality.id, d[4].id, 2025, 70_000, None)  # an older year
    population.set_population(municipality.id, d[4].id, 2027, 99_999, None)  # a later one
    with clock.at(NOW):
        stats.rebuild(municipality.id, years=2)
    return municipality, d


def _row(found, number):
    return next(r for r in found.districts if r.number == number)


def test_monthly_counts_are_kept_per_local_month_and_kind(counted):
    municipality, d = counted
    rows = db.session.execute(
        sa.select(ReportMonthlyCount.month, ReportMonthlyCount.district_id, ReportMonthlyCount.kind)
        .add_columns(ReportMonthlyCount.count)
        .where(ReportMonthlyCount.municipality_id == municipality.id)
    ).all()
    cells = {(m, dist, k): n for m, dist, k, n in rows}
    nov = date(2026, 11, 1)
    assert cells[nov, d[3].id, "crime"] == 4  # the 3 rejected left out
    assert cells[nov, d[3].id, "need"] == 1
    assert cells[nov, d[4].id, "crime"] == 1  # counted in its local month
    assert (date(2026, 10, 1), d[4].id, "crime") not in cells


def test_the_series_and_the_districts_of_a_month(counted):
    _, d = counted
    with clock.at(NOW):
        found = periods.period_stats(counted[0].id, "month")
    assert [p.start for p in found.periods][-2:] == [date(2026, 11, 1), date(2026, 12, 1)]
    assert len(found.periods) == periods.SHOWN
    assert found.periods[0].start == date(2025, 12, 1)
    november, december = found.periods[-2], found.periods[-1]
    assert november.complete and not december.complete
    assert november.kinds["crime"] == 4 + 1 + 1 and november.kinds["concern"] == 5
    assert november.kinds["need"] == 1 and november.total == 12
    assert november.last_year == 2 and november.change_pct == 500.0
    assert december.total == 1 and december.last_year == 0 and december.change_pct is None
    # The districts in the last complete month: November.
    assert (found.start, found.end, found.complete) == (date(2026, 11, 1), date(2026, 11, 30), True)
    norrebro, vesterbro = _row(found, 3), _row(found, 4)
    assert norrebro.kinds == {**{k: 0 for k in found.kinds}, "crime": 4, "concern": 2, "need": 1}
    assert (norrebro.total, norrebro.last_year, norrebro.change_pct) == (7, 2, 250.0)
    assert norrebro.population == 80_000 and norrebro.per_1000 == round(7000 / 80_000, 2)
    assert vesterbro.population == 70_000  # the latest year up to 2026, not the later one
    city_rate = 12 * 1000 / 150_000
    assert found.city.total == 12 and found.city.population == 150_000
    assert found.city.per_1000 == round(city_rate, 2)
    assert norrebro.against_city == round(round(7000 / 80_000, 2) / round(city_rate, 2), 2)
    assert _row(found, None).total == 1  # the report without a district
    assert _row(found, 5).per_1000 is None  # no residents stored: no rate


def test_a_week_and_a_chosen_period(counted):
    with clock.at(NOW):
        week = periods.period_stats(counted[0].id, "week", date(2026, 11, 19))
        future = periods.period_stats(counted[0].id, "month", date(2027, 3, 1))
    assert week.start == date(2026, 11, 16) and week.end == date(2026, 11, 22)
    assert week.city.total == 4 + 2 + 1 + 3 + 1
    assert week.periods[-1].start == date(2026, 11, 30)  # the current ISO week
    assert future.start == date(2026, 12, 1) and not future.complete


def test_the_api_and_the_page(app, client, counted, make_user):
    _, token = make_user("unit_member", "SSP")
    with clock.at(NOW):
        res = client.get("/api/v1/stats/periods?unit=month", headers=auth(token))
        assert res.status_code == 200, res.json
        assert res.json["start"] == "2026-11-01"
        assert res.json["periods"][-2]["kinds"]["need"] == 1
        bad = client.get("/api/v1/stats/periods?unit=year&at=soon", headers=auth(token))
        assert bad.status_code == 422
        assert set(bad.json["error"]["fields"]) == {"unit", "at"}
        assert client.get("/api/v1/stats/periods").status_code == 401
        page, _ = signed_in(app, "coordinator")
        html = page.get("/staff/statistics?unit=month").get_data(as_text=True)
    assert "3. Nørrebro" in html and "november 2026" in html.lower()
    assert "+250.0 %" in html

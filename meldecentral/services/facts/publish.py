"""Build the public figures from the weekly counts and store them, suppressed, as one document
per municipality (``PublicFacts``). This is the one place the disclosure rule is applied:
the public pages, the API and the open-data files only read what is stored here, so nothing
reaches the public that did not go through ``disclosure.suppressed``.

Run by the workers' beat (``workers.tasks.publish_facts``, hourly by default) rather than on
each report event: the figures cover complete weeks, so they change at most when a week ends or
when a past report moves between cells (category, place, rejected, merged), which the daily
recount has already written to the weekly counts. One run gives one document and one ETag.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from meldecentral import clock
from meldecentral.domain import public_figures as pf
from meldecentral.domain import safety_index as si
from meldecentral.domain.disclosure import THRESHOLD, suppressed
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    CategoryGroup,
    District,
    DistrictPopulation,
    Municipality,
    PublicFacts,
    ReportWeeklyCount,
    SafetySurvey,
)
from meldecentral.models.stats import NO_DISTRICT
from meldecentral.services.facts import read
from meldecentral.services.worklists.stats import local_day, week_of

WEEKS = 52  # a period: the last 52 complete weeks


def periods(today: date) -> dict[str, list[date]]:
    """The Mondays of the current period (the last 52 complete weeks) and of the previous one."""
    last = week_of(today) - timedelta(days=7)
    current = [last - timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    previous = [w - timedelta(weeks=WEEKS) for w in current]
    return {pf.CURRENT: current, pf.PREVIOUS: previous}


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def licence(municipality_code: str) -> dict:
    licences = current_app.config.get("OPEN_DATA_LICENCES") or {}
    return licences.get(municipality_code) or licences.get("*") or {}


def _cells(municipality_id: int, first: date, last: date) -> dict[tuple[int, str, date], int]:
    rows = db.session.execute(
        sa.select(
            ReportWeeklyCount.district_id,
            CategoryGroup.code,
            ReportWeeklyCount.week,
            sa.func.sum(ReportWeeklyCount.count),
        )
        .join(Category, Category.id == ReportWeeklyCount.category_id)
        .join(CategoryGroup, CategoryGroup.id == Category.group_id)
        .where(
            ReportWeeklyCount.municipality_id == municipality_id,
            ReportWeeklyCount.week >= first,
            ReportWeeklyCount.week <= last,
            ReportWeeklyCount.district_id != NO_DISTRICT,
        )
        .group_by(ReportWeeklyCount.district_id, CategoryGroup.code, ReportWeeklyCount.week)
    )
    return {(d, g, w): int(n) for d, g, w, n in rows}


def _latest_by_district(model, municipality_id: int, year: int) -> dict[int, object]:
    rows = db.session.scalars(
        sa.select(model)
        .where(model.municipality_id == municipality_id, model.year <= year)
        .order_by(model.year)
    )
    return {row.district_id: row for row in rows}  # the latest year wins


def build(municipality: Municipality, today: date | None = None) -> tuple[dict, list[dict]]:
    """The facts document and the weekly rows, suppressed."""
    today = today or local_day(clock.now())
    spans = periods(today)
    districts = db.session.execute(
        sa.select(District.id, District.number, District.name)
        .where(District.municipality_id == municipality.id)
        .order_by(District.number)
    ).all()
    groups = db.session.scalars(
        sa.select(CategoryGroup)
        .where(CategoryGroup.municipality_id == municipality.id)
        .order_by(CategoryGroup.position, CategoryGroup.code)
    ).all()
    codes = [g.code for g in groups]
    ids = [d.id for d in districts]
    cells = _cells(municipality.id, spans[pf.PREVIOUS][0], spans[pf.CURRENT][-1])
    values, lines = pf.figures(cells, ids, codes, spans)
    hidden = suppressed(values, lines)

    def shown(key) -> int | None:
        return None if key in hidden else values[key]

    population = _latest_by_district(DistrictPopulation, municipality.id, today.year)
    survey = _latest_by_district(SafetySurvey, municipality.id, today.year)
    severity = {g.code: g.severity for g in groups}

    def counts(total_key, group_key) -> dict:
        return {
            "total": {p: shown(total_key(p)) for p in spans},
            "groups": {g: {p: shown(group_key(g, p)) for p in spans} for g in codes},
        }

    def weighted_rates(block: dict, residents: int | None) -> dict[str, float | None]:
        return {
            p: si.rate_per_1000(
                si.weighted_count(
                    {g: block["groups"][g][p] for g in codes}, severity, block["total"][p]
                ),
                residents,
            )
            for p in spans
        }

    city_population = sum(p.population for p in population.values()) or None
    city = counts(pf.city_key, pf.group_key)
    city["population"] = city_population
    city_rates = weighted_rates(city, city_population)
    city["weighted_rate"] = city_rates
    out_districts = []
    for d in districts:
        block = counts(
            lambda p, d=d: pf.district_key(d.id, p),
            lambda g, p, d=d: pf.district_group_key(d.id, g, p),
        )
        residents = population.get(d.id)
        rates = weighted_rates(block, residents.population if residents else None)
        answers = survey.get(d.id)
        index = si.combine(
            {
                "rate": si.rate_score(rates[pf.CURRENT], city_rates[pf.CURRENT]),
                "trend": si.trend_score(rates[pf.CURRENT], rates[pf.PREVIOUS]),
                "survey": si.survey_score(
                    answers.safe_neighbourhood if answers else None,
                    answers.safe_evening if answers else None,
                ),
            }
        )
        out_districts.append(
            {
                "id": d.id,
                "number": d.number,
                "name": d.name,
                "population": residents.population if residents else None,
                "population_year": residents.year if residents else None,
                **block,
                "safety_index": {
                    "value": _round(index.value),
                    "components": {k: _round(v) for k, v in index.components.items()},
                    "weights": {k: round(v, 3) for k, v in index.weights.items()},
                    "weighted_rate": {p: _round(r, 2) for p, r in rates.items()},
                    "city_weighted_rate": {p: _round(r, 2) for p, r in city_rates.items()},
                    "survey": (
                        {
                            "year": answers.year,
                            "safe_neighbourhood": answers.safe_neighbourhood,
                            "safe_evening": answers.safe_evening,
                            "illustrative": answers.illustrative,
                        }
                        if answers
                        else None
                    ),
                },
            }
        )
    city["weighted_rate"] = {p: _round(r, 2) for p, r in city_rates.items()}
    document = {
        "municipality": {"code": municipality.code, "name": municipality.name},
        "threshold": THRESHOLD,
        "periods": {
            p: {
                "first_week": iso_week(weeks[0]),
                "last_week": iso_week(weeks[-1]),
                "from": weeks[0].isoformat(),
                "to": (weeks[-1] + timedelta(days=6)).isoformat(),
            }
            for p, weeks in spans.items()
        },
        "groups": [
            {"code": g.code, "label": {"da": g.label_da, "en": g.label_en}, "severity": g.severity}
            for g in groups
        ],
        "city": city,
        "districts": out_districts,
        "licence": licence(municipality.code),
    }
    weekly = [
        {
            "week": iso_week(w),
            "week_start": w.isoformat(),
            "district_id": d.id,
            "district_number": d.number,
            "district": d.name,
            "group": g,
            "count": shown(pf.week_key(d.id, g, w)),
        }
        for p in (pf.PREVIOUS, pf.CURRENT)
        for w in spans[p]
        for d in districts
        for g in codes
    ]
    return document, weekly


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


def publish(municipality: Municipality, today: date | None = None) -> str:
    """Build and store the municipality's public figures; returns their ETag. Commits."""
    document, weekly = build(municipality, today)
    body = json.dumps(document, ensure_ascii=False, sort_keys=True)
    rows = json.dumps(weekly, ensure_ascii=False)
    etag = hashlib.sha256((body + rows).encode()).hexdigest()[:32]
    row = db.session.get(PublicFacts, municipality.id)
    if row is None:
        row = PublicFacts(municipality_id=municipality.id)
        db.session.add(row)
    if row.etag != etag:
        row.etag, row.document, row.weekly, row.built_at = etag, body, rows, clock.now()
    db.session.commit()
    read.forget()  # this process shows the new figures at once (the others within a minute)
    return etag


def publish_municipality(municipality_id: int) -> str:
    return publish(db.session.get(Municipality, municipality_id))


def publish_all() -> int:
    """Every municipality's figures (the periodic job); returns how many were published."""
    municipalities = db.session.scalars(sa.select(Municipality)).all()
    for municipality in municipalities:
        publish(municipality)
    return len(municipalities)

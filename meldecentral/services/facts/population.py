"""Residents per district and year: data the municipality's administrator edits; the rates per
1,000 residents and the safety index read the latest year up to the current one."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import District, DistrictPopulation
from meldecentral.services.errors import NotFound, ValidationFailed


def table(municipality_id: int) -> list[tuple]:
    """(district id, number, name, year, population, source) of every district, its latest
    year (None where none is stored)."""
    latest = {}
    for row in db.session.scalars(
        sa.select(DistrictPopulation)
        .where(DistrictPopulation.municipality_id == municipality_id)
        .order_by(DistrictPopulation.year)
    ):
        latest[row.district_id] = row
    districts = db.session.execute(
        sa.select(District.id, District.number, District.name)
        .where(District.municipality_id == municipality_id)
        .order_by(District.number)
    ).all()
    out = []
    for d in districts:
        row = latest.get(d.id)
        out.append(
            (d.id, d.number, d.name, row and row.year, row and row.population, row and row.source)
        )
    return out


def set_population(
    municipality_id: int, district_id: int, year: int, population: int, source: str | None
) -> None:
    """Store (or replace) a district's residents in a year. Commits."""
    district = db.session.get(District, district_id)
    if district is None or district.municipality_id != municipality_id:
        raise NotFound("no such district")
    if not 1990 <= year <= 2100:
        raise ValidationFailed("invalid population", {"year": "not a year"})
    if not 0 < population < 10_000_000:
        raise ValidationFailed("invalid population", {"population": "a number of residents"})
    row = db.session.get(DistrictPopulation, (district_id, year))
    if row is None:
        row = DistrictPopulation(
            district_id=district_id, year=year, municipality_id=municipality_id
        )
        db.session.add(row)
    row.population = population
    row.source = (source or "").strip()[:300] or None
    db.session.commit()

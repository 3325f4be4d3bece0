"""Reference data for choices on forms: categories, districts and units of a municipality."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Category, District, Unit
from meldecentral.services.reference import geo


def active_categories(municipality_id: int, *, by_code: bool = False) -> list[Category]:
    """In the catalogue's order (forms), or by code (the API's list)."""
    return list(
        db.session.scalars(
            sa.select(Category)
            .filter_by(municipality_id=municipality_id, active=True)
            .order_by(Category.code if by_code else Category.id)
        )
    )


def districts(municipality_id: int) -> list[District]:
    return list(
        db.session.scalars(
            sa.select(District).filter_by(municipality_id=municipality_id).order_by(District.number)
        )
    )


def district_name(municipality_id: int, lat: float, lon: float) -> tuple[int, str] | None:
    """(number, name) of the district holding the point, or None outside every district."""
    district_id = geo.district_for_point(municipality_id, lon, lat)
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    return district.number, district.name


def active_units(municipality_id: int) -> list[Unit]:
    return list(
        db.session.scalars(
            sa.select(Unit)
            .filter_by(municipality_id=municipality_id, active=True)
            .order_by(Unit.code)
        )
    )

"""Reference data read on every submission (categories, district numbers), held per process for
a short time instead of read from the database per request.

An entry lives ``REFDATA_CACHE_SECONDS`` (default 30). Changes made through this process (the
admin service, district import) clear it at once; other processes see them within that time.
Keyed by database URL as well, so that tests with several databases do not mix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from flask import current_app

from meldecentral.extensions import db
from meldecentral.models import Category, District


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    kind: str
    default_urgency: str
    emergency_when_now: bool


@dataclass(frozen=True)
class _Entry:
    loaded_at: float
    categories: dict[str, CategoryInfo]  # active ones, by code
    districts: dict[int, int]  # district number -> id


_cache: dict[tuple[str, int], _Entry] = {}
_lock = Lock()


def clear() -> None:
    with _lock:
        _cache.clear()


def _entry(municipality_id: int) -> _Entry:
    key = (str(db.engine.url), municipality_id)
    ttl = current_app.config.get("REFDATA_CACHE_SECONDS", 30)
    now = time.monotonic()
    entry = _cache.get(key)
    if entry is not None and now - entry.loaded_at < ttl:
        return entry
    categories = {
        row.code: CategoryInfo(
            row.id, row.code, row.kind, row.default_urgency, row.emergency_when_now
        )
        for row in db.session.execute(
            sa.select(
                Category.id,
                Category.code,
                Category.kind,
                Category.default_urgency,
                Category.emergency_when_now,
            ).filter_by(municipality_id=municipality_id, active=True)
        )
    }
    districts = dict(
        db.session.execute(
            sa.select(District.number, District.id).filter_by(municipality_id=municipality_id)
        ).all()
    )
    entry = _Entry(now, categories, districts)
    with _lock:
        _cache[key] = entry
    return entry


def kinds(municipality_id: int) -> set[str]:
    """The report kinds the municipality's categories carry (crime, concern, need, ...)."""
    return {c.kind for c in _entry(municipality_id).categories.values()}


def active_category(municipality_id: int, code: str) -> CategoryInfo | None:
    return _entry(municipality_id).categories.get(code)


def district_id(municipality_id: int, number: int) -> int | None:
    return _entry(municipality_id).districts.get(number)

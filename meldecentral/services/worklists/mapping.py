"""The staff map: open reports as points, filtered as the triage queue is.

A point says where and what, never who or what was written: id, reference, category code,
urgency, status and position. The reports are those ``access.visible_reports`` gives the reader
(a coordinator every report of the municipality, a unit member those assigned to their unit),
so the map shows nothing its reader could not open; opening one is the report page, which
writes the access log. At most ``limit`` points, the most urgent first (the queue's order),
and whether there were more.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import orm

from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import Category, Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.privacy import access
from meldecentral.services.worklists import search
from meldecentral.services.worklists.queues import TRIAGE_ORDER, QueueFilter, filtered

READERS = (roles.COORDINATOR, roles.UNIT_MEMBER)
_category = orm.aliased(Category, name="map_category")


@dataclass(frozen=True)
class Point:
    id: int
    reference: str
    category: str
    urgency: str
    status: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Points:
    points: list[Point]
    limit: int
    more: bool  # True: more reports matched than ``limit`` (the least urgent are left out)


def map_points(actor: Actor, f: QueueFilter, limit: int) -> Points:
    """Open reports with a position, as the queue's filters (and search) narrow them."""
    if actor.role not in READERS:
        raise Forbidden("only coordinators and unit members see the staff map")
    query = filtered(actor, access.visible_reports(actor), f).where(
        Report.lat.is_not(None), Report.lon.is_not(None)
    )
    order = TRIAGE_ORDER
    if f.q:
        query, order = search.narrow(actor, query, f.q)
    rows = db.session.execute(
        query.with_only_columns(
            Report.id,
            Report.reference,
            _category.code,
            Report.urgency,
            Report.status,
            Report.lat,
            Report.lon,
            maintain_column_froms=True,
        )
        .join(_category, _category.id == Report.category_id)
        .order_by(*order)
        .limit(limit + 1)
    ).all()
    return Points([Point(*row) for row in rows[:limit]], limit, len(rows) > limit)

"""Temporary hotspots: a coordinator draws an area (or accepts a detection), sets the first and
last day and names a chief; the beat closes those past their last day. Who may see what:
coordinators and admins every hotspot of their municipality, a chief their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from shapely.geometry import shape

from meldecentral import clock
from meldecentral.domain import hotspots, roles
from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import DetectedHotspot, Hotspot, InAppNotification, User
from meldecentral.services.actor import Actor
from meldecentral.services.delivery.texts import staff_language
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed

MANAGERS = (roles.COORDINATOR, roles.ADMIN)
# A chief receives routed reports in the app: a coordinator or a unit's member.
CHIEF_ROLES = (roles.COORDINATOR, roles.UNIT_MEMBER)
KIND_CHIEF = "hotspot.chief"


@dataclass(frozen=True)
class NewHotspot:
    name: str
    area: dict  # GeoJSON Polygon or MultiPolygon
    starts_on: date
    ends_on: date
    chief_user_id: int
    detection_id: int | None = None


def _zone() -> str:
    return current_app.config.get("TIMEZONE", "Europe/Copenhagen")


def today() -> date:
    return clock.now().astimezone(ZoneInfo(_zone())).date()


def _check(actor: Actor, data: NewHotspot) -> tuple[object, User]:
    problems: dict[str, list] = {}
    geometry = None
    if not data.name.strip():
        problems["name"] = [Reason(N_("give the hotspot a name"))]
    try:
        if not isinstance(data.area, dict) or data.area.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            raise ValueError
        geometry = shape(data.area)
        if geometry.is_empty or not geometry.is_valid or geometry.area == 0:
            raise ValueError
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        problems["area"] = [Reason(N_("draw the area on the map (a polygon)"))]
    if data.ends_on < data.starts_on:
        problems["ends_on"] = [Reason(N_("the last day is before the first"))]
    elif data.ends_on < today():
        problems["ends_on"] = [Reason(N_("the last day has passed"))]
    chief = db.session.get(User, data.chief_user_id)
    if (
        chief is None
        or chief.municipality_id != actor.municipality_id
        or not chief.active
        or chief.role not in CHIEF_ROLES
    ):
        chief = None
        problems["chief"] = [Reason(N_("choose an active coordinator or unit member"))]
    if problems:
        raise ValidationFailed("the hotspot is not complete", problems)
    return geometry, chief


def create_hotspot(actor: Actor, data: NewHotspot) -> int:
    if actor.role not in MANAGERS:
        raise Forbidden("only coordinators set up hotspots")
    geometry, chief = _check(actor, data)
    detection = None
    if data.detection_id is not None:
        detection = db.session.get(DetectedHotspot, data.detection_id)
        if detection is None or detection.municipality_id != actor.municipality_id:
            raise NotFound("no such detection")
    starts_at, ends_at = hotspots.active_bounds(data.starts_on, data.ends_on, _zone())
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    hotspot = Hotspot(
        municipality_id=actor.municipality_id,
        name=data.name.strip()[:100],
        area=json.dumps(data.area),
        min_lon=min_lon,
        min_lat=min_lat,
        max_lon=max_lon,
        max_lat=max_lat,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        starts_at=starts_at,
        ends_at=ends_at,
        chief_user_id=chief.id,
        status=hotspots.OPEN,
        created_by_id=actor.user_id,
    )
    db.session.add(hotspot)
    db.session.flush()
    if detection is not None:
        detection.status = hotspots.ACCEPTED
        detection.hotspot_id = hotspot.id
        detection.decided_by_id = actor.user_id
    with force_locale(staff_language()):
        subject = _(
            "You are the chief of the hotspot “%(name)s”, %(first)s to %(last)s",
            name=hotspot.name,
            first=data.starts_on.isoformat(),
            last=data.ends_on.isoformat(),
        )
    db.session.add(
        InAppNotification(
            user_id=chief.id,
            kind=KIND_CHIEF,
            subject=subject[:200],
            link=f"/staff/hotspots/{hotspot.id}",
        )
    )
    db.session.commit()
    return hotspot.id


def dismiss_detection(actor: Actor, detection_id: int) -> None:
    if actor.role not in MANAGERS:
        raise Forbidden("only coordinators decide on detections")
    detection = get_detection(actor, detection_id)
    detection.status = hotspots.DISMISSED
    detection.decided_by_id = actor.user_id
    db.session.commit()


def get_detection(actor: Actor, detection_id: int) -> DetectedHotspot:
    if actor.role not in MANAGERS:
        raise Forbidden("coordinators only")
    detection = db.session.get(DetectedHotspot, detection_id)
    if detection is None or detection.municipality_id != actor.municipality_id:
        raise NotFound("no such detection")
    return detection


def detections(actor: Actor, limit: int = 100) -> list[DetectedHotspot]:
    if actor.role not in MANAGERS:
        raise Forbidden("coordinators only")
    return list(
        db.session.scalars(
            sa.select(DetectedHotspot)
            .where(DetectedHotspot.municipality_id == actor.municipality_id)
            .order_by(DetectedHotspot.id.desc())
            .limit(limit)
        )
    )


def visible_hotspots(actor: Actor) -> sa.Select:
    query = sa.select(Hotspot).where(Hotspot.municipality_id == actor.municipality_id)
    if actor.role in MANAGERS:
        return query
    if actor.role in CHIEF_ROLES:
        return query.where(Hotspot.chief_user_id == actor.user_id)
    return query.where(sa.false())


def list_hotspots(actor: Actor) -> list[Hotspot]:
    if not actor.is_staff:
        raise Forbidden("staff only")
    return list(db.session.scalars(visible_hotspots(actor).order_by(Hotspot.id.desc())))


def get_hotspot(actor: Actor, hotspot_id: int) -> Hotspot:
    hotspot = db.session.scalar(visible_hotspots(actor).where(Hotspot.id == hotspot_id))
    if hotspot is None:
        raise NotFound("no such hotspot")
    return hotspot


def chiefs(actor: Actor) -> list[User]:
    """Who may be named chief: the municipality's active coordinators and unit members."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.municipality_id == actor.municipality_id,
                User.active.is_(True),
                User.role.in_(CHIEF_ROLES),
            )
            .order_by(User.name)
        )
    )


def close_expired() -> int:
    """Close every open hotspot past its last day (the beat's job); routing checks the dates
    itself, so a late run never routes a report to an expired hotspot."""
    now = clock.now()
    result = db.session.execute(
        sa.update(Hotspot)
        .where(Hotspot.status == hotspots.OPEN, Hotspot.ends_at <= now)
        .values(status=hotspots.CLOSED, closed_at=now)
    )
    db.session.commit()
    return result.rowcount or 0

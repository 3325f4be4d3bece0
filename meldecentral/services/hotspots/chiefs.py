"""Reports routed to a hotspot's chief, inside routing's unit of work (routing.route): a report
whose point lies inside a temporary hotspot that was active when the report was made (its
dates checked here, not only by the job that closes hotspots) is linked to the hotspot (the
chief's list), the trace says so, the history records it and the chief is told in the app
(and on their own channels: delivery.plan.chief_rows). A need ("what is needed here") inside
the hotspot goes to the chief instead of where the rules send it (routing.route)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from shapely.geometry import Point, shape

from meldecentral import clock
from meldecentral.db import tx
from meldecentral.domain import hotspots
from meldecentral.extensions import db
from meldecentral.models import Hotspot, HotspotReport, InAppNotification, Report, User
from meldecentral.services.actor import SYSTEM
from meldecentral.services.delivery import texts
from meldecentral.services.reports import history

KIND_REPORT = "hotspot.report"


@dataclass(frozen=True)
class ChiefMatch:
    hotspot_id: int
    hotspot_name: str
    chief_user_id: int
    chief_name: str
    chief_unit_id: int | None = None  # where a need inside the hotspot goes (routing.route)
    chief_email: str | None = None  # not in the trace: where an e-mail to the chief goes

    def trace(self) -> dict:
        """The entry in the routing decision's ``matched`` (web.trace renders it)."""
        return {
            "hotspot_id": self.hotspot_id,
            "hotspot_name": self.hotspot_name,
            "chief_user_id": self.chief_user_id,
            "chief": self.chief_name,
        }

    def explain(self) -> str:
        return f"inside hotspot {self.hotspot_id} '{self.hotspot_name}', chief {self.chief_name}"


# What routing reads of the open hotspots: the columns it needs and the chief's, no ORM
# objects (routing asks once per task, whether or not a report lies inside).
_OPEN = sa.select(
    Hotspot.id,
    Hotspot.municipality_id,
    Hotspot.name,
    Hotspot.area,
    Hotspot.min_lon,
    Hotspot.min_lat,
    Hotspot.max_lon,
    Hotspot.max_lat,
    Hotspot.starts_at,
    Hotspot.ends_at,
    Hotspot.status,
    Hotspot.chief_user_id,
    User.name.label("chief_name"),
    User.unit_id.label("chief_unit_id"),
    User.email.label("chief_email"),
).join(User, User.id == Hotspot.chief_user_id)
# Parsed areas by their GeoJSON text: a hotspot's area is parsed once per process.
_areas: dict[str, object] = {}


def _area(text: str):
    found = _areas.get(text)
    if found is None:
        if len(_areas) > 256:  # closed hotspots' areas: forgotten now and then
            _areas.clear()
        found = _areas[text] = shape(json.loads(text))
    return found


class OpenHotspots:
    """The open hotspots of some municipalities, loaded once per routing call (few rows: a
    municipality runs a handful at a time), their areas parsed once per process."""

    def __init__(self, municipality_ids: set[int]):
        rows = (
            db.session.execute(
                _OPEN.where(
                    Hotspot.municipality_id.in_(municipality_ids),
                    Hotspot.status == hotspots.OPEN,
                )
            ).all()
            if municipality_ids
            else []
        )
        self.rows = [(h, _area(h.area)) for h in rows]

    def containing(self, municipality_id: int, lat: float, lon: float, at: datetime) -> list:
        """Those active at ``at`` (the dates checked here) whose area holds the point."""
        point = Point(lon, lat)
        return [
            h
            for h, area in self.rows
            if h.municipality_id == municipality_id
            and hotspots.is_active(at, h.starts_at, h.ends_at, h.status)
            and h.min_lon <= lon <= h.max_lon
            and h.min_lat <= lat <= h.max_lat
            and area.covers(point)
        ]


def matches(report: Report, open_hotspots: OpenHotspots) -> list[ChiefMatch]:
    """The hotspots, active when the report was made, whose area holds it."""
    if report.lat is None or report.lon is None or not open_hotspots.rows:
        return []
    found = open_hotspots.containing(
        report.municipality_id, report.lat, report.lon, report.created_at
    )
    return [
        ChiefMatch(h.id, h.name, h.chief_user_id, h.chief_name, h.chief_unit_id, h.chief_email)
        for h in found
    ]


def not_linked(report: Report, found: list[ChiefMatch]) -> list[ChiefMatch]:
    """Those of ``found`` the report is not linked to yet (it was routed before)."""
    if not found:
        return []
    linked = set(
        db.session.scalars(
            sa.select(HotspotReport.hotspot_id).where(HotspotReport.report_id == report.id)
        )
    )
    return [m for m in found if m.hotspot_id not in linked]


def route_to_chiefs(report: Report, found: list[ChiefMatch]) -> None:
    """Link, record and tell; rows written with the unit of work (or added to the session)."""
    subject = texts.new_report_subject(report)[:200] if found else ""
    now = clock.now()
    for match in found:
        link = {"hotspot_id": match.hotspot_id, "report_id": report.id}
        note = {
            "user_id": match.chief_user_id,
            "unit_id": None,
            "delivery_id": None,
            "report_id": report.id,
            "urgent": report.urgency == "high",
            "kind": KIND_REPORT,
            "subject": subject,
            "link": f"/staff/reports/{report.id}",
        }
        if not tx.defer_insert(HotspotReport.__table__, {**link, "created_at": now}):
            db.session.add(HotspotReport(**link))
        if not tx.defer_insert(InAppNotification.__table__, {**note, "created_at": now}):
            db.session.add(InAppNotification(**note))
        history.append(
            report.id,
            SYSTEM,
            "hotspot",
            data={
                "hotspot": match.hotspot_id,
                "name": match.hotspot_name,
                "chief": match.chief_user_id,
            },
        )

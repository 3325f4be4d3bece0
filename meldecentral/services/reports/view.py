"""Reading one report as staff: its notes, history, routing trace and (for those who must reply)
the reporter's contact; and the reports that look like duplicates of it. Used by the JSON API
and the pages alike."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from meldecentral.domain import workflow
from meldecentral.domain.reference import normalise_reference
from meldecentral.extensions import db
from meldecentral.models import Note, Report, ReporterContact, ReportEvent, RoutingDecision
from meldecentral.services.actor import Actor
from meldecentral.services.privacy import access

DUPLICATE_RADIUS_M = 500
DUPLICATE_WINDOW = timedelta(days=7)
_EARTH_M = 6_371_000


@dataclass
class ReportDetail:
    report: Report
    notes: list[Note] = field(default_factory=list)
    history: list[ReportEvent] = field(default_factory=list)
    routing: list[RoutingDecision] = field(default_factory=list)
    contact: ReporterContact | None = None


def report_detail(actor: Actor, report: Report) -> ReportDetail:
    """``report`` must come from ``access.get_visible_report`` for the same actor."""
    notes = db.session.scalars(
        sa.select(Note)
        .where(Note.report_id == report.id, access.readable_notes(actor))
        .order_by(Note.id)
    ).all()
    history = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()
    decisions = db.session.scalars(
        sa.select(RoutingDecision)
        .where(RoutingDecision.report_id == report.id)
        .order_by(RoutingDecision.id)
    ).all()
    contact = report.contact if access.may_see_contact(actor, report) else None
    if contact is not None and contact.anonymised_at is not None:
        contact = None
    return ReportDetail(report, list(notes), list(history), list(decisions), contact)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty for "within 500 m"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Candidate:
    report: Report
    distance_m: float | None  # None: no point on one side, matched by district


def likely_duplicates(actor: Actor, report: Report, limit: int = 10) -> list[Candidate]:
    """Reports of the same category within ~500 m (or, without a point, in the same district)
    and 7 days either side, that the actor may see; nearest first."""
    query = access.visible_reports(actor).where(
        Report.id != report.id,
        Report.category_id == report.category_id,
        Report.status != workflow.MERGED,
        Report.created_at >= report.created_at - DUPLICATE_WINDOW,
        Report.created_at <= report.created_at + DUPLICATE_WINDOW,
    )
    if report.lat is not None and report.lon is not None:
        # A bounding box in SQL, the exact distance in Python.
        dlat = DUPLICATE_RADIUS_M / 111_320
        dlon = dlat / max(math.cos(math.radians(report.lat)), 0.01)
        query = query.where(
            sa.or_(
                sa.and_(
                    Report.lat.between(report.lat - dlat, report.lat + dlat),
                    Report.lon.between(report.lon - dlon, report.lon + dlon),
                ),
                sa.and_(Report.lat.is_(None), Report.district_id == report.district_id),
            )
        )
    elif report.district_id is not None:
        query = query.where(Report.district_id == report.district_id)
    else:
        return []
    found = []
    for other in db.session.scalars(query.order_by(Report.created_at.desc()).limit(200)):
        if None not in (report.lat, other.lat):
            d = distance_m(report.lat, report.lon, other.lat, other.lon)
            if d > DUPLICATE_RADIUS_M:
                continue
            found.append(Candidate(other, d))
        else:
            found.append(Candidate(other, None))
    found.sort(key=lambda c: (c.distance_m is None, c.distance_m or 0))
    return found[:limit]


def find_visible(actor: Actor, text: str) -> Report | None:
    """A report the actor may see, by its number or its reference (as a person types it)."""
    text = (text or "").strip()
    if text.isdigit():
        query = access.visible_reports(actor).where(Report.id == int(text))
    else:
        reference = normalise_reference(text)
        if reference is None:
            return None
        query = access.visible_reports(actor).where(Report.reference == reference)
    return db.session.scalar(query)

"""What the hotspot page shows: the hotspot, the reports and needs routed to its chief, and the
weekly trend of reports inside its area against the same length of time before it started.
Reports are listed only to those who may see them (coordinators, the chief); each listed
report is written to the access log. Admins see the hotspot and its counts."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from shapely.geometry import Point, shape
from sqlalchemy.orm import joinedload

from meldecentral import clock
from meldecentral.domain import hotspots, roles
from meldecentral.extensions import db
from meldecentral.models import Hotspot, HotspotReport, Report
from meldecentral.services.actor import Actor
from meldecentral.services.hotspots import areas
from meldecentral.services.privacy import audit

LIST_LIMIT = 200


@dataclass(frozen=True)
class HotspotPage:
    hotspot: Hotspot
    active: bool
    reports: list[Report]  # crime and concern (every kind but needs), newest first
    needs: list[Report]
    report_count: int
    need_count: int
    trend: list[tuple[int, int]]  # per week: (during, the same week before)
    may_see_reports: bool


def hotspot_page(actor: Actor, hotspot_id: int, channel: str = "web") -> HotspotPage:
    hotspot = areas.get_hotspot(actor, hotspot_id)
    may_see = actor.role == roles.COORDINATOR or actor.user_id == hotspot.chief_user_id
    linked = (
        sa.select(Report)
        .join(HotspotReport, HotspotReport.report_id == Report.id)
        .where(HotspotReport.hotspot_id == hotspot.id)
    )
    is_need = Report.kind == hotspots.NEED
    need_count, total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((is_need, 1), else_=0)), 0), sa.func.count())
        .select_from(Report)
        .join(HotspotReport, HotspotReport.report_id == Report.id)
        .where(HotspotReport.hotspot_id == hotspot.id)
    ).one()
    reports: list[Report] = []
    needs: list[Report] = []
    if may_see:
        rows = db.session.scalars(
            linked.options(joinedload(Report.category), joinedload(Report.district))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(LIST_LIMIT)
        ).all()
        needs = [r for r in rows if r.kind == hotspots.NEED]
        reports = [r for r in rows if r.kind != hotspots.NEED]
        audit.record_accesses(actor, [(r.id, r.reference) for r in rows], "list", channel)
    now = clock.now()
    return HotspotPage(
        hotspot=hotspot,
        active=hotspots.is_active(now, hotspot.starts_at, hotspot.ends_at, hotspot.status),
        reports=reports,
        needs=needs,
        report_count=int(total) - int(need_count),
        need_count=int(need_count),
        trend=trend(hotspot, now),
        may_see_reports=may_see,
    )


def trend(hotspot: Hotspot, now) -> list[tuple[int, int]]:
    """Reports (not needs) inside the area per week since it started (up to its end or now),
    against the same weeks before it started: one query over the bounding box, the area
    checked in Python."""
    end = min(now, hotspot.ends_at)
    start = hotspot.starts_at
    if end <= start:
        return []
    before_start = start - (end - start)
    rows = db.session.execute(
        sa.select(Report.created_at, Report.lat, Report.lon).where(
            Report.municipality_id == hotspot.municipality_id,
            Report.created_at >= before_start,
            Report.created_at < end,
            Report.kind != hotspots.NEED,
            Report.lat.between(hotspot.min_lat, hotspot.max_lat),
            Report.lon.between(hotspot.min_lon, hotspot.max_lon),
        )
    ).all()
    area = shape(json.loads(hotspot.area))
    inside = [at for at, lat, lon in rows if area.covers(Point(lon, lat))]
    return hotspots.weekly_trend(inside, before_start, start, end)

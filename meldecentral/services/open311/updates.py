"""The updates feed a neighbouring system (FixMyStreet's Open311 client) reads to follow
status changes: GET servicerequestupdates, one entry per change of a report's status and per
public update, in a time window. Internal notes and assignment steps never appear."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import open311
from meldecentral.extensions import db
from meldecentral.models import Note, Report, ReportEvent

DEFAULT_WINDOW = timedelta(days=1)  # FixMyStreet asks for the last hour or so; a day is ample
MAX_UPDATES = 2000


def updates(municipality_id: int, start: datetime | None, end: datetime | None) -> list[dict]:
    """Changes in [start, end], oldest first. Without dates the last day; both may not span
    more than the spec's 90 days (as for GET requests). Raises open311.QueryError."""
    now = clock.now()
    if start is None and end is None:
        start, end = now - DEFAULT_WINDOW, now
    start, end = open311.window(start, end, now)
    changes = db.session.execute(
        sa.select(
            ReportEvent.id, ReportEvent.report_id, ReportEvent.to_status, ReportEvent.created_at
        )
        .join(Report, ReportEvent.report_id == Report.id)
        .where(
            Report.municipality_id == municipality_id,
            ReportEvent.created_at >= start,
            ReportEvent.created_at <= end,
            ReportEvent.action == "status",  # the report's own status, not an assignment's
            ReportEvent.assignment_id.is_(None),
        )
        .order_by(ReportEvent.created_at, ReportEvent.id)
        .limit(MAX_UPDATES)
    ).all()
    status_then = _status_at()
    notes = db.session.execute(
        sa.select(
            Note.id,
            Note.report_id,
            Note.body,
            Note.created_at,
            sa.func.coalesce(status_then, Report.status).label("status"),
        )
        .join(Report, Note.report_id == Report.id)
        .where(
            Report.municipality_id == municipality_id,
            Note.visibility == "public",
            Note.created_at >= start,
            Note.created_at <= end,
        )
        .order_by(Note.created_at, Note.id)
        .limit(MAX_UPDATES)
    ).all()
    out = [
        {
            "update_id": f"s{row.id}",
            "service_request_id": row.report_id,
            "status": open311.open311_status(row.to_status),
            "updated_datetime": row.created_at,
            "description": "",
            "media_url": "",
        }
        for row in changes
    ]
    out += [
        {
            "update_id": f"n{row.id}",
            "service_request_id": row.report_id,
            "status": open311.open311_status(row.status),
            "updated_datetime": row.created_at,
            "description": row.body,
            "media_url": "",
        }
        for row in notes
    ]
    out.sort(key=lambda u: (u["updated_datetime"], u["update_id"]))
    return out[:MAX_UPDATES]


def _status_at() -> sa.ScalarSelect:
    """The report's status when the note was written: the last status change before it."""
    return (
        sa.select(ReportEvent.to_status)
        .where(
            ReportEvent.report_id == Note.report_id,
            ReportEvent.assignment_id.is_(None),
            ReportEvent.to_status.is_not(None),
            ReportEvent.created_at <= Note.created_at,
        )
        .order_by(ReportEvent.created_at.desc(), ReportEvent.id.desc())
        .limit(1)
        .correlate(Note)
        .scalar_subquery()
    )

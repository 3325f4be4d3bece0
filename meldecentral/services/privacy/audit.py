from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_request_context

from meldecentral.domain.reference import normalise_reference
from meldecentral.domain.roles import ADMIN
from meldecentral.extensions import db
from meldecentral.models import AccessLog, Report, User
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden


def record_access(actor: Actor, report: Report, action: str, channel: str) -> None:
    """Adds an access-log row; it commits with the caller's transaction (or on its own)."""
    db.session.add(
        AccessLog(
            report_id=report.id,
            report_reference=report.reference,
            user_id=actor.user_id,
            role=actor.role,
            action=action,
            channel=channel,
            request_id=g.get("request_id") if has_request_context() else None,
        )
    )
    db.session.commit()


def record_export(actor: Actor, *, channel: str, filters: dict, row_count: int) -> None:
    """One access-log row for a whole export (services/worklists/export.py): no report, the
    list's filter (codes) and how many rows the file carries. Committed at once, before the
    first row is written."""
    db.session.add(
        AccessLog(
            report_id=None,
            report_reference=None,
            user_id=actor.user_id,
            role=actor.role,
            action="export",
            channel=channel,
            request_id=g.get("request_id") if has_request_context() else None,
            row_count=row_count,
            filters=filters,
        )
    )
    db.session.commit()


def record_accesses(
    actor: Actor, reports: list[tuple[int, str]], action: str, channel: str
) -> None:
    """``record_access`` for many reports, given as (id, reference), in one statement."""
    if not reports:
        return
    request_id = g.get("request_id") if has_request_context() else None
    db.session.execute(
        sa.insert(AccessLog),
        [
            {
                "report_id": report_id,
                "report_reference": reference,
                "user_id": actor.user_id,
                "role": actor.role,
                "action": action,
                "channel": channel,
                "request_id": request_id,
            }
            for report_id, reference in reports
        ],
    )
    db.session.commit()


def access_log(
    actor: Actor,
    *,
    reference: str | None = None,
    user_email: str | None = None,
    limit: int = 200,
) -> list[AccessLog]:
    """Administrators: who looked at a report (by reference), or what a user looked at."""
    if actor.role != ADMIN:
        raise Forbidden("only administrators read the access log")
    query = sa.select(AccessLog).order_by(AccessLog.id.desc()).limit(max(1, min(limit, 1000)))
    if reference:
        ref = normalise_reference(reference) or reference
        query = query.where(AccessLog.report_reference == ref)
    if user_email:
        query = query.join(User, AccessLog.user_id == User.id).where(
            User.email == user_email.strip().lower(), User.municipality_id == actor.municipality_id
        )
    else:
        # A resident's look-up (no user) is shown by its report's municipality; once the
        # report is deleted, nobody can tell whose it was, so it is shown to nobody.
        own_reports = sa.select(Report.id).where(Report.municipality_id == actor.municipality_id)
        query = query.outerjoin(User, AccessLog.user_id == User.id).where(
            sa.or_(
                sa.and_(User.id.is_(None), AccessLog.report_id.in_(own_reports)),
                User.municipality_id == actor.municipality_id,
            )
        )
    return list(db.session.scalars(query))

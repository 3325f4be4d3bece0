from __future__ import annotations

from flask import g, has_request_context

from meldecentral.extensions import db
from meldecentral.models import AccessLog, Report
from meldecentral.services.actor import Actor


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

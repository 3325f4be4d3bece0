"""The public view of a report for whoever holds its reference: nothing personal, nothing
internal."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import workflow
from meldecentral.domain.reference import normalise_reference
from meldecentral.extensions import db
from meldecentral.models import Municipality, Note, Report


def track(reference: str, municipality_code: str) -> dict | None:
    ref = normalise_reference(reference)
    if ref is None:
        return None
    report = db.session.scalar(
        sa.select(Report)
        .join(Municipality, Report.municipality_id == Municipality.id)
        .where(Report.reference == ref, Municipality.code == municipality_code)
    )
    if report is None:
        return None
    updates = db.session.scalars(
        sa.select(Note)
        .where(Note.report_id == report.id, Note.visibility == "public")
        .order_by(Note.created_at)
    ).all()
    outcomes = [a.outcome for a in report.assignments if a.status == workflow.CLOSED and a.outcome]
    return {
        "reference": report.reference,
        "status": report.status,
        "category": report.category.code,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "closed_at": report.closed_at,
        "updates": [{"body": n.body, "created_at": n.created_at} for n in updates],
        "outcomes": outcomes,
    }

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
    # A merged report's reporter follows the report it was merged into (and on, if that was
    # merged too): its public updates and outcomes, nothing internal.
    followed = [report, *_originals(report)]
    ids = [r.id for r in followed]
    updates = db.session.scalars(
        sa.select(Note)
        .where(Note.report_id.in_(ids), Note.visibility == "public")
        .order_by(Note.created_at, Note.id)
    ).all()
    outcomes = [
        a.outcome
        for r in followed
        for a in r.assignments
        if a.status == workflow.CLOSED and a.outcome
    ]
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


# Merges chain rarely and briefly; the bound only keeps a corrupt cycle from looping.
MAX_MERGE_DEPTH = 10


def _originals(report: Report) -> list[Report]:
    """The report this one was merged into, the one that was merged into, and so on."""
    out: list[Report] = []
    seen = {report.id}
    current = report
    while current.duplicate_of_id is not None and len(out) < MAX_MERGE_DEPTH:
        if current.duplicate_of_id in seen:
            break
        current = db.session.get(Report, current.duplicate_of_id)
        if current is None or current.municipality_id != report.municipality_id:
            break
        seen.add(current.id)
        out.append(current)
    return out

"""The public view of a report for whoever holds its reference: nothing personal, nothing
internal."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import workflow
from meldecentral.domain.reference import normalise_reference
from meldecentral.extensions import db
from meldecentral.models import Municipality, Note, Report, ReportEvent


def find(reference: str, municipality_code: str) -> Report | None:
    ref = normalise_reference(reference)
    if ref is None:
        return None
    return db.session.scalar(
        sa.select(Report)
        .join(Municipality, Report.municipality_id == Municipality.id)
        .where(Report.reference == ref, Municipality.code == municipality_code)
    )


def track(reference: str, municipality_code: str) -> dict | None:
    report = find(reference, municipality_code)
    return None if report is None else view_of(report)


def followed(report: Report) -> list[Report]:
    """The report, and the one it was merged into (and on, if that was merged too)."""
    return [report, *_originals(report)]


def view_of(report: Report) -> dict:
    # A merged report's reporter follows the report it was merged into (and on, if that was
    # merged too): its public updates and outcomes, nothing internal.
    ids = [r.id for r in followed(report)]
    updates = db.session.scalars(
        sa.select(Note)
        .where(Note.report_id.in_(ids), Note.visibility == "public")
        .order_by(Note.created_at, Note.id)
    ).all()
    # Every outcome a unit gave, from the history: a reopened assignment keeps its earlier one.
    closings = db.session.scalars(
        sa.select(ReportEvent)
        .where(
            ReportEvent.report_id.in_(ids),
            ReportEvent.action == "assignment_status",
            ReportEvent.to_status == workflow.CLOSED,
        )
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).all()
    outcomes = [e.data["outcome"] for e in closings if (e.data or {}).get("outcome")]
    return {
        "reference": report.reference,
        "status": report.status,
        "category": report.category.code,
        "language": report.language,
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

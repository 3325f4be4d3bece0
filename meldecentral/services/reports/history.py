from __future__ import annotations

from meldecentral.db import tx
from meldecentral.extensions import db
from meldecentral.models import ReportEvent
from meldecentral.services.actor import Actor


def append(
    report_id: int,
    actor: Actor,
    action: str,
    *,
    assignment_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict | None = None,
) -> ReportEvent | None:
    """Add an entry to the report's history, in the caller's transaction. In a worker's unit of
    work (db.tx) it is a Core row written before it commits, and None is returned."""
    values = {
        "report_id": report_id,
        "assignment_id": assignment_id,
        "actor_id": actor.user_id,
        "actor_role": actor.role,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "data": data or {},
    }
    if tx.defer_insert(ReportEvent.__table__, values):
        return None
    row = ReportEvent(**values)
    db.session.add(row)
    return row

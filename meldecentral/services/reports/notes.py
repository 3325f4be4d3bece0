"""Notes on a report: internal ones for staff, public updates the reporter sees."""

from __future__ import annotations

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.reasons import N_
from meldecentral.extensions import db
from meldecentral.models import Note
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import history


def add_note(
    actor: Actor,
    report_id: int,
    body: str,
    visibility: str,
    shared_with: str = access.OWN_UNIT,
) -> Note:
    """A note on a report. An internal one is read by the coordinators, its author, and
    (``shared_with``) the author's unit or every unit on the report (access.readable_notes);
    a public one by everyone who sees the report, and the reporter."""
    report = access.get_visible_report(actor, report_id)
    if shared_with not in access.NOTE_AUDIENCES:
        raise ValidationFailed("unknown audience", {"shared_with": [N_("unknown value")]})
    if visibility == "public" and actor.role not in (roles.COORDINATOR, roles.UNIT_MEMBER):
        raise Forbidden("only coordinators and units post public updates")
    if report.status == workflow.MERGED and visibility == "public":
        raise ValidationFailed("merged report", {"visibility": [N_("post on the original report")]})
    note = Note(
        report_id=report.id,
        author_id=actor.user_id,
        visibility=visibility,
        shared_with=shared_with if visibility == "internal" else None,
        author_unit_id=actor.unit_id,
        body=body,
        created_at=clock.now(),
    )
    db.session.add(note)
    db.session.flush()
    history.append(report.id, actor, "note", data={"note_id": note.id, "visibility": visibility})
    outbox.record(
        events.NOTE_ADDED, {"report_id": report.id, "note_id": note.id, "visibility": visibility}
    )
    db.session.commit()
    return note

"""Assigning a report to units. ``plan_row`` is the one assignment plan (status, reason,
acknowledgement deadline) for routing by hand here and by the rules (``route``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.reasons import N_, Reason
from meldecentral.domain.workflow import TransitionError
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report, Unit
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import history
from meldecentral.services.reports.status import (
    follow_assignments,
    lock_report,
    refresh_next_deadline,
    set_status,
)
from meldecentral.services.routing import deadlines


def plan_row(
    report: Report, unit: Unit, reason: str, now: datetime, *, contact: bool = False
) -> dict:
    """A new assignment of ``report`` to ``unit``: routed, with its reason and deadline;
    ``contact``: the unit may read the reporter's contact (docs/security.md, sharing rules)."""
    return {
        "report_id": report.id,
        "unit_id": unit.id,
        "status": workflow.ROUTED,
        "reason": reason,
        "created_at": now,
        "ack_deadline": deadlines.deadline_for(report, unit.code, now),
        "escalation_level": 0,
        "contact_shared": contact,
    }


def assign_units(
    actor: Actor,
    report_id: int,
    unit_codes: list[str],
    *,
    reason: str,
    contact_units: list[str] | tuple[str, ...] = (),
) -> list[Assignment]:
    """Route a report to units by hand (a coordinator; SYSTEM in tests and tools), and commit.
    Idempotent: a unit that already has the report is not assigned twice. ``contact_units``
    (some of ``unit_codes``): the units the coordinator gives the reporter's contact. The
    units' alerts follow from the events recorded (workers.handlers)."""
    if actor.role not in (roles.COORDINATOR, roles.SYSTEM):
        raise Forbidden("only coordinators route reports by hand")
    if actor.role != roles.SYSTEM:
        access.get_visible_report(actor, report_id)
    report = lock_report(report_id)
    if not unit_codes:
        raise ValidationFailed("no unit given", {"units": [N_("choose at least one unit")]})
    strays = sorted(set(contact_units) - set(unit_codes))
    if strays:
        raise ValidationFailed(
            "contact for a unit not routed to",
            {"contact_units": [Reason("%(code)r is not one of the units", code=strays[0])]},
        )
    units = db.session.scalars(
        sa.select(Unit).where(
            Unit.municipality_id == report.municipality_id,
            Unit.code.in_(unit_codes),
            Unit.active.is_(True),
        )
    ).all()
    unknown = sorted(set(unit_codes) - {u.code for u in units})
    if unknown:
        raise ValidationFailed(
            "unknown unit", {"units": [Reason("unknown unit %(code)r", code=c) for c in unknown]}
        )
    if report.status in (workflow.REJECTED, workflow.MERGED):
        raise TransitionError("not_allowed", f"a {report.status} report cannot be routed")
    existing = {a.unit_id for a in report.assignments}
    created = []
    now = clock.now()
    for unit in units:
        if unit.id in existing:
            continue
        row = plan_row(report, unit, reason, now, contact=unit.code in contact_units)
        assignment = Assignment(**row)
        report.assignments.append(assignment)
        db.session.flush()
        history.append(
            report.id,
            actor,
            "assigned",
            assignment_id=assignment.id,
            to_status=workflow.ROUTED,
            data={"unit": unit.code, "reason": reason, "contact": assignment.contact_shared},
        )
        outbox.record(
            events.ASSIGNMENT_STATUS_CHANGED,
            {
                "report_id": report.id,
                "assignment_id": assignment.id,
                "from": None,
                "to": workflow.ROUTED,
            },
            urgent=report.urgency == "high",
        )
        created.append(assignment)
    refresh_next_deadline(report)
    if report.status in (workflow.RECEIVED, workflow.TRIAGED):
        workflow.check_report_transition(report.status, workflow.ROUTED, actor.role)
        set_status(report, workflow.ROUTED, actor)
    elif report.status == workflow.RESOLVED and created:
        follow_assignments(report)
    db.session.commit()
    return created


def share_contact(actor: Actor, assignment_id: int, shared: bool) -> Assignment:
    """A coordinator gives an assigned unit the reporter's contact, or takes it back; recorded
    in the report's history. Commits."""
    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators decide who reads the reporter's contact")
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("no such assignment")
    access.get_visible_report(actor, assignment.report_id)  # another municipality's: 404
    if assignment.contact_shared != shared:
        assignment.contact_shared = shared
        history.append(
            assignment.report_id,
            actor,
            "contact_shared" if shared else "contact_unshared",
            assignment_id=assignment.id,
            data={"unit": assignment.unit.code},
        )
    db.session.commit()
    return assignment

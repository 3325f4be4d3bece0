"""Follow-up: assignment and report status changes, routing by hand, notes.

Each change locks the row, checks the workflow, appends history, records the event, commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import roles, workflow
from meldecentral.domain.workflow import TransitionError
from meldecentral.extensions import db
from meldecentral.models import Assignment, Note, Report, Unit
from meldecentral.services import access, deadlines, events, history, tx
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed


def _now() -> datetime:
    return clock.now()


def _lock_report(report_id: int) -> Report:
    report = db.session.scalar(
        sa.select(Report).where(Report.id == report_id).with_for_update(of=Report)
    )
    if report is None:
        raise NotFound("no such report")
    return report


def _set_report_status(report: Report, target: str, actor: Actor, **data) -> None:
    if report.status == target:
        return
    old = report.status
    report.status = target
    if target in workflow.FINAL_REPORT_STATUSES:
        report.closed_at = _now()
    elif old in workflow.FINAL_REPORT_STATUSES:
        report.closed_at = None
    history.append(report.id, actor, "status", from_status=old, to_status=target, data=data)
    events.record(events.REPORT_STATUS_CHANGED, {"report_id": report.id, "from": old, "to": target})


def _refresh_next_deadline(report: Report) -> None:
    """Keep ``report.next_deadline`` (the triage queue's sort key) equal to the earliest deadline
    among its assignments that still wait for an acknowledgement."""
    waiting = [
        a.ack_deadline
        for a in report.assignments
        if a.status == workflow.ROUTED and a.ack_deadline is not None
    ]
    report.next_deadline = min(waiting) if waiting else None


def _follow_assignments(report: Report) -> None:
    target = workflow.derived_report_status(report.status, [a.status for a in report.assignments])
    if target != report.status:
        workflow.check_report_transition(report.status, target, roles.SYSTEM)
        _set_report_status(report, target, SYSTEM)


def transition_assignment(
    actor: Actor, assignment_id: int, target: str, *, outcome: str | None = None
) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("no such assignment")
    # Visibility first: an assignment of a report one may not see is not found.
    try:
        access.get_visible_report(actor, assignment.report_id)
    except NotFound:
        raise NotFound("no such assignment") from None
    if actor.role == roles.UNIT_MEMBER and assignment.unit_id != actor.unit_id:
        raise NotFound("no such assignment")
    report = _lock_report(assignment.report_id)
    db.session.refresh(assignment)
    workflow.check_assignment_transition(assignment.status, target, actor.role)
    if target == workflow.CLOSED and not (outcome or "").strip():
        raise ValidationFailed(
            "closing needs an outcome", {"outcome": ["required when closing: the reporter sees it"]}
        )
    old = assignment.status
    assignment.status = target
    if target == workflow.ACKNOWLEDGED:
        assignment.acknowledged_at = _now()
    if target == workflow.CLOSED:
        assignment.closed_at = _now()
        assignment.outcome = outcome.strip()
    elif old == workflow.CLOSED:
        assignment.closed_at = None
    history.append(
        report.id,
        actor,
        "assignment_status",
        assignment_id=assignment.id,
        from_status=old,
        to_status=target,
        data={
            "unit": assignment.unit.code,
            **({"outcome": assignment.outcome} if target == workflow.CLOSED else {}),
        },
    )
    events.record(
        events.ASSIGNMENT_STATUS_CHANGED,
        {"report_id": report.id, "assignment_id": assignment.id, "from": old, "to": target},
    )
    db.session.flush()
    _refresh_next_deadline(report)
    _follow_assignments(report)
    db.session.commit()
    return assignment


def transition_report(
    actor: Actor,
    report_id: int,
    target: str,
    *,
    reason: str | None = None,
    duplicate_of: int | None = None,
) -> Report:
    access.get_visible_report(actor, report_id)
    report = _lock_report(report_id)
    workflow.check_report_transition(report.status, target, actor.role)
    data: dict = {}
    if target == workflow.REJECTED:
        if not (reason or "").strip():
            raise ValidationFailed("rejecting needs a reason", {"reason": ["required"]})
        data["reason"] = reason.strip()
    if target == workflow.MERGED:
        if duplicate_of is None:
            raise ValidationFailed("merging needs the original", {"duplicate_of": ["required"]})
        if duplicate_of == report.id:
            raise ValidationFailed(
                "invalid merge", {"duplicate_of": ["a report cannot be a duplicate of itself"]}
            )
        try:
            original = access.get_visible_report(actor, duplicate_of)
        except NotFound:
            raise ValidationFailed("invalid merge", {"duplicate_of": ["no such report"]}) from None
        report.duplicate_of_id = original.id
        data["duplicate_of"] = original.reference
    _set_report_status(report, target, actor, **data)
    db.session.commit()
    return report


def assign_units(
    actor: Actor,
    report_id: int,
    unit_codes: list[str],
    *,
    reason: str,
    locked: Report | None = None,
) -> list[Assignment]:
    """Route a report to units (by a coordinator, or by the rules as SYSTEM, who may pass the
    report it has locked already). Idempotent: a unit that already has the report is not
    assigned twice."""
    if actor.role not in (roles.COORDINATOR, roles.SYSTEM):
        raise Forbidden("only coordinators route reports by hand")
    if actor.role != roles.SYSTEM:
        access.get_visible_report(actor, report_id)
    report = locked if locked is not None and actor.role == roles.SYSTEM else None
    report = report or _lock_report(report_id)
    if not unit_codes:
        raise ValidationFailed("no unit given", {"units": ["choose at least one unit"]})
    units = db.session.scalars(
        sa.select(Unit).where(
            Unit.municipality_id == report.municipality_id,
            Unit.code.in_(unit_codes),
            Unit.active.is_(True),
        )
    ).all()
    unknown = sorted(set(unit_codes) - {u.code for u in units})
    if unknown:
        raise ValidationFailed("unknown unit", {"units": [f"unknown unit {c!r}" for c in unknown]})
    if report.status in (workflow.REJECTED, workflow.MERGED):
        raise TransitionError("not_allowed", f"a {report.status} report cannot be routed")
    existing = {a.unit_id for a in report.assignments}
    created = []
    now = _now()
    for unit in units:
        if unit.id in existing:
            continue
        assignment = Assignment(
            report_id=report.id,
            unit=unit,
            status=workflow.ROUTED,
            reason=reason,
            created_at=now,
            ack_deadline=deadlines.deadline_for(report, unit.code, now),
        )
        report.assignments.append(assignment)
        db.session.flush()
        history.append(
            report.id,
            actor,
            "assigned",
            assignment_id=assignment.id,
            to_status=workflow.ROUTED,
            data={"unit": unit.code, "reason": reason},
        )
        events.record(
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
    _refresh_next_deadline(report)
    if report.status in (workflow.RECEIVED, workflow.TRIAGED):
        workflow.check_report_transition(report.status, workflow.ROUTED, actor.role)
        _set_report_status(report, workflow.ROUTED, actor)
    elif report.status == workflow.RESOLVED and created:
        _follow_assignments(report)
    tx.commit()  # in a worker's one transaction: flushed, committed with the alert
    return created


def add_note(actor: Actor, report_id: int, body: str, visibility: str) -> Note:
    report = access.get_visible_report(actor, report_id)
    if visibility == "public" and actor.role not in (roles.COORDINATOR, roles.UNIT_MEMBER):
        raise Forbidden("only coordinators and units post public updates")
    if report.status == workflow.MERGED and visibility == "public":
        raise ValidationFailed("merged report", {"visibility": ["post on the original report"]})
    note = Note(
        report_id=report.id,
        author_id=actor.user_id,
        visibility=visibility,
        body=body,
        created_at=_now(),
    )
    db.session.add(note)
    db.session.flush()
    history.append(report.id, actor, "note", data={"note_id": note.id, "visibility": visibility})
    events.record(
        events.NOTE_ADDED, {"report_id": report.id, "note_id": note.id, "visibility": visibility}
    )
    db.session.commit()
    return note


def change_category_or_place(
    actor: Actor,
    report_id: int,
    *,
    category: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    district: int | None = None,
) -> Report:
    """A coordinator corrects the category or the place; the report is routed again. The
    submitted text stays as it was."""
    from meldecentral.services.reports import resolve_category, resolve_district

    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators change a report's category or place")
    access.get_visible_report(actor, report_id)
    report = _lock_report(report_id)
    if report.status in workflow.FINAL_REPORT_STATUSES:
        raise TransitionError("not_allowed", f"a {report.status} report cannot be changed")
    changes: dict = {}
    if category and category != report.category.code:
        new = resolve_category(report.municipality_id, category)
        changes["category"] = [report.category.code, new.code]
        report.category_id, report.category = new.id, new
        report.kind = new.kind
    if (lat is not None and lon is not None) or district is not None:
        place = {"lat": lat, "lon": lon, "district": district}
        district_id = resolve_district(report.municipality_id, place)
        if (lat, lon) != (report.lat, report.lon) or district_id != report.district_id:
            changes["district_id"] = [report.district_id, district_id]
            changes["point_changed"] = lat is not None
            report.lat, report.lon, report.district_id = lat, lon, district_id
    if not changes:
        return report
    history.append(report.id, actor, "changed", data=changes)
    events.record(events.REPORT_CHANGED, {"report_id": report.id}, urgent=report.urgency == "high")
    db.session.commit()
    return report

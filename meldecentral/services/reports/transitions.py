"""Status changes of an assignment (a unit's work) and of a report (reject, merge, reopen).

Each change locks the report, checks the workflow, appends history, records the event, commits."""

from __future__ import annotations

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.reasons import N_
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import history
from meldecentral.services.reports.status import (
    follow_assignments,
    lock_report,
    refresh_next_deadline,
    set_status,
)


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
    report = lock_report(assignment.report_id)
    db.session.refresh(assignment)
    workflow.check_assignment_transition(assignment.status, target, actor.role)
    if report.status in (workflow.REJECTED, workflow.MERGED) and target != workflow.CLOSED:
        # Its assignments were closed with it: reopening one would put work for a closed
        # report back in an inbox (undo the rejection first).
        raise workflow.TransitionError(
            "not_allowed", f"the report is {report.status}: its assignments stay closed"
        )
    if target == workflow.CLOSED and not (outcome or "").strip():
        raise ValidationFailed(
            "closing needs an outcome",
            {"outcome": [N_("required when closing: the reporter sees it")]},
        )
    old = assignment.status
    assignment.status = target
    assignment.reporter_replied_at = None  # the unit has acted on what the reporter wrote
    if target == workflow.ACKNOWLEDGED:
        assignment.acknowledged_at = clock.now()
    if target == workflow.CLOSED:
        assignment.closed_at = clock.now()
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
    outbox.record(
        events.ASSIGNMENT_STATUS_CHANGED,
        {"report_id": report.id, "assignment_id": assignment.id, "from": old, "to": target},
    )
    db.session.flush()
    refresh_next_deadline(report)
    follow_assignments(report)
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
    report = lock_report(report_id)
    workflow.check_report_transition(report.status, target, actor.role)
    data: dict = {}
    if target == workflow.REJECTED:
        if not (reason or "").strip():
            raise ValidationFailed("rejecting needs a reason", {"reason": [N_("required")]})
        data["reason"] = reason.strip()
    if target == workflow.MERGED:
        if duplicate_of is None:
            raise ValidationFailed("merging needs the original", {"duplicate_of": [N_("required")]})
        if duplicate_of == report.id:
            raise ValidationFailed(
                "invalid merge", {"duplicate_of": [N_("a report cannot be a duplicate of itself")]}
            )
        try:
            original = access.get_visible_report(actor, duplicate_of)
        except NotFound:
            raise ValidationFailed(
                "invalid merge", {"duplicate_of": [N_("no such report")]}
            ) from None
        report.duplicate_of_id = original.id
        data["duplicate_of"] = original.reference
    set_status(report, target, actor, **data)
    if target in (workflow.REJECTED, workflow.MERGED):
        close_open_assignments(report, actor, target, data.get("duplicate_of"))
    db.session.commit()
    return report


def closing_outcome(cause: str, original: str | None) -> str:
    """The outcome of an assignment closed because its report was rejected or merged: the
    reporter sees it, so it says what happened in both languages and never the coordinator's
    reason for rejecting (which may be internal)."""
    if cause == workflow.MERGED:
        return f"Lukket: lagt sammen med {original} / Closed: merged into {original}"
    return "Lukket: meldingen er afvist / Closed: the report was rejected"


def close_open_assignments(report: Report, actor: Actor, cause: str, original: str | None) -> None:
    """A rejected or merged report keeps no open work: each open assignment is closed with an
    outcome that says why, in the history, with the event a unit's own closing records (its
    ``cause`` tells the workers that it is no outcome to tell the reporter of). Closed, it
    leaves the unit's inbox and is never escalated; the report's next deadline is cleared."""
    outcome = closing_outcome(cause, original)
    now = clock.now()
    for assignment in report.assignments:
        if assignment.status not in workflow.OPEN_ASSIGNMENT_STATUSES:
            continue
        old = assignment.status
        workflow.check_assignment_transition(old, workflow.CLOSED, actor.role)
        assignment.status = workflow.CLOSED
        assignment.closed_at = now
        assignment.outcome = outcome
        history.append(
            report.id,
            actor,
            "assignment_status",
            assignment_id=assignment.id,
            from_status=old,
            to_status=workflow.CLOSED,
            data={"unit": assignment.unit.code, "outcome": outcome, "cause": cause},
        )
        outbox.record(
            events.ASSIGNMENT_STATUS_CHANGED,
            {
                "report_id": report.id,
                "assignment_id": assignment.id,
                "from": old,
                "to": workflow.CLOSED,
                "cause": cause,
            },
        )
    refresh_next_deadline(report)

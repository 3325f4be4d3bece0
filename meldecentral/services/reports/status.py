"""A report's status, in one place: set with its history and event, derived from its
assignments (``workflow.derived_report_status``), and the next deadline kept with it."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.extensions import db
from meldecentral.models import Report
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.errors import NotFound
from meldecentral.services.reports import history


def lock_report(report_id: int) -> Report:
    report = db.session.scalar(
        sa.select(Report).where(Report.id == report_id).with_for_update(of=Report)
    )
    if report is None:
        raise NotFound("no such report")
    return report


def set_status(report: Report, target: str, actor: Actor, **data) -> None:
    if report.status == target:
        return
    old = report.status
    report.status = target
    if target in workflow.FINAL_REPORT_STATUSES:
        report.closed_at = clock.now()
    elif old in workflow.FINAL_REPORT_STATUSES:
        report.closed_at = None
    history.append(report.id, actor, "status", from_status=old, to_status=target, data=data)
    outbox.record(events.REPORT_STATUS_CHANGED, {"report_id": report.id, "from": old, "to": target})


def refresh_next_deadline(report: Report) -> None:
    """Keep ``report.next_deadline`` (the triage queue's sort key) equal to the earliest deadline
    among its assignments that still wait for an acknowledgement."""
    waiting = [
        a.ack_deadline
        for a in report.assignments
        if a.status == workflow.ROUTED and a.ack_deadline is not None
    ]
    report.next_deadline = min(waiting) if waiting else None


def follow_assignments(report: Report) -> None:
    target = workflow.derived_report_status(report.status, [a.status for a in report.assignments])
    if target != report.status:
        workflow.check_report_transition(report.status, target, roles.SYSTEM)
        set_status(report, target, SYSTEM)

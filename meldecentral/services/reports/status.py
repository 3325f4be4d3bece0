"""A report's status, in one place: set with its history and event, derived from its
assignments (``workflow.derived_report_status``), and the next deadline kept with it."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

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
    record_change(
        report.id, old, target, actor, staff_author=report.reporter_user_id is not None, **data
    )


def record_change(
    report_id: int,
    old: str,
    target: str,
    actor: Actor,
    *,
    staff_author: bool | None = None,
    **data,
) -> None:
    """A status change's history entry and event, in the caller's transaction.
    ``staff_author``: whether a member of staff wrote the report, when the caller knows (the
    event's handler then asks the database only for those: delivery.plan)."""
    history.append(report_id, actor, "status", from_status=old, to_status=target, data=data)
    payload = {"report_id": report_id, "from": old, "to": target}
    if staff_author is not None:
        payload["staff_author"] = staff_author
    outbox.record(events.REPORT_STATUS_CHANGED, payload)


def after_routing(report: Report, new_deadlines: list[datetime | None]) -> Routed:
    """What a report becomes when its rules assign it new units (their acknowledgement
    deadlines given; ``report.assignments`` holds the ones it had): a new report is routed, a
    resolved one follows its assignments again (a new unit has work to do), any other keeps its
    status; the next deadline is the earliest one still waiting. The change is checked against
    the workflow here; ``write_routed`` stores it."""
    old = report.status
    target = old
    if old in (workflow.RECEIVED, workflow.TRIAGED):
        target = workflow.ROUTED
    elif old == workflow.RESOLVED and new_deadlines:
        statuses = [a.status for a in report.assignments] + [workflow.ROUTED] * len(new_deadlines)
        target = workflow.derived_report_status(old, statuses)
    if target != old:
        workflow.check_report_transition(old, target, roles.SYSTEM)
    waiting = [
        a.ack_deadline
        for a in report.assignments
        if a.status == workflow.ROUTED and a.ack_deadline is not None
    ] + [d for d in new_deadlines if d is not None]
    closed_at = report.closed_at
    if old in workflow.FINAL_REPORT_STATUSES and target not in workflow.FINAL_REPORT_STATUSES:
        closed_at = None
    return Routed(report.id, old, target, min(waiting) if waiting else None, closed_at)


class Routed(NamedTuple):
    report_id: int
    old: str
    status: str
    next_deadline: datetime | None
    closed_at: datetime | None


_report = Report.__table__
_write_routed = (
    sa.update(_report)
    .where(_report.c.id == sa.bindparam("rid"))
    .values(
        status=sa.bindparam("new_status"),
        next_deadline=sa.bindparam("new_deadline"),
        closed_at=sa.bindparam("new_closed_at"),
    )
)


def write_routed(changes: list[Routed]) -> None:
    """Store what ``after_routing`` found for many reports, in one UPDATE (the caller records
    each change with ``record_change``, under the request id of its report)."""
    if not changes:
        return
    db.session.execute(
        _write_routed,
        [
            {
                "rid": c.report_id,
                "new_status": c.status,
                "new_deadline": c.next_deadline,
                "new_closed_at": c.closed_at,
            }
            for c in changes
        ],
    )


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

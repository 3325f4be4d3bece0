"""Deadlines kept: an assignment not acknowledged by its deadline is escalated, first with a
reminder to the unit, then (after half as long again) to the coordinators. Each step is in the
report's history."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import workflow
from meldecentral.extensions import db
from meldecentral.models import Assignment
from meldecentral.services.actor import SYSTEM
from meldecentral.services.delivery import plan
from meldecentral.services.reports import history

COORDINATORS = "COORD"


def _due_level(assignment: Assignment, now) -> int:
    if assignment.ack_deadline is None or now < assignment.ack_deadline:
        return 0
    allowance = assignment.ack_deadline - assignment.created_at
    return 2 if now >= assignment.ack_deadline + allowance / 2 else 1


def escalate_overdue(limit: int = 1000) -> list[tuple[int, int]]:
    """Returns (assignment id, level) for each escalation made now. Idempotent."""
    now = clock.now()
    candidates = db.session.scalars(
        sa.select(Assignment.id)
        .where(
            Assignment.status == workflow.ROUTED,
            Assignment.ack_deadline <= now,
            Assignment.escalation_level < 2,
        )
        .order_by(Assignment.ack_deadline)
        .limit(limit)
    ).all()
    done = []
    for assignment_id in candidates:
        assignment = db.session.scalar(
            sa.select(Assignment)
            .where(Assignment.id == assignment_id)
            .with_for_update(of=Assignment)
        )
        level = _due_level(assignment, now)
        if assignment.status != workflow.ROUTED or level <= assignment.escalation_level:
            db.session.rollback()
            continue
        for step in range(assignment.escalation_level + 1, level + 1):
            to = assignment.unit.code if step == 1 else COORDINATORS
            history.append(
                assignment.report_id,
                SYSTEM,
                "escalated",
                assignment_id=assignment.id,
                data={
                    "level": step,
                    "to": to,
                    "unit": assignment.unit.code,
                    "deadline": assignment.ack_deadline.isoformat(),
                },
            )
            assignment.escalation_level = step
            db.session.flush()
            plan.plan_overdue_reminder(assignment.id, step, to)
            db.session.commit()
            done.append((assignment.id, step))
    return done


def overdue_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(
            Assignment.status == workflow.ROUTED, Assignment.ack_deadline <= clock.now()
        )
    )

"""Deadlines kept: an assignment not acknowledged by its deadline is escalated, first with a
reminder to the unit, then (after half as long again) to the coordinators. An urgent alert
that cannot be delivered (dead, or still not sent after URGENT_FALLBACK_AFTER_SECONDS) goes to
the coordinators at once. Each step is in the report's history."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from meldecentral import clock
from meldecentral.domain import workflow
from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery
from meldecentral.models.delivery import DEAD, SENT
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


# An alert older than this is not fallen back on any more (e.g. dead letters from before a
# deployment that brought the fallback): the coordinators' dead-letter list has those.
FALLBACK_WINDOW = timedelta(days=1)


def fallback_undelivered(after_seconds: float, limit: int = 200) -> list[int]:
    """Urgent unit alerts not delivered on any channel (dead, or not sent ``after_seconds``
    after they were planned): each goes to the coordinators on their channels, once per alert
    (the deliveries' dedupe key), with a history entry; the alert itself keeps retrying.
    Returns the ids of the coordinators' deliveries planned, committed, for the caller to
    send."""
    now = clock.now()
    sibling, fallback = aliased(Delivery), aliased(Delivery)
    rows = db.session.execute(
        sa.select(Delivery.assignment_id, Delivery.channel)
        .where(
            Delivery.urgent.is_(True),
            Delivery.audience == "unit",
            Delivery.assignment_id.is_not(None),
            Delivery.dedupe_key.like("assigned:%"),
            Delivery.status != SENT,
            Delivery.created_at >= now - FALLBACK_WINDOW,
            sa.or_(
                Delivery.status == DEAD,
                Delivery.created_at <= now - timedelta(seconds=after_seconds),
            ),
            # Told on another channel already: the unit has the alert.
            ~sa.exists().where(
                sibling.assignment_id == Delivery.assignment_id,
                sibling.dedupe_key.like("assigned:%"),
                sibling.status == SENT,
            ),
            ~sa.exists().where(
                fallback.assignment_id == Delivery.assignment_id,
                fallback.dedupe_key.like("fallback:%"),
            ),
        )
        .order_by(Delivery.assignment_id)
        .limit(limit)
    ).all()
    failed: dict[int, list[str]] = {}
    for assignment_id, channel in rows:
        failed.setdefault(assignment_id, []).append(channel)
    planned = []
    for assignment_id, channels in failed.items():
        ids = plan.plan_undelivered_fallback(assignment_id, COORDINATORS, channels)
        if not ids:  # told already (a concurrent sweep), or the coordinators have no channel
            db.session.rollback()
            continue
        assignment = db.session.get(Assignment, assignment_id)
        history.append(
            assignment.report_id,
            SYSTEM,
            "alert_fallback",
            assignment_id=assignment_id,
            data={"unit": assignment.unit.code, "channels": sorted(channels), "to": COORDINATORS},
        )
        db.session.commit()
        planned += ids
    return planned

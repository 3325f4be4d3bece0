"""What each outbox event sets in motion. Every handler is idempotent: a redelivered event
creates no second assignment and no second notification (deliveries carry dedupe keys)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from meldecentral.services import events, notify, routing, stats, tx

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], list[int]]] = {}


def handles(topic: str):
    def register(fn: Callable[[dict], list[int]]):
        HANDLERS[topic] = fn
        return fn

    return register


def handle(event_id: int) -> list[int]:
    """Runs the event's handler, and the handlers of the events it records (a new assignment ->
    its alert), all in one transaction; returns the ids of the deliveries planned, claimed for
    this worker to send now.

    The event is claimed by the same statement that reads it (``UPDATE ... WHERE handled_at IS
    NULL RETURNING``), in the transaction the handler commits: the handler's work and "handled"
    commit together or not at all, and a second worker given the same event waits for the first
    and then finds nothing to do."""
    row = db.session.execute(
        sa.update(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.handled_at.is_(None))
        .values(handled_at=clock.now())
        .returning(OutboxEvent.topic, OutboxEvent.payload)
    ).first()
    if row is None:
        db.session.rollback()
        return []
    try:
        with tx.one_transaction() as recorded:
            deliveries = _run(row.topic, row.payload)
            while recorded:  # recorded as handled (services.tx); handled here
                event = recorded.pop(0)
                deliveries += _run(event.topic, event.payload)
            tx.write_deferred()  # what the last handler left unwritten
        # What was just written stays loaded: sending the planned deliveries next reads
        # neither them nor their units again. (The task's session ends with the task.)
        with tx.kept_loaded():
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return deliveries


def _run(topic: str, payload: dict) -> list[int]:
    handler = HANDLERS.get(topic)
    return handler(dict(payload)) if handler else []


@handles(events.REPORT_CREATED)
def _route_new(payload: dict) -> list[int]:
    routing.route_report(payload["report_id"], trigger="created")
    return []


@handles(events.REPORT_CHANGED)
def _route_changed(payload: dict) -> list[int]:
    routing.route_report(payload["report_id"], trigger="changed")
    stats.refresh_report_day(payload["report_id"])  # category or district may have changed
    return []


@handles(events.REPORT_STATUS_CHANGED)
def _status_changed(payload: dict) -> list[int]:
    # Rejected and merged reports are left out of the statistics: recount when that changes.
    if {payload.get("from"), payload.get("to")} & set(stats.NOT_COUNTED):
        stats.refresh_report_day(payload["report_id"])
    return []


@handles(events.ASSIGNMENT_STATUS_CHANGED)
def _assignment_changed(payload: dict) -> list[int]:
    if payload.get("from") is None and payload.get("to") == "routed":
        return notify.plan_assignment_alert(payload["assignment_id"])
    if payload.get("to") == "closed":
        return notify.plan_reporter_update(
            payload["report_id"], f"closed:{payload['assignment_id']}"
        )
    return []


@handles(events.NOTE_ADDED)
def _note_added(payload: dict) -> list[int]:
    if payload.get("visibility") == "public":
        return notify.plan_reporter_update(payload["report_id"], f"note:{payload['note_id']}")
    return []

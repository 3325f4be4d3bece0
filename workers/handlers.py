"""What each outbox event sets in motion. Every handler is idempotent: a redelivered event
creates no second assignment and no second notification (deliveries carry dedupe keys)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.db import tx
from meldecentral.domain import events
from meldecentral.extensions import db
from meldecentral.logs import request_id_var
from meldecentral.models import OutboxEvent
from meldecentral.services.delivery import plan, resend
from meldecentral.services.routing import route
from meldecentral.services.worklists import stats

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
    deliveries: list[int] = []

    def run(topic: str, payload: dict) -> None:
        deliveries.extend(_run(topic, payload))

    with tx.worker_transaction() as recorded:
        run(row.topic, row.payload)
        _handle_recorded(recorded, run)
    return deliveries


def handle_created(items: list[list]) -> tuple[list[tuple[int, str | None, list[int]]], list[list]]:
    """The report.created events among ``items`` ([event id, request id] pairs), handled
    together in one unit of work: claimed in one statement, their reports routed together
    (services.routing.route), and the events that recorded run through their handlers, as
    ``handle`` runs them. Returns, per event handled, its id, request id and the deliveries
    planned (claimed for this worker to send), and the items left for ``handle``: other topics,
    and events handled already."""
    request_of = {event_id: request_id for event_id, request_id in items}
    claimed = db.session.execute(
        sa.update(OutboxEvent)
        .where(
            OutboxEvent.id.in_(list(request_of)),
            OutboxEvent.handled_at.is_(None),
            OutboxEvent.topic == events.REPORT_CREATED,
        )
        .values(handled_at=clock.now())
        .returning(OutboxEvent.id, OutboxEvent.payload)
    ).all()
    ids = {row.id for row in claimed}
    rest = [item for item in items if item[0] not in ids]
    if not claimed:
        db.session.rollback()
        return [], rest
    event_of = {row.payload["report_id"]: row.id for row in claimed}
    request_ids = {report_id: request_of[event_id] for report_id, event_id in event_of.items()}
    planned: dict[int | None, list[int]] = {}

    def run(topic: str, payload: dict) -> None:
        report_id = payload.get("report_id")
        token = request_id_var.set(request_ids.get(report_id))
        try:
            planned.setdefault(event_of.get(report_id), []).extend(_run(topic, payload))
        finally:
            request_id_var.reset(token)

    with tx.worker_transaction() as recorded:
        routed = route.route_reports(list(event_of), route.CREATED, request_ids)
        for report_id, deliveries in routed.items():
            planned.setdefault(event_of[report_id], []).extend(d.id for d in deliveries)
        _handle_recorded(recorded, run)
    return [(i, request_of[i], planned.get(i, [])) for i in sorted(ids)], rest


def _handle_recorded(recorded: list, run: Callable[[str, dict], None]) -> None:
    """Run the events recorded meanwhile (written as handled, db.tx) through ``run``, and
    those they record in turn."""
    while recorded:
        event = recorded.pop(0)
        run(event.topic, event.payload)


def _run(topic: str, payload: dict) -> list[int]:
    handler = HANDLERS.get(topic)
    return handler(dict(payload)) if handler else []


@handles(events.REPORT_CREATED)
def _route_new(payload: dict) -> list[int]:
    return _delivery_ids(route.route_reports([payload["report_id"]], route.CREATED))


@handles(events.REPORT_CHANGED)
def _route_changed(payload: dict) -> list[int]:
    planned = route.route_reports([payload["report_id"]], route.CHANGED)
    stats.refresh_report_day(payload["report_id"])  # category or district may have changed
    return _delivery_ids(planned)


def _delivery_ids(planned: dict) -> list[int]:
    return [d.id for deliveries in planned.values() for d in deliveries]


@handles(events.REPORT_STATUS_CHANGED)
def _status_changed(payload: dict) -> list[int]:
    # Rejected and merged reports are left out of the statistics: recount when that changes.
    if {payload.get("from"), payload.get("to")} & set(stats.NOT_COUNTED):
        stats.refresh_report_day(payload["report_id"])
    planned = []
    if payload.get("to") == "merged":
        planned += plan.plan_reporter_merged(payload["report_id"])
    # A street worker is told when their report is routed and when it is closed.
    return planned + plan.plan_street_worker_update(
        payload["report_id"], payload.get("to"), payload.get("staff_author")
    )


@handles(events.ASSIGNMENT_STATUS_CHANGED)
def _assignment_changed(payload: dict) -> list[int]:
    if payload.get("from") is None and payload.get("to") == "routed":
        return plan.plan_assignment_alert(payload["assignment_id"])
    if payload.get("to") == "closed" and not payload.get("cause"):
        # (closed because the report was rejected or merged: no outcome of a unit's work)
        return plan.plan_reporter_update(payload["report_id"], f"closed:{payload['assignment_id']}")
    return []


@handles(events.NOTE_ADDED)
def _note_added(payload: dict) -> list[int]:
    if payload.get("visibility") == "public":
        return plan.plan_reporter_update(payload["report_id"], f"note:{payload['note_id']}")
    return []


@handles(events.REPORTER_ASKED)
def _reporter_asked(payload: dict) -> list[int]:
    return plan.plan_reporter_question(payload["report_id"], payload["message_id"])


@handles(events.DELIVERY_RESEND)
def _resend(payload: dict) -> list[int]:
    return resend.claim(payload["delivery_id"])

"""What each outbox event sets in motion. Every handler is idempotent: a redelivered event
creates no second assignment and no second notification (deliveries carry dedupe keys)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from meldecentral.services import events, notify, routing

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], list[int]]] = {}


def handles(topic: str):
    def register(fn: Callable[[dict], list[int]]):
        HANDLERS[topic] = fn
        return fn

    return register


def handle(event_id: int) -> list[int]:
    """Runs the event's handler; returns the ids of deliveries to send now."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        log.warning("outbox event %s not found", event_id)
        return []
    if event.handled_at is not None:
        return []
    handler = HANDLERS.get(event.topic)
    deliveries = handler(dict(event.payload)) if handler else []
    event = db.session.get(OutboxEvent, event_id)
    event.handled_at = clock.now()
    db.session.commit()
    return deliveries


@handles(events.REPORT_CREATED)
def _route_new(payload: dict) -> list[int]:
    routing.route_report(payload["report_id"], trigger="created")
    return []


@handles(events.REPORT_CHANGED)
def _route_changed(payload: dict) -> list[int]:
    routing.route_report(payload["report_id"], trigger="changed")
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

"""What each outbox event sets in motion. Every handler is idempotent: a redelivered event
creates no second assignment and no second notification."""

from __future__ import annotations

import logging
from collections.abc import Callable

from meldecentral.extensions import db
from meldecentral.models import OutboxEvent

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], None]] = {}


def handles(topic: str):
    def register(fn: Callable[[dict], None]):
        HANDLERS[topic] = fn
        return fn

    return register


def handle(event_id: int) -> None:
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        log.warning("outbox event %s not found", event_id)
        return
    handler = HANDLERS.get(event.topic)
    if handler is not None:
        handler(dict(event.payload))

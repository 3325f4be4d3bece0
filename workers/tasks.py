"""Thin tasks: take ids, load, call one service, declare the retry policy."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from workers.relay import publish_events, unpublished_ids

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def handle_event(self, event_id: int) -> None:
    from workers.handlers import handle

    handle(event_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Publish events the relay could not (broker down, process died)."""
    ids = unpublished_ids(current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
    sent = publish_events(ids) if ids else 0
    if sent:
        log.info("sweeper published %d outbox events", sent)
    return sent

"""Thin tasks: take ids, load, call one service, declare the retry policy."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from meldecentral.extensions import db
from meldecentral.models import Delivery
from meldecentral.services import delivery, escalation
from workers import NORMAL_QUEUE, URGENT_QUEUE
from workers.relay import publish_events, unpublished_ids

log = logging.getLogger(__name__)


def enqueue_deliveries(ids: list[int], countdown: float | None = None) -> None:
    """Best effort: a delivery whose task is lost is picked up by ``sweep_deliveries``."""
    celery = current_app.extensions["celery"]
    for delivery_id in ids:
        urgent = db.session.scalar(db.select(Delivery.urgent).where(Delivery.id == delivery_id))
        try:
            celery.send_task(
                "workers.tasks.deliver",
                args=[delivery_id],
                queue=URGENT_QUEUE if urgent else NORMAL_QUEUE,
                countdown=countdown,
                retry=False,
            )
        except Exception:  # noqa: BLE001 - broker down: the sweeper sends it later
            log.warning("could not enqueue delivery %s; the sweeper will", delivery_id)
            return


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def handle_event(event_id: int) -> None:
    from workers.handlers import handle

    enqueue_deliveries(handle(event_id))


@shared_task(autoretry_for=(Exception,), retry_backoff=2, retry_jitter=True, max_retries=10)
def deliver(delivery_id: int) -> str:
    outcome = delivery.attempt(delivery_id)
    if outcome.status == "pending":
        enqueue_deliveries([delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task
def sweep_outbox() -> int:
    """Publish events the relay could not (broker down, process died), and republish events
    published but never handled (their task was lost, e.g. Redis restarted empty)."""
    cfg = current_app.config
    ids = unpublished_ids(cfg["OUTBOX_SWEEP_AFTER_SECONDS"], cfg["OUTBOX_REPUBLISH_AFTER_SECONDS"])
    sent = publish_events(ids, force=True) if ids else 0
    if sent:
        log.info("sweeper published %d outbox events", sent)
    return sent


@shared_task
def sweep_deliveries() -> int:
    ids = delivery.due_for_retry(current_app.config["DELIVERY_SWEEP_GRACE_SECONDS"])
    enqueue_deliveries(ids)
    return len(ids)


@shared_task
def escalate_overdue() -> int:
    done = escalation.escalate_overdue()
    return len(done)

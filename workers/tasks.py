"""Thin tasks: take ids, load, call one service, declare the retry policy."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from meldecentral import metrics
from meldecentral.extensions import db
from meldecentral.logs import current_request_id
from meldecentral.models import Delivery
from meldecentral.services import delivery, escalation, retention, stats
from workers import NORMAL_QUEUE, URGENT_QUEUE
from workers.relay import inline_events, publish_events, unpublished_ids

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
                headers={"request_id": current_request_id()},
                retry=False,
                ignore_result=True,
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
    """Handle the event, then at once what it set in motion: the events its handler recorded
    (a new assignment, a status change) and the deliveries they planned. One task instead of
    one per event and per delivery keeps an alert a few milliseconds behind its report."""
    from workers.handlers import handle

    with inline_events() as follow_ups:
        deliveries = handle(event_id)  # a failure here is retried by Celery
    count = len(follow_ups)
    deliveries += _handle_follow_ups(handle, follow_ups)
    _deliver_now(deliveries)
    # The log record carries the id of the request that caused this (meldecentral/logs.py).
    log.info("event %s handled, %d follow-ups, %d deliveries", event_id, count, len(deliveries))


def _handle_follow_ups(handle, ids: list[int]) -> list[int]:
    deliveries: list[int] = []
    todo = list(ids)
    with inline_events() as more:
        while todo:
            try:
                deliveries += handle(todo[0])
            except Exception:  # noqa: BLE001 - leave the rest to their own tasks
                log.exception("follow-up event %s failed; publishing it for a retry", todo[0])
                db.session.rollback()
                publish_events(todo + more)
                return deliveries
            todo.pop(0)
            todo += more
            more.clear()
    return deliveries


def _deliver_now(ids: list[int]) -> None:
    for i, delivery_id in enumerate(ids):
        try:
            _attempt(delivery_id)
        except Exception:  # noqa: BLE001 - the deliver task retries these
            log.exception("delivery %s failed; queueing the rest", delivery_id)
            db.session.rollback()
            enqueue_deliveries(ids[i:])
            return


def _attempt(delivery_id: int) -> str:
    outcome = delivery.attempt(delivery_id)
    if outcome.status in ("pending", "dead"):
        channel = db.session.scalar(sa.select(Delivery.channel).where(Delivery.id == delivery_id))
        metrics.delivery_failed(channel or "unknown", dead=outcome.status == "dead")
    if outcome.status == "pending":
        enqueue_deliveries([delivery_id], countdown=outcome.retry_in)
    return outcome.status


@shared_task(autoretry_for=(Exception,), retry_backoff=2, retry_jitter=True, max_retries=10)
def deliver(delivery_id: int) -> str:
    return _attempt(delivery_id)


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


@shared_task
def apply_retention() -> dict:
    """Anonymise and delete what has been closed long enough (services.retention)."""
    result = retention.apply_retention()
    return {"anonymised": len(result.anonymised), "deleted": len(result.deleted)}


@shared_task
def refresh_stats() -> int:
    """Recount today's and yesterday's statistics (services.stats)."""
    return stats.refresh_recent()

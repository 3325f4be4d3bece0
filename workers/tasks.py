"""Thin tasks: take ids, load, call one service, declare the retry policy."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from meldecentral import metrics
from meldecentral.db import tx
from meldecentral.extensions import db
from meldecentral.logs import current_request_id, request_id_var
from meldecentral.models import Delivery, OutboxEvent
from meldecentral.services.delivery import plan, send
from meldecentral.services.facts import publish
from meldecentral.services.hotspots import areas, detect
from meldecentral.services.reports import retention
from meldecentral.services.routing import escalation, rulebook
from meldecentral.services.worklists import dashboard, stats
from workers import NORMAL_QUEUE, URGENT_QUEUE, broker
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
                headers={"request_id": current_request_id()},
                retry=False,
                ignore_result=True,
            )
        except Exception:  # noqa: BLE001 - broker down: the sweeper sends it later
            log.warning("could not enqueue delivery %s; the sweeper will", delivery_id)
            return


@shared_task
def handle_events(items: list[list]) -> None:
    """Handle a batch of events ([event id, request id] pairs, workers.relay): its new reports
    together (workers.handlers.handle_created), then the other events one after the other, each
    as ``handle_event`` does and under its own request id. If the new reports fail together,
    they too are handled one by one; an event that fails alone is handed to its own
    ``handle_event`` task, with its retries, so that it holds up no other."""
    from workers.handlers import handle_created

    with rulebook.one_rule_check():
        try:
            done, rest = handle_created(items)
        except Exception:  # noqa: BLE001 - each handled alone below, with its retries
            log.exception("routing %d new reports together failed; one by one now", len(items))
            db.session.rollback()
            done, rest = [], items
        try:
            _deliver_batch(done)
        finally:
            db.session.info.pop(plan.PLANNED_KEY, None)
        for event_id, request_id in rest:
            token = request_id_var.set(request_id)
            try:
                _handle_one(event_id)
            except Exception:  # noqa: BLE001 - retried on its own; the batch goes on
                log.exception("event %s failed; retrying it on its own", event_id)
                db.session.rollback()
                _retry_alone(event_id)
            finally:
                request_id_var.reset(token)


def _deliver_batch(done: list[tuple[int, str | None, list[int]]]) -> None:
    """Send the deliveries a batch of events planned, recording them in one commit
    (services.delivery.send.attempt_claimed_many), and log each event as handled."""
    ids = [i for _, _, planned in done for i in planned]
    request_of = {i: request_id for _, request_id, planned in done for i in planned}
    outcomes = []
    if ids:
        with tx.kept_loaded():
            try:
                outcomes = send.attempt_claimed_many(ids)
            except Exception:  # noqa: BLE001 - the deliver task retries these
                log.exception("sending %d deliveries failed; queueing them", len(ids))
                db.session.rollback()
                send.release(ids)
                enqueue_deliveries(ids)
    for delivery_id, outcome in zip(ids, outcomes, strict=False):
        token = request_id_var.set(request_of[delivery_id])
        try:
            _after_attempt(delivery_id, outcome)
        finally:
            request_id_var.reset(token)
    for event_id, request_id, planned in done:
        token = request_id_var.set(request_id)
        try:
            log.info("event %s handled, %d deliveries", event_id, len(planned))
        finally:
            request_id_var.reset(token)


def _retry_alone(event_id: int) -> None:
    """Best effort: if the broker is down too, the sweeper republishes the event later."""
    try:
        urgent = db.session.scalar(sa.select(OutboxEvent.urgent).where(OutboxEvent.id == event_id))
        handle_event.apply_async(
            args=[event_id],
            queue=URGENT_QUEUE if urgent else NORMAL_QUEUE,
            countdown=2,
            headers={"request_id": current_request_id()},
            retry=False,
            ignore_result=True,
        )
    except Exception:  # noqa: BLE001
        log.warning("could not queue event %s again; the sweeper will", event_id)


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def handle_event(event_id: int) -> None:
    """Handle the event and, in the same transaction, what it set in motion (the events its
    handler recorded: a new assignment, a status change; workers.handlers), then send the
    deliveries planned. One task and one transaction per report keeps an alert a few
    milliseconds behind its report."""
    _handle_one(event_id)  # a failure is retried by Celery


def _handle_one(event_id: int) -> None:
    from workers.handlers import handle

    deliveries = handle(event_id)
    try:
        _deliver_now(deliveries)
    finally:
        db.session.info.pop(plan.PLANNED_KEY, None)
    # The log record carries the id of the request that caused this (meldecentral/logs.py).
    log.info("event %s handled, %d deliveries", event_id, len(deliveries))


def _deliver_now(ids: list[int]) -> None:
    """Send the deliveries this worker planned (created claimed for it). They stay loaded
    across the commit after each attempt: claimed, nobody else changes them, and the next one
    needs no reading again (two statements less per further delivery)."""
    with tx.kept_loaded():
        for i, delivery_id in enumerate(ids):
            try:
                _attempt(delivery_id, claimed=True)
            except Exception:  # noqa: BLE001 - the deliver task retries these
                log.exception("delivery %s failed; queueing the rest", delivery_id)
                db.session.rollback()
                send.release(ids[i:])
                enqueue_deliveries(ids[i:])
                return


def _attempt(delivery_id: int, *, claimed: bool = False) -> str:
    outcome = send.attempt(delivery_id, claimed=claimed)
    _after_attempt(delivery_id, outcome)
    return outcome.status


def _after_attempt(delivery_id: int, outcome: send.Outcome) -> None:
    if outcome.status in ("pending", "dead"):
        # From the identity map when the worker holds the delivery still (a batch's), else read.
        delivery = db.session.get(Delivery, delivery_id)
        channel = delivery.channel if delivery is not None else "unknown"
        metrics.delivery_failed(channel, dead=outcome.status == "dead")
    if outcome.status == "pending" and outcome.retry_in is not None:
        # A longer wait is in the database (next_attempt_at): sweep_deliveries sends it.
        enqueue_deliveries([delivery_id], countdown=outcome.retry_in)


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
    """Send the retries that are due, and tell the coordinators of urgent alerts not
    delivered in time (services.routing.escalation.fallback_undelivered)."""
    config = current_app.config
    fallbacks = escalation.fallback_undelivered(config["URGENT_FALLBACK_AFTER_SECONDS"])
    enqueue_deliveries(fallbacks)
    ids = send.due_for_retry(config["DELIVERY_SWEEP_GRACE_SECONDS"])
    enqueue_deliveries(ids)
    return len(ids) + len(fallbacks)


@shared_task
def escalate_overdue() -> int:
    done = escalation.escalate_overdue()
    return len(done)


@shared_task
def apply_retention() -> dict:
    """Anonymise and delete what has been closed long enough (services.reports.retention)."""
    result = retention.apply_retention()
    return {"anonymised": len(result.anonymised), "deleted": len(result.deleted)}


@shared_task
def detect_hotspots() -> dict:
    """The hotspot scan for every municipality (services.hotspots.detect)."""
    found = detect.detect_all()
    return {str(m): len(ids) for m, ids in found.items()}


@shared_task
def close_hotspots() -> int:
    """Close the temporary hotspots past their last day (services.hotspots.areas)."""
    return areas.close_expired()


@shared_task
def refresh_stats() -> int:
    """Recount today's and yesterday's statistics (services.worklists.stats)."""
    return stats.refresh_recent()


@shared_task
def publish_facts() -> int:
    """Rebuild the public figures from the weekly counts (services.facts.publish)."""
    return publish.publish_all()


@shared_task
def refresh_dashboard() -> int:
    """Compute the dashboard's times to acknowledge and to close (services.worklists.dashboard)."""
    return dashboard.refresh_times()


@shared_task
def prune_broker() -> int:
    """The embedded broker only: forget messages taken over an hour ago (workers/broker.py)."""
    url = current_app.config["CELERY_BROKER_URL"]
    return broker.prune_taken(url, timedelta(hours=1)) if broker.is_embedded(url) else 0

"""Sending a Delivery: claim it (a lease, so two workers never send it at once), send through
its channel, log the attempt, then mark it sent, schedule a retry with backoff and jitter, or
dead-letter it where coordinators see it and can resend (``services.delivery.resend``).

The channels themselves are the worker side's (``notifications``, never imported here): this
module sends through the function ``create_app`` hands over (``channels.sender``)."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import lazyload

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    Delivery,
    DeliveryAttempt,
    OutboxEvent,
    Report,
    ReporterContact,
    Unit,
)
from meldecentral.models.delivery import DEAD, PENDING, SENDING, SENT
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import channels
from meldecentral.services.delivery.channels import SendFailed
from meldecentral.services.errors import Forbidden


@dataclass
class Outcome:
    status: str  # sent | pending | dead | skipped
    # pending: a countdown of this many seconds; None: it waits in the database for the sweeper
    retry_in: float | None = None


def send_lease() -> timedelta:
    """A sender's claim on a delivery: longer than any one send can take (channel timeouts are
    5-10 s per step), short enough that an alert whose worker died mid-send is soon retried by
    the sweeper (DELIVERY_SEND_LEASE_SECONDS)."""
    return timedelta(seconds=current_app.config["DELIVERY_SEND_LEASE_SECONDS"])


def no_address_error(channel: str) -> str:
    return f"no {channel} address configured"


def missing_address(delivery: Delivery) -> bool:
    """Dead because the recipient has no address on its channel (not a failure to send)."""
    return delivery.last_error == no_address_error(delivery.channel)


def max_attempts(config) -> int:
    """The first attempt and one per delay of the retry schedule."""
    return len(config["DELIVERY_RETRY_SCHEDULE"]) + 1


def retry_delay(attempts: int, schedule, jitter: float) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones, +/- ``jitter`` of it (so
    that deliveries failed together in an outage do not all come back in one burst); None
    when the schedule is spent."""
    if attempts > len(schedule):
        return None
    delay = float(schedule[attempts - 1])
    return delay * random.uniform(1 - jitter, 1 + jitter)  # noqa: S311 - jitter, not security


def waits_in_database(attempts: int, config) -> bool:
    """Whether the retry after ``attempts`` failures is longer than a countdown may be: then no
    task holds it, and the sweeper sends it when it is due (``due_for_retry``)."""
    schedule = config["DELIVERY_RETRY_SCHEDULE"]
    cap = config["DELIVERY_COUNTDOWN_MAX_SECONDS"]
    return 1 <= attempts <= len(schedule) and schedule[attempts - 1] > cap


def _claimable(delivery_id: int, *, due: bool = False) -> Delivery | None:
    """The delivery, locked, if nobody sends it: neither sent, dead, nor under another's lease
    (``due``: nor, having been tried and failed, waiting for its retry time); claimed for this
    worker (the lease), for the caller to commit."""
    now = clock.now()
    delivery = db.session.scalar(
        sa.select(Delivery)
        .where(Delivery.id == delivery_id)
        .with_for_update()
        .options(lazyload(Delivery.attempt_log))  # not needed to send
    )
    if delivery is None or delivery.status in (SENT, DEAD):
        return None
    if delivery.status == SENDING and delivery.lease_until and delivery.lease_until > now:
        return None
    if due and delivery.attempts and (delivery.next_attempt_at or now) > now:
        return None
    delivery.status = SENDING
    delivery.lease_until = now + send_lease()
    return delivery


def _claim(delivery_id: int) -> Delivery | None:
    # Due only: a task early for its retry (the sweeper's and a countdown's for one delivery)
    # leaves it to its time instead of spending an attempt of the schedule.
    delivery = _claimable(delivery_id, due=True)
    if delivery is None:
        db.session.rollback()
        return None
    db.session.commit()
    return delivery


def claim_in_worker(delivery_id: int) -> list[int]:
    """In a worker's one transaction (db.tx): claim the delivery with the lease that
    plan.insert_planned gives, for this worker to send once the transaction commits (as
    ``attempt(..., claimed=True)``); should it die first, the lease runs out and the sweeper
    sends it. Returns its id, or nothing if it is sent, dead, someone else's now, or failed
    meanwhile and waits for its retry (the deliver task's, at its time)."""
    delivery = _claimable(delivery_id, due=True)
    return [delivery.id] if delivery is not None else []


def _recipient(delivery: Delivery) -> str | None:
    if delivery.audience != "reporter":
        return delivery.recipient
    contact = db.session.scalar(
        sa.select(ReporterContact).where(ReporterContact.report_id == delivery.report_id)
    )
    if contact is None or contact.anonymised_at is not None:
        return None
    return contact.email if delivery.channel == "email" else contact.phone


def _message(delivery: Delivery, recipient: str) -> dict:
    """The sender's arguments (notifications.Message's fields); the unit's secret if the
    channel signs (the unit is not loaded for one that does not)."""
    signs = channels.secret_of(delivery.channel)
    secret = (
        channels.read(delivery.unit, signs.field, signs.column)
        if signs is not None and delivery.unit_id is not None
        else None
    )
    return {
        "channel": delivery.channel,
        "recipient": recipient,
        "subject": delivery.subject,
        "body": delivery.body,
        "payload": delivery.payload,
        "message_id": f"msg_{delivery.id}",
        "secret": secret,
    }


def redact(error: str, recipient: str) -> str:
    """Receivers quote the address in their errors ("550 <x@y.dk> unknown"); errors are kept
    and shown to coordinators, the address is the reporter's (or a webhook URL's token)."""
    variants = {recipient, recipient.replace(" ", "")} - {""}
    for variant in sorted(variants, key=len, reverse=True):
        error = re.sub(re.escape(variant), "<recipient>", error, flags=re.IGNORECASE)
    return error


def _claimed(delivery_id: int) -> Delivery | None:
    """A delivery created claimed by this worker (services.delivery.plan, in a worker's
    transaction)."""
    delivery = db.session.get(Delivery, delivery_id, options=[lazyload(Delivery.attempt_log)])
    return delivery if delivery is not None and delivery.status == SENDING else None


def release(ids: list[int]) -> None:
    """Give claimed deliveries back (this worker will not send them): pending again, for the
    deliver task or the sweeper."""
    db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == SENDING)
        .values(status=PENDING, lease_until=None)
    )
    db.session.commit()


def attempt(delivery_id: int, *, claimed: bool = False) -> Outcome:
    """Send one delivery. ``claimed``: this worker created it claimed and sends it now."""
    delivery = _claimed(delivery_id) if claimed else _claim(delivery_id)
    if delivery is None:
        return Outcome("skipped")
    attempts: list[dict] = []
    outcome = _send(delivery, attempts)
    _record(attempts)
    db.session.commit()
    return outcome


def attempt_claimed_many(delivery_ids: list[int]) -> list[Outcome]:
    """Send deliveries this worker created claimed (a batch of routed reports' alerts), one
    after the other, and record every attempt in one commit at the end. Should the worker die
    before it, the leases run out and the sweeper sends them again: at least once, and the
    receiver deduplicates by the stable ``webhook-id``."""
    outcomes, attempts = [], []
    for delivery_id in delivery_ids:
        delivery = _claimed(delivery_id)
        outcomes.append(_send(delivery, attempts) if delivery is not None else Outcome("skipped"))
    _record(attempts)
    db.session.commit()
    return outcomes


def _record(attempts: list[dict]) -> None:
    """The attempts' log rows, with Core in one statement (executemany): nothing reads them
    back here, and as ORM objects each cost a flush's bookkeeping and the statement a
    RETURNING of their ids."""
    if attempts:
        db.session.execute(sa.insert(DeliveryAttempt.__table__), attempts)


def _send(delivery: Delivery, attempts: list[dict]) -> Outcome:
    """Send a claimed delivery through its channel; record its outcome in the session and the
    attempt's row in ``attempts`` (the caller writes them, ``_record``, and commits)."""
    config = current_app.config
    started = clock.now()
    t0 = time.monotonic()
    receipt, error, permanent, hint = None, None, False, None
    recipient = _recipient(delivery)
    try:
        if not recipient:
            raise SendFailed(no_address_error(delivery.channel), permanent=True)
        receipt = channels.sender()(**_message(delivery, recipient))
    except SendFailed as exc:
        error, permanent, hint = exc.reason, exc.permanent, exc.retry_after
    if error and recipient:
        error = redact(error, recipient)
    duration_ms = int((time.monotonic() - t0) * 1000)
    attempts.append(
        {
            "delivery_id": delivery.id,
            "started_at": started,
            "duration_ms": duration_ms,
            "ok": error is None,
            "receipt": (receipt or "")[:200] or None,
            "error": (error or "")[:500] or None,
        }
    )
    delivery.attempts += 1
    delivery.lease_until = None
    now = clock.now()
    if error is None:
        delivery.status, delivery.sent_at, delivery.last_error = SENT, now, None
        outcome = Outcome(SENT)
    else:
        delay = None
        if not permanent:
            delay = retry_delay(
                delivery.attempts,
                config["DELIVERY_RETRY_SCHEDULE"],
                config["DELIVERY_RETRY_JITTER"],
            )
        if delay is None:
            delivery.status, delivery.dead_at, delivery.last_error = DEAD, now, error[:500]
            return Outcome(DEAD)
        if hint:  # the receiver's Retry-After, up to the schedule's longest wait
            delay = max(delay, min(hint, max(config["DELIVERY_RETRY_SCHEDULE"])))
        delivery.status, delivery.last_error = PENDING, error[:500]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        # A long wait is the sweeper's (it holds no task); a short one a countdown's.
        # Decided on the schedule's delay, not the jittered one, so that the sweeper knows
        # which waits are its own (due_for_retry); a long Retry-After is the sweeper's too.
        countdown = not waits_in_database(delivery.attempts, config) and not (
            hint and delay > config["DELIVERY_COUNTDOWN_MAX_SECONDS"]
        )
        outcome = Outcome(PENDING, delay if countdown else None)
    return outcome


def due_for_retry(grace_seconds: float, limit: int = 500) -> list[int]:
    """Pending deliveries whose retry time has passed: at once those waiting in the database
    (a long retry delay, ``waits_in_database``), after ``grace_seconds`` those whose countdown
    task was lost or is late; and sending ones whose lease ran out (the worker died mid-send)."""
    now = clock.now()
    cutoff = now - timedelta(seconds=grace_seconds)
    config = current_app.config
    waiting = [n for n in range(1, max_attempts(config)) if waits_in_database(n, config)]
    query = (
        sa.select(Delivery.id)
        .where(
            sa.or_(
                sa.and_(
                    Delivery.status == PENDING,
                    sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= cutoff),
                    Delivery.created_at <= cutoff,
                ),
                sa.and_(
                    Delivery.status == PENDING,
                    Delivery.attempts.in_(waiting),
                    Delivery.next_attempt_at <= now,
                ),
                sa.and_(Delivery.status == SENDING, Delivery.lease_until <= now),
            )
        )
        .order_by(Delivery.urgent.desc(), Delivery.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def of_municipality(municipality_id: int | None) -> sa.ColumnElement[bool]:
    """A delivery belongs to the municipality of its report, or of its unit when it has no
    report: a coordinator sees and resends their own municipality's only."""
    return sa.or_(
        Delivery.report_id.in_(
            sa.select(Report.id).where(Report.municipality_id == municipality_id)
        ),
        sa.and_(
            Delivery.report_id.is_(None),
            Delivery.unit_id.in_(sa.select(Unit.id).where(Unit.municipality_id == municipality_id)),
        ),
    )


def dead_letters(actor: Actor, limit: int = 200) -> list[Delivery]:
    if actor.role != "coordinator":
        raise Forbidden("only coordinators see undelivered notifications")
    return list(
        db.session.scalars(
            sa.select(Delivery)
            .where(Delivery.status == DEAD, of_municipality(actor.municipality_id))
            .order_by(Delivery.dead_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class RoutingLag:
    """``stalled`` events (a report's routing, a status change) that no worker has handled
    within ``stalled_after`` of their commit, the oldest committed at ``oldest``. The whole
    installation's: the broker and the workers are shared, and a count names no report."""

    stalled: int
    oldest: datetime | None
    stalled_after: timedelta


def stalled_after() -> timedelta:
    return timedelta(seconds=current_app.config["ROUTING_STALLED_AFTER_SECONDS"])


def routing_lag(actor: Actor, after: timedelta | None = None) -> RoutingLag:
    """The lag past ``after`` (ROUTING_STALLED_AFTER_SECONDS unless given)."""
    if not actor.is_staff:
        raise Forbidden("staff only")
    after = stalled_after() if after is None else after
    # An event is handled within seconds while the broker and the workers run; one left
    # longer means one of them is away (or far behind), and its alerts wait with it.
    stalled, oldest = db.session.execute(
        sa.select(sa.func.count(OutboxEvent.id), sa.func.min(OutboxEvent.created_at)).where(
            OutboxEvent.handled_at.is_(None),
            OutboxEvent.created_at < clock.now() - after,
        )
    ).one()
    return RoutingLag(stalled, oldest, after)


@dataclass(frozen=True)
class Backlog:
    """What has not gone out yet, for a coordinator: the routing's lag, and their
    municipality's alerts that failed at least once and will be tried again."""

    lag: RoutingLag
    retrying: list[Delivery]


def backlog(actor: Actor, after: timedelta | None = None, limit: int = 200) -> Backlog:
    if actor.role != "coordinator":
        raise Forbidden("only coordinators see undelivered notifications")
    retrying = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.status.in_((PENDING, SENDING)),
            Delivery.attempts > 0,
            of_municipality(actor.municipality_id),
        )
        .order_by(Delivery.created_at)
        .limit(limit)
    )
    return Backlog(routing_lag(actor, after), list(retrying))

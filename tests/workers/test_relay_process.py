"""The outbox relay as production runs it (OUTBOX_RELAY=process): a thread of the beat process,
and more relays as processes of their own; with a real Celery worker, a private Redis and
PostgreSQL. Where beat runs here, its sweeper waits ten minutes, so it cannot stand in for the
relay: what arrives, a relay published."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from tests.workers.conftest import CeleryProcess, RelayProcess, wait_for
from tests.workers.test_routing_workers import counts, police_hook, submit  # noqa: F401

pytestmark = [pytest.mark.workers, pytest.mark.relay_process, pytest.mark.slow]


def events() -> list[OutboxEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.id)))


def test_web_only_commits_and_the_relay_publishes(stack, police_hook):  # noqa: F811
    client = stack.app.test_client()
    stack.worker.start()
    submit(client, 3)
    # Nothing publishes yet: the app has no relay thread and no relay process runs.
    assert all(e.published_at is None for e in events())
    assert police_hook.delivered() == []

    stack.relay.start()
    wait_for(lambda: len(police_hook.delivered()) == 3, 30, what="three webhooks")
    refs = submit(client, 5)
    wait_for(lambda: len(police_hook.delivered()) == 8, 30, what="eight webhooks")
    assert set(refs) <= {r["payload"]["reference"] for r in police_hook.delivered()}
    created = [e for e in events() if e.topic == "report.created"]
    assert len(created) == 8
    assert all(e.published_at is not None and e.publish_attempts == 1 for e in created)


def test_relay_and_worker_wait_out_a_broker_outage(stack, police_hook):  # noqa: F811
    client = stack.app.test_client()
    stack.worker.start()
    stack.relay.start()
    # The receiver holds its answers, so the worker's task is still running (its message not
    # yet acknowledged) when Redis goes: kombu's transport once ended the worker right there.
    police_hook.gate.clear()
    submit(client, 2)
    wait_for(lambda: police_hook.requests, 30, what="the first webhook to arrive")

    stack.redis.stop()
    refs = submit(client, 6)
    # The relay tries, fails, counts the attempt and keeps running; nothing is marked sent.
    wait_for(
        lambda: any(e.publish_attempts for e in events() if e.published_at is None),
        20,
        what="a failed attempt recorded",
    )
    assert stack.relay.proc.poll() is None, "the relay must outlive the broker"
    assert sum(e.published_at is None for e in events()) == 6
    police_hook.gate.set()

    stack.redis.start()  # same port, empty

    # The worker reconnects on Celery's schedule (kombu's 2, 4, 6 ... up to 30 s apart), and
    # a loaded machine slows every step.
    def all_eight() -> bool:
        assert stack.worker.proc.poll() is None, "the worker must outlive the broker"
        return len(police_hook.delivered()) == 8

    wait_for(all_eight, 90, interval=0.5, what="all eight")
    assert set(refs) <= {r["payload"]["reference"] for r in police_hook.delivered()}
    assert counts() == {"reports": 8, "assignments": 8, "deliveries": 8}
    assert all(e.published_at is not None for e in events())


def test_two_relays_publish_each_event_once(stack, police_hook):  # noqa: F811
    client = stack.app.test_client()
    second = RelayProcess([], stack.env, stack.workdir / "relay2.log")
    stack.worker.start()
    try:
        submit(client, 40)  # waiting for both relays, which then race for them
        stack.relay.start()
        second.start()
        wait_for(lambda: len(police_hook.delivered()) == 40, 60, what="forty webhooks")
        submit(client, 20)
        wait_for(lambda: len(police_hook.delivered()) == 60, 60, what="sixty webhooks")
    finally:
        second.stop()
    created = [e for e in events() if e.topic == "report.created"]
    assert len(created) == 60
    # Claimed with FOR UPDATE SKIP LOCKED: no event was sent by both relays.
    assert [e.publish_attempts for e in created] == [1] * 60
    assert len(police_hook.requests) == 60


def test_beat_runs_the_relay(stack, police_hook):  # noqa: F811
    client = stack.app.test_client()
    beat = CeleryProcess(
        ["beat", "--loglevel", "INFO", "--schedule", str(stack.workdir / "beat-relay")],
        stack.env | {"OUTBOX_SWEEP_AFTER_SECONDS": "600", "OUTBOX_SWEEP_EVERY_SECONDS": "600"},
        stack.workdir / "beat-relay.log",
    )
    stack.worker.start()
    submit(client, 2)
    try:
        beat.start()
        wait_for(lambda: len(police_hook.delivered()) == 2, 30, what="two webhooks")
        submit(client, 3)
        wait_for(lambda: len(police_hook.delivered()) == 5, 30, what="five webhooks")
    finally:
        beat.stop()
    created = [e for e in events() if e.topic == "report.created"]
    assert [e.publish_attempts for e in created] == [1] * 5
    assert all(e.published_at is not None for e in created)


def test_a_lagging_queue_is_held_and_urgent_events_still_go_at_once(stack, police_hook):  # noqa: F811
    """QueueHold reads the tasks waiting in the real broker: with no worker running, tasks
    wait; the normal queue is then held while urgent events are still published."""
    from workers import NORMAL_QUEUE, URGENT_QUEUE
    from workers.relay import NOTHING, QueueHold, relay_batch

    client = stack.app.test_client()
    # A clock that stands still: the holds must not run out while the test submits.
    hold = QueueHold(stack.env["REDIS_URL"], clock_=lambda: 1000.0)
    graffiti = {"category": "HAERVAERK", "text": "Graffiti på muren ved skolen i går."}
    submit(client, 1, **graffiti)
    sent, left, queues = relay_batch()
    assert (sent, left, queues) == (1, 0, {NORMAL_QUEUE})
    hold.after_round(queues)
    assert hold.claimable() is None  # one task waiting: a busy worker, not a lag
    submit(client, 1, **graffiti)
    assert relay_batch()[:2] == (1, 0)
    hold.after_round(queues)  # no worker: two tasks wait in the queue
    assert hold.claimable() is True  # the urgent events only

    urgent_refs = submit(client, 1)  # VOLD: high urgency
    submit(client, 1, **graffiti)
    sent, left, queues = relay_batch(urgent=hold.claimable())
    assert (sent, queues) == (1, {URGENT_QUEUE})
    assert sum(e.published_at is None for e in events()) == 1  # the normal one, held
    submit(client, 1)
    assert relay_batch(urgent=True)[:2] == (1, 0)
    hold.after_round(queues)
    assert hold.claimable() is NOTHING  # two urgent tasks wait too

    stack.worker.start()
    assert relay_batch(urgent=False)[:2] == (1, 0)
    wait_for(
        lambda: all(e.handled_at is not None for e in events()), 60, what="every event handled"
    )
    assert urgent_refs[0] in {r["payload"]["reference"] for r in police_hook.delivered()}
    assert counts()["reports"] == 5

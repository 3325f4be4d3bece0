"""End to end and under faults, with a real Celery worker and beat, a real (private) Redis and
a real PostgreSQL. Each test prints its figures (run with -s to see them)."""

from __future__ import annotations

import time

import pytest
import redis
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery, DeliveryAttempt, OutboxEvent, Report, Unit
from meldecentral.services.delivery.send import max_attempts
from notifications.webhook import new_secret
from tests.conftest import auth
from tests.workers.conftest import wait_for
from tests.workers.receivers import SmtpReceiver, WebhookReceiver

pytestmark = [pytest.mark.workers, pytest.mark.slow]

NORREBRO = {"lat": 55.6960, "lon": 12.5450}


@pytest.fixture
def police_hook(stack):
    secret = new_secret()
    receiver = WebhookReceiver(secret)
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.webhook_url, police.webhook_secret = receiver.url, secret
    police.channels = {"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]}
    db.session.commit()
    yield receiver
    receiver.close()


def submit(client, n: int, **over) -> list[str]:
    refs = []
    for i in range(n):
        body = {"category": "VOLD", "text": f"Overfald nr. {i} i går aftes.", **NORREBRO, **over}
        # The text names an assault, past: under another category the 112 guard asks first.
        body.setdefault("confirm_not_emergency", True)
        res = client.post("/api/v1/reports", json=body)
        assert res.status_code == 201, res.json
        refs.append(res.json["reference"])
    return refs


def counts() -> dict:
    db.session.expire_all()
    q = db.session.scalar
    return {
        "reports": q(sa.select(sa.func.count(Report.id))),
        "assignments": q(sa.select(sa.func.count(Assignment.id))),
        "deliveries": q(sa.select(sa.func.count(Delivery.id))),
    }


def test_violence_in_norrebro_reaches_the_police_webhook(stack, police_hook):
    smtp = SmtpReceiver()
    stack.worker.env = stack.env | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port)}
    housing = db.session.scalar(sa.select(Unit).filter_by(code="HOUSING"))
    housing.email = "boligsocial@kommune.example"
    db.session.commit()
    stack.worker.start()
    client = stack.app.test_client()
    t0 = time.time()
    ref = submit(client, 1)[0]
    got = wait_for(police_hook.delivered, 30, what="the police webhook")
    latency = got[0]["at"] - t0
    print(f"\nsubmit -> police webhook: {latency * 1000:.0f} ms")
    assert got[0]["valid"], "the signature must verify"
    payload = got[0]["payload"]
    assert payload["reference"] == ref and payload["category"] == "VOLD"
    assert payload["district"] == 3 and payload["urgency"] == "high"
    assert "Overfald" not in got[0]["body"].decode()
    report = db.session.scalar(sa.select(Report).filter_by(reference=ref))
    assert [a.unit.code for a in report.assignments] == ["POLICE"]
    # The relay marks what it sent (within MARK_EVERY), so the sweeper leaves it alone.
    created = sa.select(OutboxEvent).where(OutboxEvent.topic == "report.created")
    marked = wait_for(
        lambda: db.session.expire_all() or db.session.scalars(created).one().published_at,
        10,
        what="the event marked published",
    )
    assert marked is not None

    # A neighbour conflict on an estate goes to housing, who use email.
    submit(client, 1, category="NABO", housing_estate=True)
    wait_for(lambda: smtp.messages, 30, what="an email")
    message = smtp.messages[0]
    assert message.rcpt_tos == ["boligsocial@kommune.example"]
    assert b"Nabokonflikt" in message.content and b"larm" not in message.content.lower()
    smtp.close()


def test_webhook_failing_three_times_then_succeeding(stack, police_hook):
    police_hook.codes = [500, 500, 500]
    stack.worker.start()
    submit(stack.app.test_client(), 1)
    wait_for(police_hook.delivered, 60, what="the fourth attempt")
    d = db.session.scalars(sa.select(Delivery).where(Delivery.channel == "webhook")).one()
    wait_for(lambda: db.session.refresh(d) or d.status == "sent", 10, what="sent status")
    attempts = db.session.scalars(
        sa.select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
    ).all()
    print(f"\nattempts: {[a.ok for a in attempts]}, requests seen: {len(police_hook.requests)}")
    assert [a.ok for a in attempts] == [False, False, False, True]
    assert len(police_hook.requests) == 4 and len(police_hook.delivered()) == 1


def test_receiver_down_for_good_is_dead_lettered(stack, police_hook, make_user_in):
    police_hook.close()  # nothing listens there any more
    stack.worker.start()
    submit(stack.app.test_client(), 1)
    d = wait_for(
        lambda: db.session.scalars(
            sa.select(Delivery).where(Delivery.channel == "webhook", Delivery.status == "dead")
        ).first(),
        60,
        interval=0.3,
        what="a dead letter",
    )
    assert d.attempts == max_attempts(stack.app.config)
    _, token = make_user_in(stack.app, "coordinator")
    dead = stack.app.test_client().get("/api/v1/deliveries/dead", headers=auth(token)).json
    assert [x["id"] for x in dead["items"]] == [d.id]
    print(f"\ndead-lettered after {d.attempts} attempts: {d.last_error}")


def test_a_resent_dead_letter_reaches_the_fixed_receiver(stack, police_hook, make_user_in):
    """No beat here, so no sweeper: the resend's outbox event, published by the app's relay,
    is what makes the worker send it."""
    police_hook.close()  # nothing listens there any more
    stack.worker.start()
    submit(stack.app.test_client(), 1)
    d = wait_for(
        lambda: db.session.scalars(
            sa.select(Delivery).where(Delivery.channel == "webhook", Delivery.status == "dead")
        ).first(),
        60,
        interval=0.3,
        what="a dead letter",
    )
    fixed = WebhookReceiver(police_hook.secret)
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.webhook_url = fixed.url  # the usual fix: the unit's address corrected
    db.session.commit()
    _, token = make_user_in(stack.app, "coordinator")
    res = stack.app.test_client().post(f"/api/v1/deliveries/{d.id}/resend", headers=auth(token))
    assert res.status_code == 200
    try:
        got = wait_for(fixed.delivered, 30, what="the resent webhook")
        assert got[0]["valid"] and got[0]["headers"]["webhook-id"] == f"msg_{d.id}"
        wait_for(
            lambda: db.session.expire_all() or db.session.get(Delivery, d.id).status == "sent",
            10,
            what="sent status",
        )
    finally:
        fixed.close()


def test_redis_down_while_reports_are_submitted(stack, police_hook):
    stack.worker.start()
    stack.beat.start()
    client = stack.app.test_client()
    submit(client, 2)
    wait_for(lambda: len(police_hook.delivered()) == 2, 30, what="the first two")
    # ... and their tasks acknowledged: a task running across the outage is
    # test_relay_process.py's. This test is about submissions while Redis is down.
    broker = redis.Redis.from_url(stack.redis.url)
    wait_for(lambda: broker.hlen("unacked") == 0, 30, what="the first tasks acknowledged")
    broker.close()

    stack.redis.stop()
    slowest = 0.0
    refs = []
    for _ in range(20):
        t = time.monotonic()
        refs += submit(client, 1)
        slowest = max(slowest, time.monotonic() - t)
    stack.redis.start()  # same port, empty: whatever was queued is gone
    restarted = []

    def all_delivered() -> bool:
        assert stack.worker.proc.poll() is None, "the worker must outlive the broker"
        # Beat may end when the stop cuts its connection; in production the supervisor starts
        # it again, here the test does.
        if stack.beat.restart_if_exited():
            restarted.append("beat")
        return len(police_hook.delivered()) == 22

    try:
        wait_for(all_delivered, 90, interval=0.5, what="all 22 webhooks")
    except AssertionError as exc:
        logs = "\n".join(f"--- {n}.log\n{getattr(stack, n).tail()}" for n in ("worker", "beat"))
        raise AssertionError(f"{exc}; restarted: {restarted}\n{logs}") from None
    c = counts()
    dupes = len(police_hook.requests) - len(police_hook.delivered())
    print(
        f"\nRedis down: 20 submitted (slowest POST {slowest * 1000:.0f} ms), "
        f"{c['assignments']} assignments for {c['reports']} reports, "
        f"{len(police_hook.delivered())} webhooks delivered, {dupes} repeated requests, "
        f"restarted: {restarted or 'none'}"
    )
    assert c == {"reports": 22, "assignments": 22, "deliveries": 22}
    assert slowest < 5, "a POST must not wait on the broker"
    delivered_refs = {r["payload"]["reference"] for r in police_hook.delivered()}
    assert set(refs) <= delivered_refs


def test_worker_killed_in_the_middle_of_routing(stack, police_hook):
    client = stack.app.test_client()
    refs = submit(client, 60)  # queued while no worker runs
    stack.beat.start()
    stack.worker.start()
    wait_for(
        lambda: len(police_hook.delivered()) >= 5, 60, interval=0.05, what="the first webhooks"
    )
    stack.worker.kill()  # SIGKILL to the main process and its pool
    at_kill = len(police_hook.delivered())
    stack.worker.start()
    wait_for(lambda: len(police_hook.delivered()) == 60, 120, interval=0.5, what="all 60 webhooks")
    c = counts()
    repeated = len(police_hook.requests) - len(police_hook.delivered())
    print(
        f"\nworker killed after {at_kill} of 60 webhooks; afterwards {c['assignments']} "
        f"assignments, {c['deliveries']} deliveries, {repeated} repeated requests"
    )
    assert c == {"reports": 60, "assignments": 60, "deliveries": 60}
    assert {r["payload"]["reference"] for r in police_hook.delivered()} == set(refs)

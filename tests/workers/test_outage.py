"""A webhook receiver down for a while, with a real worker, beat and Redis, and a compressed
retry schedule (tests/workers/conftest.py): every alert arrives exactly once, none is
dead-lettered. bench/outage.py replays it with the real schedule and two minutes down."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Delivery, Unit
from notifications.webhook import new_secret
from tests.workers.conftest import wait_for
from tests.workers.receivers import OutageReceiver

pytestmark = [pytest.mark.workers, pytest.mark.slow]

NORREBRO = {"lat": 55.6960, "lon": 12.5450}
# The real schedule's shape, compressed; the waits of 3 s and more are the database's (the
# sweeper's), not countdowns. Down for longer than six quick retries last, well within it.
SCHEDULE = "0.2,1,3,6,10"
DOWN_SECONDS = 6


def test_a_webhook_outage_loses_no_alert_and_sends_none_twice(stack):
    secret = new_secret()
    receiver = OutageReceiver(secret)
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.webhook_url, police.webhook_secret = receiver.url, secret
    police.channels = {"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]}
    db.session.commit()
    stack.worker.env = stack.env | {
        "DELIVERY_RETRY_SCHEDULE": SCHEDULE,
        "DELIVERY_COUNTDOWN_MAX_SECONDS": "1",
    }
    stack.worker.start()
    stack.beat.start()
    client = stack.app.test_client()

    submitted = []

    def submit(n: int) -> None:
        for i in range(n):
            submitted.append(i)
            body = {"category": "VOLD", "text": f"Overfald nr. {i} i går aftes.", **NORREBRO}
            assert client.post("/api/v1/reports", json=body).status_code == 201

    try:
        submit(3)
        wait_for(lambda: len(receiver.delivered()) == 3, 30, what="the first alerts")
        receiver.down()
        down_at = time.monotonic()
        while time.monotonic() - down_at < DOWN_SECONDS:
            submit(1)
            time.sleep(0.5)
        receiver.up()
        submit(3)
        total = len(submitted)  # each a violence report: one alert, to the police's webhook
        wait_for(lambda: len(receiver.delivered()) == total, 60, what="every alert")
        time.sleep(3)  # nothing more arrives: no retry of what was accepted
        accepted = receiver.once_each()
        db.session.expire_all()
        statuses = db.session.scalars(sa.select(Delivery.status)).all()
        assert len(statuses) == total
        refused = sum(1 for d in db.session.scalars(sa.select(Delivery)) if d.attempts > 1)
        print(f"\n{total} alerts, {refused} retried after the outage, all delivered once")
        assert len(accepted) == total and set(accepted.values()) == {1}
        assert set(statuses) == {"sent"}, statuses  # none dead-lettered
        assert refused > 0  # the outage did refuse some
        assert all(r["valid"] for r in receiver.delivered())
    finally:
        receiver.close()

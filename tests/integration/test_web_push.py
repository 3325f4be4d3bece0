"""Web Push (issue 19): staff turn alerts on for a browser; a unit whose channels include
"webpush" gets its alerts on its members' phones; a street worker is told on theirs when their
report is routed and when it is closed; a subscription the push service calls gone is removed,
and an alert that reached no phone is a dead letter, like any channel's. The pushes go to a
push service on this machine and are decrypted with the subscription's keys."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import notifications
from meldecentral import vapid
from meldecentral.domain import events
from meldecentral.extensions import db
from meldecentral.models import Delivery, OutboxEvent, PushSubscription, Unit
from meldecentral.services.delivery import push, send
from notifications.webpush import WebPushChannel
from tests.factories import VIOLENCE, drain, file_report, move, signed_in
from tests.pushutil import Browser, PushService

PUSH_ONLY = {"high": ["webpush"], "normal": ["webpush"], "low": ["webpush"]}


@pytest.fixture(scope="module")
def service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def pushing(app, service):
    """The web push channel with a key of its own (the test configuration has none)."""
    service.received.clear()
    service.status.clear()
    keys = vapid.generate()
    previous = notifications.get("webpush")
    notifications.register(
        WebPushChannel(
            private_key=keys["private"],
            site="http://localhost",
            subscriptions=push.subscriptions_for,
            outcome=push.record_outcome,
        )
    )
    yield service
    notifications.register(previous)


def subscribe(client, browser: Browser, endpoint: str):
    token = client.get("/staff/api/csrf").json["token"]
    return client.post(
        "/staff/push/subscribe",
        json={**browser.subscription(endpoint), "expirationTime": None},
        headers={"X-CSRFToken": token},
    )


def send_all(channel: str = "webpush") -> list[Delivery]:
    pending = db.session.scalars(
        sa.select(Delivery).where(Delivery.channel == channel, Delivery.status != "sent")
    ).all()
    for delivery in pending:
        send.attempt(delivery.id, claimed=delivery.status == "sending")
    db.session.expire_all()
    return pending


def test_alerts_reach_the_units_phones_and_the_street_workers(app, client, make_user, pushing):
    police_unit = db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE"))
    police_unit.channels = PUSH_ONLY
    db.session.commit()
    worker, worker_user = signed_in(app, "street_worker")
    member, _ = signed_in(app, "unit_member", "POLICE")
    worker_phone, member_phone = Browser(), Browser()
    assert subscribe(worker, worker_phone, f"{pushing.url}/w").status_code == 201
    assert subscribe(member, member_phone, f"{pushing.url}/m").status_code == 201

    report = file_report(worker, category="TYVERI")  # routed to the police by the rules
    drain()
    send_all()
    pushed = {
        path: json.loads(phone.decrypt(body))
        for (path, _, body), phone in zip(
            sorted(pushing.received), (member_phone, worker_phone), strict=True
        )
    }
    assert pushed["/m"]["type"] == "assignment.routed"
    assert pushed["/w"]["type"] == "report.routed"
    for payload in pushed.values():
        assert payload["reference"] == report.reference
        assert set(payload) == {"type", "reference", "link", "urgency", "message_id"}
    assert pushed["/w"]["link"].endswith(f"/staff/reports/{report.id}")
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(PushSubscription.last_success_at.is_not(None))
        )
        == 2
    )

    # Closed by the police: the street worker is told; their browser is gone meanwhile.
    pushing.status["/w"] = 410
    _, police = make_user("unit_member", "POLICE")
    (assignment,) = report.assignments
    assert move(client, police, assignment.id, "acknowledged").status_code == 200
    assert move(client, police, assignment.id, "closed", "Anmeldt.").status_code == 200
    drain()
    (closed,) = send_all()
    assert closed.dedupe_key == f"staff:resolved:{report.id}"
    assert closed.recipient == f"user:{worker_user.id}"
    assert closed.status == "dead"  # seen by the coordinators, as any undelivered alert
    owners = db.session.scalars(sa.select(PushSubscription.user_id)).all()
    assert worker_user.id not in owners  # removed on the push service's 410


def test_a_residents_routed_report_asks_for_no_street_workers_push(app, client):
    """The status event says whether staff wrote the report: a resident's needs no look-up of
    an author's subscriptions, a street worker's does (above)."""
    rid = client.post("/api/v1/reports", json=VIOLENCE).json["id"]
    drain()
    payloads = db.session.scalars(
        sa.select(OutboxEvent.payload).where(OutboxEvent.topic == events.REPORT_STATUS_CHANGED)
    ).all()
    mine = [p for p in payloads if p["report_id"] == rid]
    assert mine and all(p["staff_author"] is False for p in mine)
    assert not db.session.scalars(
        sa.select(Delivery).where(Delivery.report_id == rid, Delivery.audience == "staff")
    ).all()


def test_a_subscription_is_checked_and_kept_once_per_browser(app):
    worker, worker_user = signed_in(app, "street_worker")
    browser = Browser()
    token = worker.get("/staff/api/csrf").json["token"]
    bad = worker.post(
        "/staff/push/subscribe",
        json={"endpoint": "not a url", "keys": {"auth": "x"}},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"endpoint", "keys"}
    assert subscribe(worker, browser, "https://push.example.org/a").status_code == 201
    assert subscribe(worker, browser, "https://push.example.org/a").status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 1
    # Without a subscription a street worker's report plans no push at all.
    off = worker.post(
        "/staff/push/unsubscribe",
        json={"endpoint": "https://push.example.org/a"},
        headers={"X-CSRFToken": token},
    )
    assert off.json == {"unsubscribed": True}
    file_report(worker)
    drain()
    assert (
        db.session.scalar(sa.select(sa.func.count(Delivery.id)).where(Delivery.audience == "staff"))
        == 0
    )


def test_the_service_worker_is_served_from_the_root_with_the_apps_version(client):
    from meldecentral.web.pwa import app_version

    res = client.get("/sw.js")
    assert res.status_code == 200
    assert res.headers["Service-Worker-Allowed"] == "/"
    assert res.headers["Cache-Control"] == "no-cache"
    assert res.mimetype == "text/javascript"
    body = res.get_data(as_text=True)
    assert f'var VERSION = "{app_version()}";' in body  # the cache's name: mc-shell-<version>
    assert '"/vendor/leaflet/leaflet.js"' in body and '"/staff/report"' in body
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["scope"] == "/" and manifest.json["icons"]

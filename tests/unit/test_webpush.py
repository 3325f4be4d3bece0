"""The Web Push channel against a push service on this machine: the push is VAPID-signed and
encrypted so that only the subscription's browser can read it, and what it carries is thin;
a gone subscription (404/410) is reported to be removed; a failing push service is retried."""

from __future__ import annotations

import json

import pytest

from meldecentral import vapid
from notifications import DeliveryError, Message
from notifications.webpush import Subscription, WebPushChannel
from tests.pushutil import Browser, PushService


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def service(push_service):
    push_service.received.clear()
    push_service.status.clear()
    return push_service


def message(**payload) -> Message:
    return Message(
        channel="webpush",
        recipient="7",
        subject="[HIGH] New report MC-AAAA-BBBB: Vold, Nørrebro",
        body="a body the push must not carry",
        payload={
            "type": "assignment.routed",
            "reference": "MC-AAAA-BBBB",
            "report_id": 12,
            "category": "VOLD",
            "district": 3,
            "urgency": "high",
            "link": "http://localhost:5000/staff/reports/12",
            **payload,
        },
        message_id="msg_41",
    )


def channel(targets, outcomes=None, **kw) -> WebPushChannel:
    keys = vapid.generate()
    record = outcomes.append if outcomes is not None else None
    return WebPushChannel(
        private_key=keys["private"],
        site="http://localhost:5000",
        subscriptions=lambda recipient: targets,
        outcome=(lambda **o: record(o)) if record else None,
        **kw,
    )


def target(n: int, service: PushService, browser: Browser) -> Subscription:
    sub = browser.subscription(f"{service.url}/push/{n}")
    return Subscription(n, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])


def test_the_push_is_signed_encrypted_and_thin(service):
    browser, outcomes = Browser(), []
    receipt = channel([target(1, service, browser)], outcomes).send(message())
    assert receipt == "pushed to 1 of 1"
    assert outcomes == [{"delivered": [1], "gone": []}]
    ((path, headers, body),) = service.received
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert headers["urgency"] == "high" and int(headers["ttl"]) > 0
    assert b"MC-AAAA-BBBB" not in body  # encrypted: the push service cannot read it
    payload = json.loads(browser.decrypt(body))
    assert payload == {
        "type": "assignment.routed",
        "reference": "MC-AAAA-BBBB",
        "link": "http://localhost:5000/staff/reports/12",
        "urgency": "high",
        "message_id": "msg_41",
    }  # no category, district, text or subject


def test_gone_subscriptions_are_reported_and_the_rest_still_get_it(service):
    service.status["/push/1"] = 410
    outcomes = []
    targets = [target(1, service, Browser()), target(2, service, Browser())]
    assert channel(targets, outcomes).send(message()) == "pushed to 1 of 2"
    assert outcomes == [{"delivered": [2], "gone": [1]}]


@pytest.mark.parametrize(("status", "permanent"), [(404, True), (410, True), (500, False)])
def test_nothing_delivered_is_permanent_only_when_every_subscription_is_gone(
    service, status, permanent
):
    service.status["/push/1"] = status
    with pytest.raises(DeliveryError) as failed:
        channel([target(1, service, Browser())]).send(message())
    assert failed.value.permanent is permanent


def test_without_key_or_subscriptions_nothing_is_sent(service):
    with pytest.raises(DeliveryError) as failed:
        channel([]).send(message())
    assert failed.value.permanent
    unconfigured = WebPushChannel(subscriptions=lambda r: [target(1, service, Browser())])
    with pytest.raises(DeliveryError, match="not configured"):
        unconfigured.send(message())
    assert service.received == []

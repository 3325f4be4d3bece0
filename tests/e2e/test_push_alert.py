"""Issue 19: a push alert reaches the phone's page (360x740). A unit member's browser has a push
subscription (keys made here, the endpoint a push service on this machine: headless Chromium
has no push service of its own); a report routed to the unit makes the server push the alert,
VAPID-signed and encrypted to those keys; the push service's copy, decrypted with them, is
what the browser would decrypt, and is handed to the page's service worker through the
DevTools protocol (ServiceWorker.deliverPushMessage), which shows the notification.

What this proves: the server's real push for a real alert (not a payload written by the test)
reaches the service worker, which shows it with the reference and the words for its kind. What
it does not: the browser's own subscribe call against a real push service, and a real push
service delivering to Chromium (the decryption is the test's, with the subscription's keys)."""

from __future__ import annotations

import json

import sqlalchemy as sa

import notifications
from meldecentral import vapid
from meldecentral.extensions import db
from meldecentral.models import Delivery, Report, Unit
from meldecentral.services.delivery import push, send
from notifications.webpush import WebPushChannel
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_offline_app import PHONE_360, poll
from tests.factories import submit_report
from tests.pushutil import Browser, PushService

PUSH_ONLY = {"high": ["webpush"], "normal": ["webpush"], "low": ["webpush"]}


def test_a_units_alert_is_pushed_and_shown_on_the_phone(full_browser, live):
    service, phone = PushService(), Browser()
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
    live.app.config["WEBPUSH_VAPID_PUBLIC_KEY"] = keys["public"]
    with live.app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE"))
        before, unit.channels = unit.channels, PUSH_ONLY
        db.session.commit()
        db.session.remove()
    context = full_browser.new_context(
        viewport=PHONE_360, is_mobile=True, has_touch=True, locale="da-DK"
    )
    context.grant_permissions(["notifications"], origin=live.url)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, live, "POLICE")
        page.goto(live.url + "/staff/inbox")
        # The staff nav offers alerts on this phone (the browser asks on the click only).
        page.wait_for_selector("[data-push-toggle]:not([hidden])")
        shot(page, "92-push-button")
        poll(page, "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
        subscription = phone.subscription(f"{service.url}/police-phone")
        answer = page.evaluate(
            """(sub) => fetch('/staff/push/subscribe', {method: 'POST',
                 headers: {'Content-Type': 'application/json',
                           'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
                 body: JSON.stringify(sub)}).then(r => r.status)""",
            subscription,
        )
        assert answer == 201

        with live.app.app_context():
            rid = submit_report(live.app.test_client())  # violence: routed to the police
            reference = db.session.get(Report, rid).reference
            db.session.remove()
        live.drain()
        with live.app.app_context():
            for delivery in db.session.scalars(
                sa.select(Delivery).where(Delivery.report_id == rid, Delivery.channel == "webpush")
            ).all():
                send.attempt(delivery.id, claimed=delivery.status == "sending")
            db.session.remove()
        ((path, _, body),) = service.received
        assert path == "/police-phone"
        data = phone.decrypt(body).decode()
        assert json.loads(data)["reference"] == reference

        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda e: registrations.extend(e["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        # The registrations come as events; evaluating in the page lets them arrive.
        for _ in range(100):
            if any(not r.get("isDeleted") for r in registrations):
                break
            page.evaluate("1")
        live_ones = [r for r in registrations if not r.get("isDeleted")]
        assert live_ones, "the DevTools protocol reported no service worker registration"
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live.url, "registrationId": live_ones[0]["registrationId"], "data": data},
        )
        shown = poll(
            page,
            "navigator.serviceWorker.ready.then(r => r.getNotifications())"
            ".then(list => list.map(n => n.title + ' | ' + n.body + ' | ' + n.data.url))"
            ".then(texts => texts.length ? texts : null)",
        )
        # A click opens the report, on this site (the link's path, whatever PUBLIC_BASE_URL).
        assert shown == [f"Meldecentral | Ny melding {reference} | {live.url}/staff/reports/{rid}"]
    finally:
        context.close()
        service.close()
        notifications.register(previous)
        live.app.config["WEBPUSH_VAPID_PUBLIC_KEY"] = None
        with live.app.app_context():
            unit = db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE"))
            unit.channels = before
            db.session.commit()
            db.session.remove()

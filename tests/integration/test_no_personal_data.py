"""No personal data in logs, task arguments, URLs or notification payloads (ASVS V7.1.1,
V8.3.1): a resident's report with distinctive contact details and text goes through the whole
flow (routing, alerts, a public update, an outcome, the reporter told, a failed send retried)
and none of those strings turn up anywhere but where they belong."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

import notifications
from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    AccessLog,
    Delivery,
    DeliveryAttempt,
    InAppNotification,
    OutboxEvent,
    Report,
    ReportEvent,
    Unit,
)
from meldecentral.services.delivery import send
from notifications import DeliveryError
from tests.conftest import NORREBRO, auth
from tests.factories import drain
from workers.relay import publish_events
from workers.tasks import enqueue_deliveries

NAME = "Zebulon Quixfeather"
EMAIL = "zebulon.quixfeather@example.org"
PHONE = "+45 71 23 98 46"
TEXT = "Naboen Ulrikke Vandmand i opgang 7B truer mig hver aften klokken 23."
SECRETS = (NAME, EMAIL, PHONE, "71 23 98 46", "Quixfeather", "Ulrikke Vandmand", TEXT)


class RecordingChannel:
    """Stands in for e-mail and SMS; the first send to each reporter address fails with an
    error that quotes the address, as SMTP servers do."""

    def __init__(self, name: str):
        self.name = name
        self.sent: list = []
        self.failed: set[str] = set()

    def send(self, message):
        if message.payload.get("type") == "report.update" and message.recipient not in self.failed:
            self.failed.add(message.recipient)
            raise DeliveryError(f"SMTP 451 <{message.recipient}>: try again later")
        self.sent.append(message)
        return "250 ok"


@pytest.fixture
def channels(monkeypatch):
    fakes = {name: RecordingChannel(name) for name in ("email", "sms", "webhook")}
    for fake in fakes.values():
        monkeypatch.setitem(notifications.base._registry, fake.name, fake)
    return fakes


@pytest.fixture
def tasks(app, monkeypatch):
    sent = []
    celery = app.extensions["celery"]
    monkeypatch.setattr(celery, "send_task", lambda name, **kw: sent.append((name, kw)))
    return sent


def leaks(text) -> list[str]:
    text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
    return [s for s in SECRETS if s.lower() in text.lower()]


def test_contact_details_and_text_stay_where_they_belong(
    app, client, make_user, channels, tasks, caplog
):
    caplog.set_level(logging.DEBUG)
    # alembic.ini pins these at WARN; an operator turning SQL logging on must not leak either.
    for name in ("sqlalchemy.engine", "meldecentral", "workers", "notifications"):
        caplog.set_level(logging.DEBUG, logger=name)
    for unit in db.session.scalars(sa.select(Unit)):
        unit.email, unit.sms_number = f"{unit.code.lower()}@kk.example", "+4533660000"
        unit.webhook_url = "https://hooks.kk.example/in"
    db.session.commit()
    _, coord = make_user("coordinator")
    _, housing = make_user("unit_member", "HOUSING")
    urls = []

    res = client.post(
        "/api/v1/reports",
        json={
            "category": "NABO",
            "text": TEXT,
            **NORREBRO,
            "contact": {"name": NAME, "email": EMAIL, "phone": PHONE},
        },
    )
    assert res.status_code == 201, res.json
    urls += [res.headers["Location"], *res.json["links"].values()]
    rid = res.json["id"]
    drain()  # routed by the rules (to HOUSING) and the unit alerted
    (assignment,) = client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json["assignments"]
    note = client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "Vi har talt med viceværten.", "visibility": "public"},
        headers=auth(housing),
    )
    assert note.status_code == 201
    for status, outcome in (("acknowledged", None), ("closed", "Boligselskabet har grebet ind.")):
        body = {"status": status} | ({"outcome": outcome} if outcome else {})
        res = client.post(
            f"/api/v1/assignments/{assignment['id']}/transitions", json=body, headers=auth(housing)
        )
        assert res.status_code == 200, res.json
    delivery_ids = drain()
    assert delivery_ids
    for delivery_id in delivery_ids:  # as the worker does: it planned them, it sends them
        send.attempt(delivery_id, claimed=True)
    start = clock.now()
    for n in range(3):  # then the retries of the reporter's failed e-mail, each when it is due
        for delivery_id in db.session.scalars(
            sa.select(Delivery.id).where(Delivery.status == "pending")
        ):
            with clock.at(start + timedelta(hours=13 * (n + 1))):
                send.attempt(delivery_id)
    db.session.expire_all()

    # The reporter was told, at their address, and only that message carries it.
    to_reporter = [m for m in channels["email"].sent if m.recipient == EMAIL]
    assert len(to_reporter) == 2  # the public update and the outcome
    for fake in channels.values():
        for message in fake.sent:
            assert not leaks([message.subject, message.body, message.payload]), message
            if message.recipient != EMAIL:
                assert not leaks(message.recipient)

    # Rows that are not the report or its contact hold none of it.
    for row in db.session.scalars(sa.select(OutboxEvent)):
        assert not leaks(row.payload), row.payload
    for row in db.session.scalars(sa.select(Delivery)):
        assert not leaks([row.subject, row.body, row.payload, row.recipient, row.last_error])
    for row in db.session.scalars(sa.select(DeliveryAttempt)):
        assert not leaks([row.receipt, row.error]), row.error
    for row in db.session.scalars(sa.select(InAppNotification)):
        assert not leaks([row.subject, row.link])
    for row in db.session.scalars(sa.select(ReportEvent)):
        assert not leaks(row.data), row.data
    for row in db.session.scalars(sa.select(AccessLog)):
        assert not leaks([row.report_reference, row.role, row.action, row.request_id])

    # Celery tasks get ids only.
    publish_events(list(db.session.scalars(sa.select(OutboxEvent.id))), force=True)
    enqueue_deliveries(list(db.session.scalars(sa.select(Delivery.id))))
    assert tasks
    for name, kwargs in tasks:
        assert all(isinstance(arg, int) for arg in kwargs["args"]), (name, kwargs)
        assert set(kwargs.get("headers") or {}) <= {"request_id"}
        assert not leaks(kwargs)

    # URLs carry ids and references only.
    urls += [row.payload.get("link", "") for row in db.session.scalars(sa.select(Delivery))]
    assert all(not leaks(url) for url in urls), urls

    # Logs, at DEBUG, SQL included.
    logged = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert logged  # (something was logged, or this proves nothing)
    found = [line for line in logged if leaks(line)]
    assert not found, found[:3]
    # The report and its contact are where they should be.
    assert db.session.get(Report, rid).contact.email == EMAIL

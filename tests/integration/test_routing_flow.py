"""Routing, notifications and escalation, driven in-process (no broker) on SQLite and
PostgreSQL. The same code under a real Celery worker is in tests/workers/."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Delivery,
    OutboxEvent,
    Report,
    ReportEvent,
    RoutingDecision,
    Unit,
)
from meldecentral.services.delivery import send
from meldecentral.services.delivery.send import max_attempts
from meldecentral.services.routing import escalation
from notifications.webhook import verify
from tests.conftest import auth
from tests.factories import drain, submit_report
from workers.handlers import handle


def submit(client, **over) -> Report:
    return db.session.get(Report, submit_report(client, **over))


def units_of(report_id):
    return sorted(
        db.session.scalars(
            sa.select(Unit.code).join(Assignment).where(Assignment.report_id == report_id)
        )
    )


def test_violence_in_norrebro_goes_to_the_police_with_a_trace(client):
    report = submit(client)
    drain()
    assert units_of(report.id) == ["POLICE"]
    decision = db.session.scalars(sa.select(RoutingDecision)).one()
    assert decision.explanation.startswith("routed to POLICE because rule 11")
    assert "category VOLD" in decision.explanation
    assignment = db.session.scalars(sa.select(Assignment)).one()
    # high urgency: 4 hours on the clock
    assert assignment.ack_deadline - assignment.created_at == timedelta(hours=4)
    assert assignment.reason == decision.explanation
    db.session.refresh(report)
    assert report.status == "routed"


def test_young_person_goes_to_ssp_and_bbu_with_a_24h_screening(client):
    report = submit(client, category="UNG", minor_involved=True)
    drain()
    assert units_of(report.id) == ["BBU", "SSP"]
    bbu = db.session.scalar(sa.select(Assignment).join(Unit).where(Unit.code == "BBU"))
    assert bbu.ack_deadline - bbu.created_at <= timedelta(hours=24)


def test_redelivered_events_create_nothing_twice(client):
    report = submit(client)
    drain()
    before = (units_of(report.id), db.session.scalar(sa.select(sa.func.count(Delivery.id))))
    # every event handled again, as after a redelivery
    db.session.execute(sa.update(OutboxEvent).values(handled_at=None))
    db.session.commit()
    drain()
    after = (units_of(report.id), db.session.scalar(sa.select(sa.func.count(Delivery.id))))
    assert before == after and before[1] > 0
    assert db.session.scalar(sa.select(sa.func.count(RoutingDecision.id))) == 1


def test_what_no_rule_matches_waits_for_the_coordinators(client, app, make_user):
    from meldecentral.services.routing import rulebook

    municipality_id = db.session.scalar(sa.select(Unit.municipality_id).limit(1))
    rulebook.replace_rules(
        municipality_id,
        [{"id": 1, "name": "Only VOLD", "order": 1, "categories": ["VOLD"], "units": ["POLICE"]}],
    )
    report = submit(client, category="NABO")
    drain()
    assert units_of(report.id) == []
    db.session.refresh(report)
    assert report.status == "received"
    decision = db.session.scalars(sa.select(RoutingDecision)).one()
    assert decision.unrouted and "coordinators" in decision.explanation
    _, coord = make_user("coordinator")
    detail = client.get(f"/api/v1/reports/{report.id}", headers=auth(coord)).json
    assert detail["routing"][0]["unrouted"] is True


def test_changing_the_category_routes_again(client, make_user):
    _, coord = make_user("coordinator")
    report = submit(client, category="NABO", housing_estate=True)
    drain()
    assert units_of(report.id) == ["HOUSING"]
    res = client.patch(
        f"/api/v1/reports/{report.id}",
        json={"category": "NARKO", "lat": 55.66, "lon": 12.61},
        headers=auth(coord),
    )
    assert res.status_code == 200, res.json
    drain()
    assert units_of(report.id) == ["HOUSING", "POLICE"]
    detail = client.get(f"/api/v1/reports/{report.id}", headers=auth(coord)).json
    assert [r["trigger"] for r in detail["routing"]] == ["created", "changed"]
    assert detail["routing"][1]["added_units"] == ["POLICE"]
    assert detail["district"] == 9 and detail["category"] == "NARKO"
    changed = [h for h in detail["history"] if h["action"] == "changed"][0]
    assert changed["data"]["category"] == ["NABO", "NARKO"]
    # the text as submitted is unchanged
    assert detail["text"] == "Overfald ved stationen i går."


def test_change_refused_for_a_unit_member(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    report = submit(client)
    drain()
    res = client.patch(
        f"/api/v1/reports/{report.id}", json={"category": "NABO"}, headers=auth(police)
    )
    assert res.status_code == 403


class Receiver:
    """A local webhook receiver that answers with a scripted list of status codes."""

    def __init__(self, codes):
        self.codes = list(codes)
        self.requests = []
        receiver = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def police_webhook(app):
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.channels = {"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]}
    police.webhook_secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receivers = []

    def make(codes=()):
        r = Receiver(codes)
        receivers.append(r)
        police.webhook_url = r.url
        db.session.commit()
        return r

    yield make
    for r in receivers:
        r.close()


def run_deliveries(ids, rounds=10):
    """Attempt each delivery, and retry the pending ones at once (time moved forward)."""
    outcomes = []
    start = clock.now()
    for n in range(rounds):
        pending = []
        for i in ids:
            # Later than the longest wait of the schedule (with its jitter) each round.
            with clock.at(start + timedelta(hours=13 * (n + 1))):
                o = send.attempt(i)
            outcomes.append(o.status)
            if o.status == "pending":
                pending.append(i)
        ids = pending
        if not ids:
            break
    return outcomes


def test_webhook_retries_then_delivers_once(client, app, police_webhook):
    receiver = police_webhook([500, 500, 500, 200])
    submit(client)
    ids = drain()
    assert len(ids) == 1
    assert run_deliveries(ids) == ["pending", "pending", "pending", "sent"]
    d = db.session.get(Delivery, ids[0])
    assert d.status == "sent" and d.attempts == 4
    assert [a.ok for a in d.attempt_log] == [False, False, False, True]
    assert len(receiver.requests) == 4
    headers, body = receiver.requests[-1]
    assert verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, body)
    payload = json.loads(body)
    assert payload["reference"].startswith("MC-") and payload["category"] == "VOLD"
    assert "Overfald" not in body.decode()  # never the report's text
    # all four tries carried the same webhook-id, so the receiver can deduplicate
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1


def test_receiver_down_for_good_is_dead_lettered_and_resendable(
    client, app, police_webhook, make_user
):
    receiver = police_webhook([500] * 20)
    submit(client)
    ids = drain()
    statuses = run_deliveries(ids)
    assert statuses[-1] == "dead" and len(statuses) == max_attempts(app.config)
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    dead = client.get("/api/v1/deliveries/dead", headers=auth(coord)).json["items"]
    assert [d["id"] for d in dead] == ids and dead[0]["last_error"]
    assert len(dead[0]["attempt_log"]) == max_attempts(app.config)
    assert client.get("/api/v1/deliveries/dead", headers=auth(police)).status_code == 403
    receiver.codes = []  # fixed
    res = client.post(f"/api/v1/deliveries/{ids[0]}/resend", headers=auth(coord))
    assert res.status_code == 200 and res.json["status"] == "pending"
    assert run_deliveries(ids) == ["sent"]
    assert client.get("/api/v1/deliveries/dead", headers=auth(coord)).json["items"] == []


def test_a_resend_is_recorded_in_the_outbox_and_sent_by_the_worker(
    client, app, police_webhook, make_user, monkeypatch
):
    from workers import tasks

    receiver = police_webhook([500] * 20)
    submit(client)
    ids = drain()
    assert run_deliveries(ids)[-1] == "dead"
    _, coord = make_user("coordinator")
    receiver.codes = []  # fixed
    res = client.post(f"/api/v1/deliveries/{ids[0]}/resend", headers=auth(coord))
    assert res.status_code == 200 and res.json["status"] == "pending"
    # In the resend's own transaction: an event with ids only, for the worker (or, with the
    # broker down, the outbox sweeper) to pick up; the request handed nothing to a worker.
    event = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.topic == "delivery.resend")
    ).one()
    assert event.payload == {"delivery_id": ids[0]} and event.urgent
    assert event.published_at is None and event.handled_at is None
    queued = []
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda i, countdown=None: queued.append(i))
    # As the worker's task runs it (in this app: the task itself would take the app its Celery
    # was made for): the delivery is claimed and sent at once.
    tasks._handle_one(event.id)
    db.session.expire_all()
    delivery = db.session.get(Delivery, ids[0])
    assert delivery.status == "sent" and delivery.attempts == 1 and queued == []
    assert len(receiver.requests) == max_attempts(app.config) + 1
    tasks._handle_one(event.id)  # the event again (published twice): nothing is sent again
    assert len(receiver.requests) == max_attempts(app.config) + 1


def test_a_resend_already_claimed_by_the_sweeper_is_not_sent_twice(
    client, app, police_webhook, make_user
):
    from workers.handlers import handle

    police_webhook([500] * 20)
    submit(client)
    ids = drain()
    run_deliveries(ids)
    _, coord = make_user("coordinator")
    client.post(f"/api/v1/deliveries/{ids[0]}/resend", headers=auth(coord))
    assert send.attempt(ids[0]).status == "pending"  # the sweeper's task was quicker, and failed
    event_id = db.session.scalar(
        sa.select(OutboxEvent.id).where(OutboxEvent.topic == "delivery.resend")
    )
    assert handle(event_id) == []  # its retry is the deliver task's, at its time


def test_a_unit_without_an_address_is_visible_not_silent(client, app):
    submit(client)  # POLICE has no SMS number or webhook in the demo configuration
    ids = drain()
    assert ids
    statuses = {send.attempt(i, claimed=True).status for i in ids}
    assert statuses == {"dead"}
    errors = set(db.session.scalars(sa.select(Delivery.last_error)))
    assert any("no webhook address" in e or "no sms address" in e for e in errors)


def test_reporter_is_told_of_public_updates_and_outcome(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    report = submit(client, contact={"email": "borger@example.org"})
    drain()
    assignment = db.session.scalars(sa.select(Assignment)).one()
    client.post(
        f"/api/v1/assignments/{assignment.id}/transitions",
        json={"status": "acknowledged"},
        headers=auth(police),
    )
    client.post(
        f"/api/v1/reports/{report.id}/notes",
        json={"body": "Vi kigger på det.", "visibility": "public"},
        headers=auth(police),
    )
    client.post(
        f"/api/v1/reports/{report.id}/notes",
        json={"body": "internt", "visibility": "internal"},
        headers=auth(police),
    )
    client.post(
        f"/api/v1/assignments/{assignment.id}/transitions",
        json={"status": "closed", "outcome": "Patruljering øget."},
        headers=auth(police),
    )
    drain()
    to_reporter = db.session.scalars(
        sa.select(Delivery).where(Delivery.audience == "reporter").order_by(Delivery.id)
    ).all()
    assert [d.dedupe_key.split(":")[1] for d in to_reporter] == ["note", "closed"]
    for d in to_reporter:
        assert d.recipient is None  # looked up when sending, never copied
        assert "borger@" not in d.body and report.reference in d.body


def test_escalation_of_an_overdue_assignment(client):
    report = submit(client)  # high urgency: 4 hours
    drain()
    assignment = db.session.scalars(sa.select(Assignment)).one()
    assert escalation.escalate_overdue() == []
    with clock.at(assignment.ack_deadline + timedelta(minutes=1)):
        assert escalation.escalate_overdue() == [(assignment.id, 1)]
        assert escalation.escalate_overdue() == []  # once only
    with clock.at(assignment.ack_deadline + timedelta(hours=2, minutes=1)):
        assert escalation.escalate_overdue() == [(assignment.id, 2)]
    steps = db.session.scalars(
        sa.select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "escalated"
        )
    ).all()
    assert [(s.data["level"], s.data["to"]) for s in steps] == [(1, "POLICE"), (2, "COORD")]
    keys = set(db.session.scalars(sa.select(Delivery.dedupe_key)))
    assert f"overdue:{assignment.id}:1:POLICE:email" not in keys  # high: webhook and sms
    assert any(k.startswith(f"overdue:{assignment.id}:2:COORD:") for k in keys)


def test_acknowledged_in_time_is_not_escalated(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    submit(client)
    drain()
    assignment = db.session.scalars(sa.select(Assignment)).one()
    client.post(
        f"/api/v1/assignments/{assignment.id}/transitions",
        json={"status": "acknowledged"},
        headers=auth(police),
    )
    with clock.at(assignment.ack_deadline + timedelta(days=3)):
        assert escalation.escalate_overdue() == []


def test_routing_and_its_alert_commit_together(client, monkeypatch):
    """The worker routes a report and plans the units' alerts in one transaction: if planning
    fails, no assignment is left without its alert, and the event is handled again later."""
    from meldecentral.services.delivery import plan

    report = submit(client)
    (event_id,) = db.session.scalars(
        sa.select(OutboxEvent.id).where(OutboxEvent.handled_at.is_(None))
    ).all()

    def failing(*args, **kwargs):
        raise RuntimeError("planning the alert failed")

    monkeypatch.setattr(plan, "insert_planned", failing)
    with pytest.raises(RuntimeError):
        handle(event_id)
    db.session.expire_all()
    assert units_of(report.id) == []
    assert db.session.get(OutboxEvent, event_id).handled_at is None
    monkeypatch.undo()

    planned = drain()
    assert units_of(report.id) == ["POLICE"] and planned
    # the follow-up events (assignment routed, report routed) are kept, handled in that task
    events = db.session.execute(sa.select(OutboxEvent.topic, OutboxEvent.handled_at)).all()
    assert {t for t, _ in events} >= {"assignment.status_changed", "report.status_changed"}
    assert all(handled is not None for _, handled in events)
    # ... and so is the history (Core rows in the worker's transaction, db.tx)
    history = db.session.execute(
        sa.select(ReportEvent.action, ReportEvent.assignment_id, ReportEvent.to_status)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.id)
    ).all()
    assert [h.action for h in history] == ["created", "assigned", "status"]
    assert history[1].assignment_id is not None and history[2].to_status == "routed"
    statuses = set(db.session.scalars(sa.select(Delivery.status).where(Delivery.id.in_(planned))))
    assert statuses == {"sending"}  # claimed for the worker that planned them


def test_a_batch_of_events_checks_the_rule_set_version_once(app):
    from meldecentral.models import Municipality
    from meldecentral.services.routing import route, rulebook

    municipality_id = db.session.scalar(sa.select(Municipality.id).limit(1))
    versions = []

    def count(conn, cursor, statement, *args):
        if "municipality.rules_version" in statement:
            versions.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = route.load_rules(municipality_id)
        route.load_rules(municipality_id)
        assert len(versions) == 2  # outside a batch: every time
        with rulebook.one_rule_check():
            for _ in range(3):
                assert route.load_rules(municipality_id) is first
        assert len(versions) == 3  # inside: once
        route.load_rules(municipality_id)
        assert len(versions) == 4
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_retries_follow_a_schedule_of_hours_with_jitter(app):
    schedule = app.config["DELIVERY_RETRY_SCHEDULE"]
    # Standard Webhooks' guidance: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    assert list(schedule) == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert max_attempts(app.config) == 8
    for n, base in enumerate(schedule, start=1):
        delays = {send.retry_delay(n, schedule, 0.2) for _ in range(20)}
        assert all(0.8 * base <= d <= 1.2 * base for d in delays) and len(delays) > 1
    assert send.retry_delay(len(schedule) + 1, schedule, 0.2) is None


def test_a_long_retry_waits_in_the_database_not_in_a_task(client, app, police_webhook):
    receiver = police_webhook([500] * 20)
    submit(client)
    [delivery_id] = drain()
    start = clock.now()
    first = send.attempt(delivery_id, claimed=True)  # as the worker that planned it
    assert first.status == "pending" and 4 <= first.retry_in <= 6  # a countdown: 5 s
    with clock.at(start + timedelta(seconds=10)):
        second = send.attempt(delivery_id)
    # 5 minutes: longer than a countdown may be; no task holds it, the database does.
    assert second.status == "pending" and second.retry_in is None
    due_at = db.session.get(Delivery, delivery_id).next_attempt_at
    assert timedelta(minutes=4) <= due_at - start <= timedelta(minutes=7)
    grace = app.config["DELIVERY_SWEEP_GRACE_SECONDS"]
    with clock.at(due_at - timedelta(seconds=30)):
        assert send.due_for_retry(grace) == []
        # A task early for it (e.g. a stray countdown) spends no attempt of the schedule.
        assert send.attempt(delivery_id).status == "skipped"
    assert len(receiver.requests) == 2
    with clock.at(due_at + timedelta(seconds=1)):
        # Due: the sweeper takes it at once, without the grace it gives a late countdown.
        assert send.due_for_retry(grace) == [delivery_id]
        assert send.attempt(delivery_id).status == "pending"
    assert len(receiver.requests) == 3


def test_an_urgent_alert_not_delivered_in_minutes_reaches_the_coordinators(
    client, app, police_webhook, monkeypatch
):
    from meldecentral.models import InAppNotification
    from workers import tasks

    police_webhook([500] * 20)
    report = submit(client)  # violence: urgent, to the police's webhook
    [delivery_id] = drain()
    start = clock.now()
    assert send.attempt(delivery_id, claimed=True).status == "pending"
    after = app.config["URGENT_FALLBACK_AFTER_SECONDS"]
    assert after <= 300  # "within minutes"
    queued = []
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda ids, countdown=None: queued.extend(ids))
    with clock.at(start + timedelta(seconds=after / 2)):
        tasks.sweep_deliveries.run()
    assert set(queued) <= {delivery_id}  # its retry, nothing more yet
    with clock.at(start + timedelta(seconds=after + 20)):
        tasks.sweep_deliveries.run()
        tasks.sweep_deliveries.run()  # once per alert
    [fallback_id] = [i for i in queued if i != delivery_id]
    fallback = db.session.get(Delivery, fallback_id)
    assert fallback.unit.code == "COORD" and fallback.channel == "in_app" and fallback.urgent
    assert fallback.payload["type"] == "alert.undelivered" and fallback.payload["unit"] == "POLICE"
    assert fallback.payload["link"].startswith(app.config["PUBLIC_BASE_URL"])
    assert send.attempt(fallback_id).status == "sent"
    coord = db.session.scalar(sa.select(Unit).filter_by(code="COORD"))
    notes = db.session.scalars(sa.select(InAppNotification).filter_by(unit_id=coord.id)).all()
    assert [n.delivery_id for n in notes] == [fallback_id]
    history = db.session.scalars(
        sa.select(ReportEvent).filter_by(report_id=report.id, action="alert_fallback")
    ).all()
    assert len(history) == 1 and history[0].data == {
        "unit": "POLICE",
        "channels": ["webhook"],
        "to": "COORD",
    }
    # The alert itself keeps retrying.
    assert db.session.get(Delivery, delivery_id).status == "pending"


def test_an_urgent_alert_dead_at_once_reaches_the_coordinators_at_once(client, app):
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.channels = {"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]}
    police.webhook_url = None  # no address: dead on the first attempt
    db.session.commit()
    submit(client)
    [delivery_id] = drain()
    assert send.attempt(delivery_id, claimed=True).status == "dead"
    assert len(escalation.fallback_undelivered(app.config["URGENT_FALLBACK_AFTER_SECONDS"])) == 1


def test_no_fallback_for_a_delivered_or_an_ordinary_alert(client, app, police_webhook):
    police_webhook([500] * 20)
    submit(client, category="HAERVAERK", text="Knuste ruder i opgangen.")  # normal urgency
    [delivery_id] = drain()
    assert send.attempt(delivery_id, claimed=True).status == "pending"
    with clock.at(clock.now() + timedelta(hours=1)):
        assert escalation.fallback_undelivered(app.config["URGENT_FALLBACK_AFTER_SECONDS"]) == []

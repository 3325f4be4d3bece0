"""A batch of new reports routed together (services.routing.route, workers.handlers.handle_created)
writes what routing each report alone (workers.handlers.handle) writes: the same reports,
routed both ways, leave the same rows. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.logs import request_id_var
from meldecentral.models import (
    Assignment,
    Delivery,
    DeliveryAttempt,
    OutboxEvent,
    Report,
    ReportEvent,
    RoutingDecision,
    Unit,
)
from meldecentral.services.actor import SYSTEM
from meldecentral.services.routing import assign
from tests.factories import submit_report
from workers import handlers, tasks

# What the reports are like: the common cases, and the less common ones.
SPECS = [
    {},  # violence in Nørrebro: the police, high urgency
    {"category": "UNG", "minor_involved": True},  # SSP and children's services, 24 h screening
    {"category": "NABO", "housing_estate": True},
    {"category": "NARKO", "lat": 55.66, "lon": 12.61},
    {"triaged": True},  # triaged before its event was handled: still new
    {"rejected": True},  # rejected before: not routed
    {"category": "UNG", "minor_involved": True, "by_hand": "SSP"},  # one unit there already
]


def _submit(client, spec: dict) -> tuple[int, int, str | None]:
    fields = {k: v for k, v in spec.items() if k not in ("triaged", "rejected", "by_hand")}
    report = db.session.get(Report, submit_report(client, **fields))
    if spec.get("triaged"):
        report.status = "triaged"
    if spec.get("rejected"):
        report.status = "rejected"
    db.session.commit()
    if spec.get("by_hand"):
        assign.assign_units(SYSTEM, report.id, [spec["by_hand"]], reason="by hand")
    event = db.session.execute(
        sa.select(OutboxEvent.id, OutboxEvent.request_id).where(
            OutboxEvent.topic == "report.created",
            OutboxEvent.payload["report_id"].as_integer() == report.id,
        )
    ).one()
    return report.id, event.id, event.request_id


def _snapshot(report_id: int, origin_request_id: str | None) -> dict:
    """What routing left for a report, with its ids, reference and times made relative."""
    report = db.session.get(Report, report_id)
    db.session.refresh(report)
    units = dict(db.session.execute(sa.select(Unit.id, Unit.code)).all())
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.report_id == report_id).order_by(Assignment.id)
    ).all()
    names = {a.id: f"A:{units[a.unit_id]}" for a in assignments}

    def norm(value):
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, str):
            value = value.replace(report.reference, "REF").replace(f"/{report.id}", "/ID")
            for aid, name in names.items():
                value = value.replace(f"assigned:{aid}:", f"assigned:{name}:")
            return value
        return value

    def ids(payload: dict) -> dict:
        out = dict(payload)
        if out.get("report_id") == report_id:
            out["report_id"] = "ID"
        if "assignment_id" in out:
            out["assignment_id"] = names.get(out["assignment_id"], out["assignment_id"])
        if out.get("ack_deadline"):
            out["ack_deadline"] = "set"
        return norm(out)

    base = assignments[0].created_at if assignments else None
    outbox = db.session.scalars(
        sa.select(OutboxEvent)
        .where(OutboxEvent.topic != "report.created")
        .where(OutboxEvent.payload["report_id"].as_integer() == report_id)
    ).all()
    deliveries = db.session.scalars(
        sa.select(Delivery).where(Delivery.report_id == report_id)
    ).all()
    return {
        "report": (
            report.status,
            report.next_deadline - base if report.next_deadline else None,
        ),
        "assignments": sorted(
            (
                names[a.id],
                a.status,
                a.reason,
                a.ack_deadline - a.created_at if a.ack_deadline else None,
                a.escalation_level,
            )
            for a in assignments
        ),
        "decisions": [
            (d.trigger, d.units, d.added_units, d.matched, d.unrouted, d.explanation)
            for d in db.session.scalars(
                sa.select(RoutingDecision).where(RoutingDecision.report_id == report_id)
            )
        ],
        "history": sorted(
            (
                h.action,
                h.actor_id,
                h.actor_role,
                names.get(h.assignment_id, h.assignment_id),
                h.from_status,
                h.to_status,
                str(norm(h.data)),
            )
            for h in db.session.scalars(
                sa.select(ReportEvent).where(ReportEvent.report_id == report_id)
            )
        ),
        "events": sorted(
            (
                e.topic,
                str(ids(e.payload)),
                e.urgent,
                "origin" if e.request_id == origin_request_id else e.request_id,
                e.handled_at is not None,
                e.published_at is not None,
            )
            for e in outbox
        ),
        "deliveries": sorted(
            (
                norm(d.dedupe_key),
                names.get(d.assignment_id, d.assignment_id),
                d.channel,
                d.audience,
                d.recipient,
                norm(d.subject),
                norm(d.body),
                str(ids(d.payload)),
                d.urgent,
                d.status,
                d.attempts,
            )
            for d in deliveries
        ),
    }


def test_a_batch_leaves_what_routing_each_report_alone_leaves(client):
    with clock.at(datetime(2026, 12, 3, 21, 30, tzinfo=UTC)):
        alone = [_submit(client, spec) for spec in SPECS]
        planned_alone = []
        for _, event_id, request_id in alone:
            token = request_id_var.set(request_id)  # as the worker's task does
            try:
                planned_alone += handlers.handle(event_id)
            finally:
                request_id_var.reset(token)
        together = [_submit(client, spec) for spec in SPECS]
        done, rest = handlers.handle_created([[e, r] for _, e, r in together])
    assert rest == []
    assert sorted(e for e, _, _ in done) == sorted(e for _, e, _ in together)
    planned_together = [d for _, _, planned in done for d in planned]
    assert len(planned_together) == len(planned_alone) > 0
    db.session.expire_all()
    for (a, _, rid_a), (b, _, rid_b), spec in zip(alone, together, SPECS, strict=True):
        one, other = _snapshot(a, rid_a), _snapshot(b, rid_b)
        assert one == other, spec
        if spec.get("rejected"):
            assert one["assignments"] == [] and one["decisions"] == []
        else:
            assert one["decisions"] and one["report"][0] == "routed"
    # and every created event is handled, once
    handled = db.session.scalars(
        sa.select(OutboxEvent.handled_at).where(OutboxEvent.topic == "report.created")
    ).all()
    assert len(handled) == 2 * len(SPECS) and all(handled)


def test_handling_the_batch_again_changes_nothing(client):
    batch = [_submit(client, spec) for spec in SPECS[:3]]
    items = [[e, r] for _, e, r in batch]
    done, _ = handlers.handle_created(items)
    count = db.session.scalar(sa.select(sa.func.count(Assignment.id)))
    # redelivered, as after a lost acknowledgement: handled already
    again, rest = handlers.handle_created(items)
    assert again == [] and rest == items
    db.session.execute(sa.update(OutboxEvent).values(handled_at=None))
    db.session.commit()
    # even unmarked, the reports were routed before: nothing twice
    again, _ = handlers.handle_created(items)
    assert [p for _, _, p in again] == [[], [], []]
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == count
    assert db.session.scalar(sa.select(sa.func.count(RoutingDecision.id))) == 3


@pytest.fixture
def police_hook(app):
    from tests.integration.test_routing_flow import Receiver

    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.channels = {"high": ["webhook"], "normal": ["webhook"], "low": ["webhook"]}
    police.webhook_secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = Receiver([200, 500])
    police.webhook_url = receiver.url
    db.session.commit()
    yield receiver
    receiver.close()


def test_the_task_sends_the_batchs_alerts_and_records_each_attempt(
    client, police_hook, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda ids, countdown=None: queued.append(ids))
    failed = {"channel": "webhook", "final": "retry"}
    before = REGISTRY.get_sample_value("mc_deliveries_failed_total", failed) or 0
    batch = [_submit(client, {}) for _ in range(2)]
    tasks.handle_events.run([[e, r] for _, e, r in batch])
    assert len(police_hook.requests) == 2
    # the failure counted under its channel (read from the delivery the batch holds)
    assert REGISTRY.get_sample_value("mc_deliveries_failed_total", failed) == before + 1
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Delivery.id, Delivery.status, Delivery.attempts).order_by(Delivery.id)
    ).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("pending", 1)]
    assert queued == [[rows[1].id]]  # the failed one is retried by the deliver task
    attempts = db.session.scalars(sa.select(DeliveryAttempt.ok).order_by(DeliveryAttempt.id))
    assert list(attempts) == [True, False]


def test_a_report_that_fails_in_the_batch_holds_up_no_other(client, monkeypatch):
    """A rule names a unit that is inactive: routing that report fails (ValidationFailed names
    the unit), the batch is rolled back and handled one event at a time, the failing one
    retried alone."""
    retried = []
    monkeypatch.setattr(
        tasks.handle_event, "apply_async", lambda args, **kw: retried.append(args[0])
    )
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda ids, countdown=None: None)
    good = _submit(client, {})
    bad = _submit(client, {"category": "NABO", "housing_estate": True})
    db.session.execute(sa.update(Unit).where(Unit.code == "HOUSING").values(active=False))
    db.session.commit()
    tasks.handle_events.run([[e, r] for _, e, r in (good, bad)])
    assert retried == [bad[1]]
    db.session.expire_all()
    routed = db.session.scalars(sa.select(Assignment.report_id)).all()
    assert routed == [good[0]]
    assert db.session.get(OutboxEvent, bad[1]).handled_at is None


def test_routing_runs_only_inside_a_workers_unit_of_work(client):
    from meldecentral.services.routing import route

    report_id, _, _ = _submit(client, {})
    with pytest.raises(RuntimeError, match="unit of work"):
        route.route_reports([report_id])
    assert db.session.scalar(sa.select(sa.func.count(RoutingDecision.id))) == 0


def test_a_resolved_report_given_a_new_unit_by_its_rules_is_in_progress_again(client, make_user):
    """Routed by hand and closed before its event was handled: the rules add the police, and
    the report follows its assignments again (one closed, one waiting), with a deadline."""
    from meldecentral.services.actor import Actor
    from meldecentral.services.reports import transitions

    member = Actor.for_user(make_user("unit_member", "SSP")[0])

    report_id, event_id, request_id = _submit(client, {})  # violence: the police
    (ssp,) = assign.assign_units(SYSTEM, report_id, ["SSP"], reason="by hand")
    transitions.transition_assignment(member, ssp.id, "acknowledged")
    transitions.transition_assignment(member, ssp.id, "closed", outcome="talked to them")
    report = db.session.get(Report, report_id)
    assert report.status == "resolved" and report.closed_at is not None
    done, _ = handlers.handle_created([[event_id, request_id]])
    assert len(done) == 1 and len(done[0][2]) > 0  # the police's alert planned
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    police = db.session.scalar(
        sa.select(Assignment)
        .join(Unit)
        .where(Assignment.report_id == report_id, Unit.code == "POLICE")
    )
    assert report.status == "in_progress" and report.closed_at is None
    assert report.next_deadline == police.ack_deadline is not None
    statuses = db.session.execute(
        sa.select(ReportEvent.from_status, ReportEvent.to_status)
        .where(ReportEvent.report_id == report_id, ReportEvent.action == "status")
        .order_by(ReportEvent.id)  # without it PostgreSQL may return them in any order
    ).all()
    assert statuses[-1] == ("resolved", "in_progress")

"""Operations: /metrics (protected, the metric names there), JSON logs that carry the request
id from the web request into the tasks it caused, and no personal data in them."""

import json
import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.logs import JsonFormatter, request_id_var
from meldecentral.models import OutboxEvent
from tests.conftest import NORREBRO
from workers import _request_id_of
from workers.handlers import handle

METRIC_NAMES = (
    "mc_http_request_duration_seconds",
    "mc_reports_submitted_total",
    "mc_routing_latency_seconds",
    "mc_deliveries_failed_total",
    "mc_queue_depth",
    "mc_assignments_overdue",
    "mc_outbox_unpublished",
    "mc_outbox_oldest_unpublished_seconds",
)
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


def test_metrics_without_a_token_are_for_loopback_only(app, client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    # through a proxy on the same host: still the public
    res = client.get("/metrics", environ_base=LOOPBACK, headers={"X-Forwarded-For": "1.2.3.4"})
    assert res.status_code == 403
    res = client.get("/metrics", environ_base=LOOPBACK)
    assert res.status_code == 200
    assert res.mimetype == "text/plain"
    for name in METRIC_NAMES:
        assert name in res.text


def test_metrics_with_a_token_need_it(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    try:
        assert client.get("/metrics", environ_base=LOOPBACK).status_code == 401
        res = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert res.status_code == 401 and "Bearer" in res.headers["WWW-Authenticate"]
        res = client.get(
            "/metrics",
            environ_base=OUTSIDE,
            headers={"Authorization": "Bearer s3cret-metrics-token"},
        )
        assert res.status_code == 200 and "mc_assignments_overdue" in res.text
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_count_requests_and_submissions(app, client):
    client.post("/api/v1/reports", json={"category": "VOLD", "text": "Slagsmål.", **NORREBRO})
    text = client.get("/metrics", environ_base=LOOPBACK).text
    assert 'mc_reports_submitted_total{source="resident"}' in text
    assert 'endpoint="api.submit_report"' in text
    assert "mc_assignments_overdue 0.0" in text


def test_metrics_show_events_waiting_for_the_relay(app, client):
    text = client.get("/metrics", environ_base=LOOPBACK).text
    assert "mc_outbox_unpublished 0.0" in text
    assert "mc_outbox_oldest_unpublished_seconds 0.0" in text
    # No relay runs here (OUTBOX_RELAY=off): the new report's event waits in the outbox.
    with clock.at(clock.now() - timedelta(seconds=90)):
        client.post("/api/v1/reports", json={"category": "VOLD", "text": "Slagsmål.", **NORREBRO})
    text = client.get("/metrics", environ_base=LOOPBACK).text
    assert "mc_outbox_unpublished 1.0" in text
    (age,) = re.findall(r"^mc_outbox_oldest_unpublished_seconds (\S+)$", text, re.M)
    age = float(age)
    assert 90 <= age < 120
    db.session.execute(sa.update(OutboxEvent).values(published_at=clock.now()))
    db.session.commit()
    assert "mc_outbox_unpublished 0.0" in client.get("/metrics", environ_base=LOOPBACK).text


def _formatted(records) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in records]


def test_log_records_carry_the_request_id_and_no_personal_data(app, client, caplog):
    body = {
        "category": "NABO",
        "text": "Naboen Jens Hansen truer os hver nat.",
        "contact": {"name": "Mette Jensen", "email": "mette@example.org", "phone": "+4512345678"},
        **NORREBRO,
    }
    # "report N submitted" is a DEBUG line (at INFO the access line says it; one line less per
    # submission): captured at DEBUG, it still carries the request id and no personal data.
    with caplog.at_level(logging.DEBUG):
        res = client.post("/api/v1/reports", json=body, headers={"X-Request-ID": "req-log-0001"})
    assert res.status_code == 201
    lines = _formatted(caplog.records)
    submitted = [line for line in lines if "submitted" in line["message"]]
    assert submitted and submitted[0]["request_id"] == "req-log-0001"
    assert set(submitted[0]) >= {"time", "level", "logger", "message", "request_id"}
    everything = json.dumps(lines)
    for secret in ("Jens Hansen", "Mette", "mette@example.org", "12345678", "truer"):
        assert secret not in everything
    assert res.json["reference"] not in everything


def test_the_request_id_follows_into_the_tasks_it_caused(app, client, caplog):
    res = client.post(
        "/api/v1/reports",
        json={"category": "VOLD", "text": "Overfald.", **NORREBRO},
        headers={"X-Request-ID": "req-chain-0001"},
    )
    assert res.status_code == 201
    event = db.session.scalar(sa.select(OutboxEvent).order_by(OutboxEvent.id.desc()))
    assert event.request_id == "req-chain-0001"
    # The relay sends it as the task header; the task side reads it from there.
    task_request = SimpleNamespace(request_id=None, headers={"request_id": event.request_id})
    assert _request_id_of(task_request) == "req-chain-0001"
    token = request_id_var.set(_request_id_of(task_request))
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("workers.test").info("handling event %s", event.id)
            handle(event.id)
    finally:
        request_id_var.reset(token)
    assert _formatted(caplog.records)[0]["request_id"] == "req-chain-0001"
    # events the handler recorded (the new assignment) carry the same id onwards
    later = db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.id > event.id)).all()
    assert later and {e.request_id for e in later} == {"req-chain-0001"}


def test_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord(
        "meldecentral.x", logging.WARNING, __file__, 1, "a\nb %s", (1,), None
    )
    record.request_id = "rid-1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    out = json.loads(line)
    assert out["message"] == "a\nb 1" and out["level"] == "WARNING" and out["request_id"] == "rid-1"


def test_request_latency_is_counted_per_method_endpoint_and_status(app, client):
    from prometheus_client import REGISTRY

    def count(endpoint: str, status: str) -> float:
        labels = {"method": "GET", "endpoint": endpoint, "status": status}
        return REGISTRY.get_sample_value("mc_http_request_duration_seconds_count", labels) or 0

    ok, missing = count("api.categories", "200"), count("none", "404")
    for _ in range(3):
        assert client.get("/api/v1/categories").status_code == 200
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert count("api.categories", "200") == ok + 3
    assert count("none", "404") == missing + 1

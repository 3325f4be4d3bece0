"""Prometheus metrics at /metrics.

- ``mc_http_request_duration_seconds`` (histogram; method, endpoint, status)
- ``mc_reports_submitted_total`` (counter; source: resident | staff)
- ``mc_routing_latency_seconds`` (histogram): report created -> assignment stored (workers)
- ``mc_deliveries_failed_total`` (counter; channel, final: retry | dead) (workers)
- ``mc_queue_depth`` (gauge; queue): Redis LLEN of the urgent and normal queues, read at scrape
- ``mc_assignments_overdue`` (gauge): unacknowledged past their deadline, counted at scrape
- ``mc_outbox_unpublished`` and ``mc_outbox_oldest_unpublished_seconds`` (gauges): committed
  events not yet published to the broker, and the age of the oldest, read at scrape; a growing
  age means the relay (or the broker) is down and the sweeper is all that is left

Several processes (gunicorn workers, Celery workers) write their values into
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode; the variable must be set before
the processes start, and the folder emptied at each start of the stack); any web worker then
serves the sum. Without it, each process counts on its own (development, tests).

Who may read it: with METRICS_TOKEN set, only a request with ``Authorization: Bearer <token>``
(401 otherwise); without it, only requests from the loopback address that came through no proxy
(403 otherwise).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from meldecentral import clock

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "mc_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPORTS_SUBMITTED = Counter(
    "mc_reports_submitted_total", "Reports accepted (not replays, not 112 redirects)", ["source"]
)
ROUTING_LATENCY = Histogram(
    "mc_routing_latency_seconds",
    "From a report's creation to its assignments being stored",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
DELIVERIES_FAILED = Counter(
    "mc_deliveries_failed_total",
    "Failed delivery attempts (final: retry = will be tried again, dead = given up)",
    ["channel", "final"],
)
QUEUES = ("urgent", "normal")


def report_submitted(source: str) -> None:
    REPORTS_SUBMITTED.labels(source=source).inc()


def observe_routing(seconds: float) -> None:
    ROUTING_LATENCY.observe(max(0.0, seconds))


def delivery_failed(channel: str, dead: bool) -> None:
    DELIVERIES_FAILED.labels(channel=channel, final="dead" if dead else "retry").inc()


class _LiveCollector:
    """Values read when Prometheus scrapes: queue depths and overdue assignments."""

    def __init__(self, app: Flask, overdue_count: Callable[[], int]):
        self.app = app
        self.overdue_count = overdue_count

    def _redis(self):
        url = self.app.config.get("CELERY_BROKER_URL") or ""
        if not url.startswith(("redis://", "rediss://")):
            return None
        client = self.app.extensions.get("metrics_redis")
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            self.app.extensions["metrics_redis"] = client
        return client

    def collect(self):
        depth = GaugeMetricFamily("mc_queue_depth", "Tasks waiting in a queue", labels=["queue"])
        client = self._redis()
        if client is not None:
            try:
                with client.pipeline(transaction=False) as pipe:
                    for name in QUEUES:
                        pipe.llen(name)
                    for name, n in zip(QUEUES, pipe.execute(), strict=True):
                        depth.add_metric([name], n)
            except Exception:  # noqa: BLE001 - a scrape must answer even with Redis down
                log.warning("metrics: queue depth unavailable")
        yield depth
        overdue = GaugeMetricFamily(
            "mc_assignments_overdue", "Assignments not acknowledged by their deadline"
        )
        from meldecentral.extensions import db

        try:
            overdue.add_metric([], self.overdue_count())
        except Exception:  # noqa: BLE001 - the database may be down; say so by omission
            db.session.rollback()
            log.warning("metrics: overdue count unavailable")
        yield overdue
        yield from _outbox_gauges()


def _outbox_gauges():
    from meldecentral.extensions import db
    from meldecentral.models import OutboxEvent
    from meldecentral.models.outbox import PENDING_SQL

    pending = GaugeMetricFamily(
        "mc_outbox_unpublished", "Committed events not yet published to the broker"
    )
    oldest = GaugeMetricFamily(
        "mc_outbox_oldest_unpublished_seconds", "Age of the oldest event not yet published"
    )
    try:
        count, first = db.session.execute(
            sa.select(sa.func.count(), sa.func.min(OutboxEvent.created_at)).where(
                sa.text(PENDING_SQL)
            )
        ).one()
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be down; say so by omission
        db.session.rollback()
        log.warning("metrics: outbox backlog unavailable")
        return
    pending.add_metric([], count)
    age = (clock.now() - first).total_seconds() if first is not None else 0.0
    oldest.add_metric([], max(0.0, age))
    yield pending
    yield oldest


def _allowed() -> int | None:
    """None if the caller may read the metrics, else the status to answer."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
        return None if ok else 401
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return None if loopback and not proxied else 403


def _metrics_view():
    refused = _allowed()
    if refused:
        headers = {"WWW-Authenticate": 'Bearer realm="metrics"'} if refused == 401 else {}
        body = {"error": {"code": "forbidden", "message": "metrics are not public"}}
        return body, refused, headers
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUEST_LATENCY, REPORTS_SUBMITTED, ROUTING_LATENCY, DELIVERIES_FAILED):
            registry.register(collector)
    registry.register(current_app.extensions["metrics_live"])
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def register_metrics(app: Flask, overdue_count: Callable[[], int]) -> None:
    """``overdue_count`` is the services' (given by create_app: the services record metrics
    here, so this module must not import them back)."""
    app.extensions["metrics_live"] = _LiveCollector(app, overdue_count)
    app.add_url_rule("/metrics", "metrics", _metrics_view)

    @app.before_request
    def _start_timer():
        g.mc_started = time.perf_counter()

    # The labelled histograms by (method, endpoint, status): labels() validates and locks on
    # every call; a dict lookup does not (a few hundred combinations at most).
    children: dict[tuple, object] = {}

    @app.after_request
    def _observe(response):
        started = g.pop("mc_started", None)
        if started is not None and request.endpoint != "metrics":
            key = (request.method, request.endpoint or "none", response.status_code)
            child = children.get(key)
            if child is None:
                child = children[key] = REQUEST_LATENCY.labels(
                    method=key[0], endpoint=key[1], status=str(key[2])
                )
            child.observe(time.perf_counter() - started)
        return response

"""The outbox relay: turns committed outbox events into Celery tasks.

After a commit, ``services.events`` hands the new event ids to ``OutboxRelay.submit``, which
queues them for a background thread, so that a request never waits on the broker. If the broker
is down, or the process dies first, the events stay unpublished and ``sweep_outbox`` (beat)
publishes them later. Consumers are idempotent, so publishing twice is harmless.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from workers import NORMAL_QUEUE, URGENT_QUEUE

log = logging.getLogger(__name__)


def publish_events(ids: list[int], *, force: bool = False) -> int:
    """Send one ``handle_event`` task per event not yet published (with ``force``: not yet
    handled); returns how many were sent. Stops at the first broker failure (the rest stay for
    the sweeper)."""
    celery = current_app.extensions["celery"]
    sent = 0
    for event_id in ids:
        event = db.session.get(OutboxEvent, event_id)
        if event is None or event.handled_at is not None:
            continue
        if event.published_at is not None and not force:
            continue
        event.publish_attempts += 1
        try:
            celery.send_task(
                "workers.tasks.handle_event",
                args=[event.id],
                queue=URGENT_QUEUE if event.urgent else NORMAL_QUEUE,
                headers={"request_id": event.request_id},
                retry=False,
            )
        except Exception:  # noqa: BLE001 - broker down: the sweeper retries later
            db.session.commit()  # keep the attempt count
            log.warning("broker unavailable; event %s left for the sweeper", event.id)
            return sent
        event.published_at = clock.now()
        db.session.commit()
        sent += 1
    return sent


def unpublished_ids(
    after_seconds: float, republish_after_seconds: float, limit: int = 500
) -> list[int]:
    """Events unpublished for ``after_seconds``, or published but unhandled for
    ``republish_after_seconds``."""
    now = clock.now()
    cutoff = now - timedelta(seconds=after_seconds)
    republish = now - timedelta(seconds=republish_after_seconds)
    query = (
        sa.select(OutboxEvent.id)
        .where(
            OutboxEvent.handled_at.is_(None),
            OutboxEvent.created_at <= cutoff,
            sa.or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at <= republish),
        )
        .order_by(OutboxEvent.urgent.desc(), OutboxEvent.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


class OutboxRelay:
    """One background publisher thread per process (started lazily, so it survives forks)."""

    def __init__(self, app: Flask):
        self.app = app
        self._queue: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, ids: list[int]) -> None:
        self._ensure_thread()
        self._queue.put(list(ids))

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._run, name="outbox-relay", daemon=True).start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            ids = self._queue.get()
            try:
                with self.app.app_context():
                    publish_events(ids)
                    db.session.remove()
            except Exception:  # noqa: BLE001 - never let the relay thread die
                log.exception("outbox relay failed; the sweeper will publish these events")


def install_relay(app: Flask) -> None:
    """Hook the relay onto commits unless OUTBOX_RELAY is "off" (unit and API tests)."""
    if app.config.get("OUTBOX_RELAY", "thread") == "off":
        return
    app.extensions.setdefault("outbox_hooks", []).append(OutboxRelay(app).submit)

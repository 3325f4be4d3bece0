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
from contextlib import contextmanager
from contextvars import ContextVar
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
    the sweeper). One query reads the events and one statement marks them published, however
    many there are."""
    celery = current_app.extensions["celery"]
    query = sa.select(
        OutboxEvent.id, OutboxEvent.urgent, OutboxEvent.request_id, OutboxEvent.published_at
    ).where(OutboxEvent.id.in_(ids), OutboxEvent.handled_at.is_(None))
    rows = sorted(db.session.execute(query).all(), key=lambda r: (not r.urgent, r.id))
    todo = [r for r in rows if force or r.published_at is None]
    sent: list[int] = []
    failed = False
    for event in todo:
        try:
            celery.send_task(
                "workers.tasks.handle_event",
                args=[event.id],
                queue=URGENT_QUEUE if event.urgent else NORMAL_QUEUE,
                headers={"request_id": event.request_id},
                retry=False,
                # No result is kept (task_ignore_result); saying so here also spares the
                # result backend a subscription per task.
                ignore_result=True,
            )
        except Exception:  # noqa: BLE001 - broker down: the sweeper retries later
            log.warning("broker unavailable; event %s left for the sweeper", event.id)
            failed = True
            break
        sent.append(event.id)
    if sent:
        db.session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(sent))
            .values(published_at=clock.now(), publish_attempts=OutboxEvent.publish_attempts + 1)
        )
    if failed:
        db.session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == todo[len(sent)].id)
            .values(publish_attempts=OutboxEvent.publish_attempts + 1)
        )
    db.session.commit()
    return len(sent)


_inline: ContextVar[list[int] | None] = ContextVar("mc_outbox_inline", default=None)


@contextmanager
def inline_events():
    """While active (in a worker task), events committed in this context are not published:
    their ids are collected in the yielded list for the task to handle them itself, which
    saves a broker round trip and a task per event. Should the task die first, they are still
    unpublished in the outbox, and the sweeper publishes them."""
    collected: list[int] = []
    token = _inline.set(collected)
    try:
        yield collected
    finally:
        _inline.reset(token)


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
        collecting = _inline.get()
        if collecting is not None:
            collecting.extend(ids)
            return
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
            # Under load, publish what has queued up meanwhile in the same round trips.
            while len(ids) < 200:
                try:
                    ids += self._queue.get_nowait()
                except queue.Empty:
                    break
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

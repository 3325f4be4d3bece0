"""The outbox relay: turns committed outbox events into Celery tasks. Two ways to run it
(OUTBOX_RELAY):

- "process" (production): the relay runs outside the web processes. It reads the committed
  events that are neither published nor handled, publishes them and marks them published
  (``relay_batch``, a loop in ``run_relay``). The beat process runs it as a thread
  (``start_relay_thread``, hooked in ``workers.celery_app``): no process of its own, which
  would cost its own memory (bench/README.md). ``flask --app wsgi outbox-relay`` runs more
  relays as processes of their own, on any node: each claims its rows with FOR UPDATE SKIP
  LOCKED. The web processes only commit: no broker round trip and no relay thread beside the
  requests.
- "thread" (development, tests): after a commit, ``db.outbox`` hands the new events to
  ``OutboxRelay.submit``, which queues them for a background thread of the same process, so
  that a request never waits on the broker.

Either way, if the broker is down or a process dies first, the events stay unpublished and
``sweep_outbox`` (beat) publishes them later. Consumers are idempotent, so publishing twice is
harmless.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from meldecentral import clock
from meldecentral.db.outbox import Committed
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from workers import NORMAL_QUEUE, URGENT_QUEUE

log = logging.getLogger(__name__)


def publish_events(ids: list[int], *, force: bool = False) -> int:
    """Publish the events not yet published (with ``force``: not yet handled); returns how
    many were sent. The sweeper's way: it reads the events first."""
    query = sa.select(
        OutboxEvent.id, OutboxEvent.urgent, OutboxEvent.request_id, OutboxEvent.published_at
    ).where(OutboxEvent.id.in_(ids), OutboxEvent.handled_at.is_(None))
    rows = db.session.execute(query).all()
    todo = [Committed(r.id, r.urgent, r.request_id) for r in rows if force or not r.published_at]
    return len(publish_committed(todo))


# Events per task: under load the relay finds many committed events at once and sends them as
# a few tasks instead of one each (a broker round trip and a task's overhead per batch); at an
# ordinary rate a batch holds the one event that just committed.
BATCH = 50
# How long sent events may wait to be marked published (see OutboxRelay._run).
MARK_EVERY = 0.25


def publish_committed(events: list[Committed], *, mark: bool = True) -> list[int]:
    """Send ``handle_events`` tasks for these events, urgent ones first and on the urgent queue;
    returns the ids sent. Stops at the first broker failure (the rest stay for the sweeper).
    One statement marks them published, however many there are; with ``mark=False`` the
    caller marks them later (``mark_published``)."""
    sent, failed, _untried = _send(events)
    if sent and mark:
        _mark(sent)
    if failed:
        db.session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id.in_(failed))
            .values(publish_attempts=OutboxEvent.publish_attempts + 1)
        )
    if (sent and mark) or failed:
        db.session.commit()
    return sent


def _send(events: list[Committed]) -> tuple[list[int], list[int], list[int]]:
    """Send the events in batches, urgent ones first; stop at the first broker failure.
    Returns the ids (sent, in the batch that failed, not tried)."""
    celery = current_app.extensions["celery"]
    todo = sorted(events, key=lambda e: (not e.urgent, e.id))
    batches = [
        chunk[k : k + BATCH]
        for chunk in ([e for e in todo if e.urgent], [e for e in todo if not e.urgent])
        for k in range(0, len(chunk), BATCH)
    ]
    sent: list[int] = []
    for n, batch in enumerate(batches):
        try:
            celery.send_task(
                "workers.tasks.handle_events",
                # ids and request ids only: never personal data in a task's arguments
                args=[[[e.id, e.request_id] for e in batch]],
                queue=URGENT_QUEUE if batch[0].urgent else NORMAL_QUEUE,
                headers={"request_id": batch[0].request_id},
                retry=False,
                # No result is kept (task_ignore_result); saying so here also spares the
                # result backend a subscription per task.
                ignore_result=True,
            )
        except Exception:  # noqa: BLE001 - broker down: the sweeper retries later
            log.warning("broker unavailable; %d events left for the sweeper", len(batch))
            untried = [e.id for later in batches[n + 1 :] for e in later]
            return sent, [e.id for e in batch], untried
        sent += [e.id for e in batch]
    return sent, [], []


def _mark(ids: list[int]) -> None:
    db.session.execute(
        sa.update(OutboxEvent)
        .where(OutboxEvent.id.in_(ids))
        .values(published_at=clock.now(), publish_attempts=OutboxEvent.publish_attempts + 1)
    )


def mark_published(ids: list[int]) -> None:
    """Record that these events were sent (the sweeper then leaves them alone)."""
    _mark(ids)
    db.session.commit()


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
        self._queue: queue.SimpleQueue[list[Committed]] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, events: list[Committed]) -> None:
        self._ensure_thread()
        self._queue.put(list(events))

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
        unmarked: list[int] = []  # sent, not yet marked published
        last_mark = time.monotonic()
        while True:
            try:
                events = self._queue.get(timeout=MARK_EVERY if unmarked else None)
            except queue.Empty:
                events = []
            # Under load, publish what has queued up meanwhile in the same round trips.
            while len(events) < 200:
                try:
                    events += self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    if events:
                        unmarked += publish_committed(events, mark=False)
                    # Marking is one UPDATE and a commit: under load, once for the events of
                    # a quarter of a second rather than per batch. Events sent but not yet
                    # marked when the process dies are published again by the sweeper
                    # (handled once: handlers claim each event).
                    due = time.monotonic() - last_mark >= MARK_EVERY
                    if unmarked and (due or not events or len(unmarked) >= 1000):
                        mark_published(unmarked)
                        unmarked, last_mark = [], time.monotonic()
                    db.session.remove()
            except Exception:  # noqa: BLE001 - never let the relay thread die
                log.exception("outbox relay failed; the sweeper will publish these events")
                unmarked = []


def install_relay(app: Flask) -> None:
    """Hook the relay thread onto commits when OUTBOX_RELAY is "thread"; with "process" a
    relay outside the web processes publishes (beat, and any outbox-relay processes), with
    "off" (unit and API tests) only the sweeper does."""
    if app.config.get("OUTBOX_RELAY", "thread") != "thread":
        return
    app.extensions.setdefault("outbox_hooks", []).append(OutboxRelay(app).submit)


# Events claimed per round by a relay (beat's thread or an outbox-relay process).
RELAY_LIMIT = 500


def relay_batch(limit: int = RELAY_LIMIT, urgent: bool | None = None) -> tuple[int, int, set[str]]:
    """One round of the relay (OUTBOX_RELAY=process): claim up to ``limit`` committed events
    that are neither published nor handled (oldest first; rows another relay holds are
    skipped; with ``urgent`` True or False only the urgent or the other ones) and mark them
    published in one statement, publish them, commit. A broker failure takes the mark back
    from the events not sent (the batch that failed keeps its attempt). Returns (published,
    left unpublished by a broker failure, the queues published to).

    Core on a connection of its own, no ORM session: a round costs two statements (the claim,
    the commit), so that polling often stays cheap (bench/README.md)."""
    with db.engine.begin() as conn:
        rows = conn.execute(_claim(urgent), {"now": clock.now(), "limit": limit}).all()
        if not rows:
            return 0, 0, set()
        events = [Committed(*r) for r in rows]
        sent, failed, untried = _send(events)
        attempts = OutboxEvent.publish_attempts
        for ids, after in ((failed, attempts), (untried, attempts - 1)):  # untried: not counted
            if ids:
                conn.execute(
                    sa.update(OutboxEvent)
                    .where(OutboxEvent.id.in_(ids))
                    .values(published_at=None, publish_attempts=after)
                )
    done = set(sent)
    queues = {URGENT_QUEUE if e.urgent else NORMAL_QUEUE for e in events if e.id in done}
    return len(sent), len(rows) - len(sent), queues


@functools.cache
def _claim(urgent: bool | None = None) -> sa.Update:
    claimable = sa.select(OutboxEvent.id).where(
        OutboxEvent.published_at.is_(None), OutboxEvent.handled_at.is_(None)
    )
    if urgent is not None:
        claimable = claimable.where(OutboxEvent.urgent.is_(urgent))
    claimable = (
        claimable.order_by(OutboxEvent.id)
        .limit(sa.bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(OutboxEvent)
        .where(OutboxEvent.id.in_(claimable.scalar_subquery()))
        .values(
            published_at=sa.bindparam("now"),
            publish_attempts=OutboxEvent.publish_attempts + 1,
        )
        .returning(OutboxEvent.id, OutboxEvent.urgent, OutboxEvent.request_id)
    )


def run_relay(app: Flask, stop: threading.Event) -> None:
    """The relay's loop (beat's thread, or an outbox-relay process), until ``stop`` is set: a
    round, then a pause (``next_pause``): none after a full round, OUTBOX_RELAY_POLL_SECONDS
    normally, three times that while busy. While the broker or the database fails, the pause
    doubles up to 5 s (one warning per failure, no flood). While a queue's workers lag (tasks
    wait in it, ``QueueHold``), that queue's events stay in the outbox a little longer."""
    poll = float(app.config["OUTBOX_RELAY_POLL_SECONDS"])
    pause = poll
    hold = QueueHold(app.config.get("CELERY_BROKER_URL"))
    log.info("outbox relay started; polling every %.3f s", poll)
    while not stop.is_set():
        sent = left = 0
        which = hold.claimable()
        try:
            if which is not NOTHING:
                with app.app_context():
                    sent, left, queues = relay_batch(urgent=which)
                    db.session.remove()
                hold.after_round(queues)
        except Exception:  # noqa: BLE001 - the database is away: wait and try again
            log.exception("outbox relay: a round failed; trying again")
            left = 1
        pause = next_pause(sent, left, poll, pause)
        wait = hold.wait(pause)
        if wait:
            stop.wait(wait)
    log.info("outbox relay stopped")


# How long a queue's events stay in the outbox once its workers lag (LAG_TASKS tasks or more
# still wait in the queue a round after they were published). They would wait in the queue
# anyway; kept back, they leave as fewer, larger tasks, and a routing task's fixed cost (a
# dozen statements and two commits, services.routing.route) is paid less often: the workers
# catch up instead of falling further behind (bench/README.md). One task waiting is a worker
# busy for a moment, not a lag.
LAG_HOLD = 0.25
LAG_TASKS = 2
NOTHING = object()


class QueueHold:
    """Per queue, whether the relay should send its events now. The tasks waiting in the
    queues a round published to are counted at the start of the next round (one LLEN per
    queue, in one round trip; the Redis broker only: with another broker nothing is held),
    so that an idle worker has had the pause to take what was sent; if LAG_TASKS or more
    wait, the queue's events are held for LAG_HOLD. The urgent queue is held only for its own
    lag, never for the normal queue's."""

    def __init__(self, broker_url: str | None, clock_=time.monotonic):
        self.clock = clock_
        self.until = {URGENT_QUEUE: 0.0, NORMAL_QUEUE: 0.0}
        self.sent_to: set[str] = set()
        self.redis = None
        if broker_url and broker_url.startswith(("redis://", "rediss://")):
            import redis

            self.redis = redis.Redis.from_url(
                broker_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )

    def due(self, queue_name: str) -> bool:
        return self.until[queue_name] <= self.clock()

    def claimable(self) -> bool | None | object:
        """What the next round claims (``relay_batch``'s ``urgent``): every event (None), the
        urgent ones (True) or the others (False); NOTHING while both queues are held."""
        self._count_waiting()
        urgent, normal = self.due(URGENT_QUEUE), self.due(NORMAL_QUEUE)
        if urgent and normal:
            return None
        if urgent or normal:
            return urgent
        return NOTHING

    def after_round(self, queues: set[str]) -> None:
        """The queues this round published to: counted at the start of the next."""
        if self.redis is not None:
            self.sent_to |= queues

    def _count_waiting(self) -> None:
        if not self.sent_to:
            return
        names, self.sent_to = sorted(self.sent_to), set()
        try:
            pipe = self.redis.pipeline(transaction=False)
            for name in names:
                pipe.llen(name)
            waiting = pipe.execute()
        except Exception:  # noqa: BLE001 - the broker's failure shows in the next send
            return
        now = self.clock()
        for name, n in zip(names, waiting, strict=True):
            if n >= LAG_TASKS:
                self.until[name] = now + LAG_HOLD

    def wait(self, pause: float) -> float:
        """The pause, shortened to when a held queue is due again."""
        now = self.clock()
        ends = [t - now for t in self.until.values() if t > now]
        return min([pause, *ends]) if ends else pause


# Events arriving at BUSY_RATE a second or more (a round's events over the pause before it):
# the relay waits BUSY_FACTOR polls, so that a batch carries more events for its fixed cost.
# A batch's routing costs a dozen statements and two commits besides its events' own work
# (services.routing.route), so a report costs the worker less CPU in larger batches
# (bench.profile; the figures are in bench/README.md).
# Below the rate the pause stays one poll, for the alerts' latency.
BUSY_RATE = 150
BUSY_FACTOR = 3


def next_pause(sent: int, left: int, poll: float, previous: float) -> float:
    """The relay's pause after a round: none after a full round (more are waiting); doubling
    up to 5 s while publishing fails; longer while busy; otherwise one poll."""
    if left:
        return min(max(previous, poll) * 2, 5.0)
    if sent >= RELAY_LIMIT:
        return 0.0
    if sent and sent / max(previous, poll) >= BUSY_RATE:
        return poll * BUSY_FACTOR
    return poll


def start_relay_thread(app: Flask) -> threading.Event:
    """Runs ``run_relay`` in a daemon thread of this process (the beat process's way); returns
    the event that stops it. A round cut off when the process exits leaves its events
    unpublished or unmarked; the sweeper publishes them again, and they are handled once."""
    stop = threading.Event()
    threading.Thread(target=run_relay, args=(app, stop), name="outbox-relay", daemon=True).start()
    return stop

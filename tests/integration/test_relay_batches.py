"""The relay's batches and the batch task: urgent events go first and on the urgent queue, a
batch holds at most BATCH events, and an event that fails in a batch holds up no other."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.db import outbox
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent
from workers import relay, tasks
from workers.relay import publish_committed
from workers.tasks import handle_events


class FakeCelery:
    def __init__(self, fail_after: int | None = None):
        self.sent: list[dict] = []
        self.fail_after = fail_after

    def send_task(self, name, args, queue, headers, **kwargs):
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionError("broker down")
        self.sent.append({"name": name, "items": args[0], "queue": queue, "headers": headers})


def _events(n_urgent: int, n_normal: int) -> list[outbox.Committed]:
    out = []
    for i in range(n_urgent + n_normal):
        urgent = i < n_urgent
        ev = OutboxEvent(topic="test.event", payload={}, urgent=urgent, request_id=f"rid{i:04d}")
        db.session.add(ev)
        db.session.flush()
        out.append(outbox.Committed(ev.id, urgent, ev.request_id))
    db.session.commit()
    return out


def test_batches_urgent_first_on_their_queue_and_marked_published(app, monkeypatch):
    fake = FakeCelery()
    monkeypatch.setitem(app.extensions, "celery", fake)
    committed = _events(3, relay.BATCH + 7)
    sent = publish_committed(list(reversed(committed)))
    assert sorted(sent) == sorted(e.id for e in committed)
    assert [(b["queue"], len(b["items"])) for b in fake.sent] == [
        ("urgent", 3),
        ("normal", relay.BATCH),
        ("normal", 7),
    ]
    # ids with their request ids, nothing else; the batch's header is its first request id
    first = fake.sent[0]
    assert first["items"][0] == [committed[0].id, "rid0000"]
    assert first["headers"] == {"request_id": "rid0000"}
    db.session.expire_all()
    marked = db.session.scalars(sa.select(OutboxEvent.published_at)).all()
    assert all(m is not None for m in marked)


def test_broker_failure_leaves_the_rest_unpublished_for_the_sweeper(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "celery", FakeCelery(fail_after=1))
    committed = _events(2, 3)
    sent = publish_committed(committed)
    assert sent == [e.id for e in committed[:2]]  # the urgent batch went, the normal did not
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(OutboxEvent.id, OutboxEvent.published_at, OutboxEvent.publish_attempts)
    ).all()
    left = {r.id for r in rows if r.published_at is None}
    assert left == {e.id for e in committed[2:]}
    assert all(r.publish_attempts == 1 for r in rows)


def test_a_failing_event_is_retried_alone_and_the_batch_goes_on(app, monkeypatch):
    committed = _events(0, 3)
    handled, retried = [], []

    def handle_one(event_id):
        if event_id == committed[1].id:
            raise RuntimeError("this one fails")
        handled.append(event_id)

    monkeypatch.setattr(tasks, "_handle_one", handle_one)
    monkeypatch.setattr(
        tasks.handle_event, "apply_async", lambda args, **kw: retried.append((args, kw))
    )
    handle_events.run([[e.id, e.request_id] for e in committed])
    assert handled == [committed[0].id, committed[2].id]
    assert [args for args, _ in retried] == [[committed[1].id]]
    assert retried[0][1]["queue"] == "normal" and retried[0][1]["countdown"] > 0

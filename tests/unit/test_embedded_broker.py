"""The embedded broker (kombu's SQLAlchemy transport on SQLite): taken messages are pruned,
queued ones kept."""

from __future__ import annotations

from datetime import timedelta

from kombu import Connection

from workers.broker import is_embedded, prune_taken
from workers.schedule import beat_schedule


def test_prune_forgets_taken_messages_and_keeps_queued_ones(tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("normal")
        for i in range(3):
            queue.put({"n": i})
        for _ in range(2):
            queue.get(timeout=2).ack()
        assert prune_taken(url, timedelta(hours=1)) == 0  # taken just now
        assert prune_taken(url, timedelta(0)) == 2
        assert queue.get(timeout=2).payload == {"n": 2}  # the queued one is still there
        queue.close()


def test_prune_is_scheduled_for_the_embedded_broker_only():
    assert is_embedded("sqla+sqlite:///x.sqlite") and not is_embedded("redis://localhost")
    assert "prune-broker" in beat_schedule({"CELERY_BROKER_URL": "sqla+sqlite:///x.sqlite"})
    assert "prune-broker" not in beat_schedule({"CELERY_BROKER_URL": "redis://localhost:6379/0"})

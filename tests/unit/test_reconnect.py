"""workers/reconnect.py: Celery's connections try an absent broker again after one second,
growing to five, where kombu waits 2, 4, 6 ... up to 30 s."""

from __future__ import annotations

import socket

import pytest
from celery import _state as celery_state
from flask import Flask
from kombu import Connection as KombuConnection

from config import load_config
from workers import init_celery
from workers.reconnect import RECONNECT_MAX_SECONDS, Connection


class Enough(Exception):
    pass


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


def waits_before_retrying(cls, attempts: int, monkeypatch) -> list[float]:
    """The intervals the connection would sleep between its first ``attempts`` tries (the
    sleeps themselves are skipped)."""
    waits: list[float] = []
    monkeypatch.setattr("kombu.utils.functional.sleep", lambda s: None)

    def errback(exc, interval):
        waits.append(interval)
        if len(waits) == attempts:
            raise Enough

    conn = cls(f"redis://127.0.0.1:{closed_port()}/0", connect_timeout=1)
    try:
        with pytest.raises(Enough):
            conn.ensure_connection(errback, None)
    finally:
        conn.release()
    return waits


def test_a_worker_tries_again_within_seconds(monkeypatch):
    waits = waits_before_retrying(Connection, 8, monkeypatch)
    assert waits == [1, 2, 3, 4, 5, 5, 5, 5]
    assert max(waits) == RECONNECT_MAX_SECONDS  # the ceiling is the module's, not kombu's 30


def test_kombus_own_schedule_is_slower(monkeypatch):
    # What the subclass is for: if kombu's defaults change, look again.
    assert waits_before_retrying(KombuConnection, 4, monkeypatch)[:4] == [2, 4, 6, 8]


def test_celery_opens_it():
    flask_app = Flask(__name__)
    flask_app.config.update(load_config("development", env={}))
    before = celery_state.default_app
    try:
        celery = init_celery(flask_app)
        assert isinstance(celery.connection_for_read(), Connection)
        assert celery.conf.broker_connection_max_retries is None
    finally:
        celery_state.set_default_app(before)  # init_celery made its app the default

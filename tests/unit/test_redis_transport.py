"""workers/redis_transport.py: a channel whose connection Celery has already collected fails
with a connection error, which the close and the late acknowledgement handle, and not with
the AttributeError that ended the worker. The worker test that holds a task open across a
Redis outage is tests/workers/test_relay_process.py's."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from kombu.transport import redis as kombu_redis

from config import load_config
from workers import celery_settings
from workers.redis_transport import TRANSPORT, Channel, Transport


def collected_channel() -> Channel:
    channel = Channel.__new__(Channel)  # what is left of it once its connection is collected
    channel.connection = SimpleNamespace(client=None, default_port=6379)
    return channel


def test_a_collected_channel_fails_as_a_lost_connection():
    with pytest.raises(Transport.connection_errors) as caught:
        collected_channel()._connparams()
    assert not isinstance(caught.value, AttributeError)


def test_kombus_own_channel_fails_otherwise():
    # Why the subclass exists: if kombu mends this, the transport can go.
    channel = kombu_redis.Channel.__new__(kombu_redis.Channel)
    channel.connection = SimpleNamespace(client=None, default_port=6379)
    with pytest.raises(AttributeError):
        channel._connparams()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://redis.internal:6380/0"])
def test_redis_brokers_use_it(url):
    cfg = load_config("development", env={"REDIS_URL": url})
    assert cfg["CELERY_BROKER_URL"] == url
    assert celery_settings(cfg)["broker_transport"] == TRANSPORT


def test_the_embedded_broker_keeps_its_transport():
    assert "broker_transport" not in celery_settings(load_config("development", env={}))

"""kombu's Redis transport, made to survive losing the broker while a task runs.

After a broker connection is lost, Celery's worker collects the connection (which drops the
transport's link to it) and then closes it. Closing the channel restores the messages still
unacknowledged, the running task's among them; kombu builds a Redis client for that from the
dropped link and fails with an AttributeError. That is not one of the connection errors the
close ignores, so the whole worker stopped ("Unrecoverable error") instead of reconnecting.

Here a channel whose connection is gone raises Redis's ConnectionError instead: the close
and the late acknowledgement then treat it as the lost connection it is, and the worker
reconnects. Nothing is lost by not restoring then: Redis cannot be reached to restore to,
and a message left unacknowledged in Redis goes back to its queue after the visibility
timeout (an outbox event whose task never ran is published again by the relay's sweep).
"""

from __future__ import annotations

import redis
from kombu.transport import redis as kombu_redis

# Celery's ``broker_transport`` for redis:// and rediss:// brokers.
TRANSPORT = "workers.redis_transport:Transport"


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel

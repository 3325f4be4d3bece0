"""The broker connection Celery opens: kombu's, trying again sooner when the broker is away.

kombu waits 2, 4, 6 ... up to 30 s between attempts to reach a broker, and Celery has no
setting for it: a worker could see Redis come back up to 30 s late, and an urgent alert wait
that long. Here the wait starts at one second and grows by one up to ``RECONNECT_MAX_SECONDS``;
an attempt to a broker that is away is one refused or timed-out connect, so trying that often
costs nothing worth counting. ``celery_settings`` retries for as long as the outage lasts.
"""

from __future__ import annotations

from celery.app.amqp import AMQP as CeleryAMQP
from kombu import Connection as KombuConnection

RECONNECT_START_SECONDS = 1.0
RECONNECT_STEP_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 5.0


class Connection(KombuConnection):
    def ensure_connection(self, *args, **kwargs):
        kwargs.setdefault("interval_start", RECONNECT_START_SECONDS)
        kwargs.setdefault("interval_step", RECONNECT_STEP_SECONDS)
        kwargs.setdefault("interval_max", RECONNECT_MAX_SECONDS)
        return super().ensure_connection(*args, **kwargs)


class AMQP(CeleryAMQP):
    """Celery's messaging layer (``Celery(amqp=...)``), opening the connection above."""

    Connection = Connection

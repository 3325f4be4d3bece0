"""Celery: the app bound to Flask, thin tasks, the beat schedule.

``init_celery(app)`` is called by ``create_app``; nothing here creates a Flask app at import
time except the worker entry point ``workers.celery_app``.
"""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task
from flask import Flask

from meldecentral.logs import request_id_var
from workers.reconnect import AMQP
from workers.redis_transport import TRANSPORT as REDIS_TRANSPORT

URGENT_QUEUE = "urgent"
NORMAL_QUEUE = "normal"


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # The id of the web request that caused this task (sent as a header by the relay)
            # goes into the task's log records and into the events it records.
            token = request_id_var.set(_request_id_of(self.request))
            try:
                with app.app_context():
                    return self.run(*args, **kwargs)
            finally:
                request_id_var.reset(token)

    celery = Celery(app.import_name, task_cls=FlaskTask, amqp=AMQP)
    celery.config_from_object(celery_settings(app.config))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _request_id_of(task_request) -> str | None:
    rid = getattr(task_request, "request_id", None)
    if rid is None:
        rid = (getattr(task_request, "headers", None) or {}).get("request_id")
    return rid if isinstance(rid, str) else None


def celery_settings(config) -> dict:
    from workers.schedule import beat_schedule

    broker = config["CELERY_BROKER_URL"]
    transport_options: dict = {"visibility_timeout": int(config["CELERY_VISIBILITY_TIMEOUT"])}
    if broker.startswith(("sqla+", "sqlalchemy+")):
        # kombu hands these options to create_engine: no visibility timeout here. Writers wait
        # for SQLite's lock instead of failing (WAL comes from meldecentral/db/sqlite.py).
        transport_options = {"connect_args": {"timeout": 30}}
        if broker.startswith(("sqla+sqlite:///", "sqlalchemy+sqlite:///")):
            Path(broker.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    settings: dict = {}
    if broker.startswith("redis"):
        transport_options |= {"socket_connect_timeout": 2, "socket_timeout": 5}
    if broker.startswith(("redis://", "rediss://")):
        settings["broker_transport"] = REDIS_TRANSPORT
    return settings | {
        "broker_url": broker,
        "result_backend": config.get("CELERY_RESULT_BACKEND"),
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        # A worker keeps trying to reach its broker for as long as it is away (Celery's default
        # gives up after 100 attempts, minutes at workers/reconnect.py's pace) and the alerts
        # wait in the outbox meanwhile.
        "broker_connection_max_retries": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # No loss: acknowledge after the work is done; a killed worker's task goes back.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": NORMAL_QUEUE,
        "task_create_missing_queues": True,
        "worker_hijack_root_logger": False,
        "beat_schedule": beat_schedule(config),
        "timezone": "UTC",
        "include": ["workers.tasks"],
    }

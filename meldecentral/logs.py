"""Structured logs: one JSON object per line (time, level, logger, message, request_id).

The request id is the web request's (``g.request_id``, from X-Request-ID or generated), and in a
Celery task the id of the request that caused it: the outbox stores it with each event, the relay
sends it as the task header ``request_id``, and ``workers.init_celery`` puts it in
``request_id_var`` while the task runs. Every log record gets a ``request_id`` attribute (a log
record factory), whichever handler formats it.

Log messages carry ids and codes, never report text, names, addresses or receipt references.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

request_id_var: ContextVar[str | None] = ContextVar("mc_request_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    if has_request_context():
        rid = g.get("request_id")
        if rid:
            return rid
    return request_id_var.get()


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; extra fields given with ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_mc_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            record.request_id = current_request_id()
        except RuntimeError:  # outside any context
            record.request_id = None
        return record

    factory._mc_request_id = True
    logging.setLogRecordFactory(factory)


class _JsonHandler(logging.StreamHandler):
    """Marks the handler this module installed, so that create_app can run again (tests)."""


def configure_logging(app: Flask) -> None:
    """Records carry the request id; with LOG_FORMAT "json" the root logger writes JSON lines
    to stderr at LOG_LEVEL. With "plain" (tests, and a developer who prefers it) the handlers
    are left alone."""
    _install_record_factory()
    if app.config.get("LOG_FORMAT", "json") != "json":
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JsonHandler):
            root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))

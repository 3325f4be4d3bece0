"""gunicorn's access line (meldecentral/access_log.py) with the production configuration."""

from __future__ import annotations

import io
import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def access_logger(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    cfg = Config()
    for name in ("accesslog", "logger_class", "logconfig_dict"):
        cfg.set(name, settings[name])
    logger = cfg.logger_class(cfg)
    stream = io.StringIO()
    handler = logger.access_log.handlers[0]
    monkeypatch.setattr(handler, "stream", stream)
    yield logger, stream
    logging.getLogger("gunicorn.access").handlers.clear()
    logging.getLogger("gunicorn.error").handlers.clear()


def _request(environ: dict, headers: list, status="201 CREATED", sent=57):
    resp = SimpleNamespace(status=status, headers=headers, sent=sent)
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/reports", "QUERY_STRING": ""}
    return resp, SimpleNamespace(), base | environ, timedelta(microseconds=4321)


def test_one_json_line_with_the_request_id_and_nothing_personal(access_logger):
    logger, stream = access_logger
    resp, req, environ, took = _request(
        {
            "REMOTE_ADDR": "198.51.100.23",
            "QUERY_STRING": "reference=MC-ABCD-1234",
            "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone)",
        },
        [("Content-Type", "application/json"), ("X-Request-ID", "req-abc-123")],
    )
    logger.access(resp, req, environ, took)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["logger"] == "gunicorn.access"
    assert line["request_id"] == "req-abc-123"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/v1/reports", 201)
    assert (line["bytes"], line["duration_ms"]) == (57, 4)
    assert line["message"] == '"POST /api/v1/reports" 201 57 4ms rid=req-abc-123'
    for personal in ("198.51.100.23", "MC-ABCD-1234", "iPhone"):
        assert personal not in lines[0]


def test_a_response_without_a_request_id_or_size(access_logger):
    logger, stream = access_logger
    resp, req, environ, took = _request({}, [], status=404, sent=None)
    logger.access(resp, req, environ, took)
    line = json.loads(stream.getvalue())
    assert line["request_id"] is None and line["status"] == 404
    assert line["message"] == '"POST /api/v1/reports" 404 - 4ms rid=-'

"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app

from meldecentral.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


def _check_broker() -> str | None:
    from kombu import Connection

    url = current_app.config["CELERY_BROKER_URL"]
    if url.startswith("memory://"):
        return None
    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return type(exc).__name__
    return None


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    broker_error = _check_broker()
    checks["broker"] = "ok" if broker_error is None else f"error: {broker_error}"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503

"""The ceiling for intake: a bare Flask + SQLAlchemy + marshmallow endpoint that validates a
report with the API's own schema and inserts the same report row, and nothing else (no rate
limit, no place lookup, no history, no outbox, no relay, no request id or metrics).

Served by bench/run.py exactly like the application: gunicorn with config/gunicorn.py, the same
workers and threads, the same PostgreSQL database.

    DATABASE_URL=postgresql+psycopg://... gunicorn --config config/gunicorn.py bench.ceiling_app:app
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request
from marshmallow import ValidationError

from config import normalise_db_url
from meldecentral.schemas.reports import ReportInSchema

app = Flask(__name__)
engine = sa.create_engine(normalise_db_url(os.environ["DATABASE_URL"]), pool_size=5)
metadata = sa.MetaData()
report = sa.Table("report", metadata, autoload_with=engine)
_schema = ReportInSchema()
_categories: dict[str, tuple[int, str, str]] = {}
_district: list[int] = []


def _lookups() -> None:
    """Reference data once per process (the application looks the category up per request)."""
    with engine.connect() as conn:
        for cid, code, kind, urgency in conn.execute(
            sa.text("SELECT id, code, kind, default_urgency FROM category")
        ):
            _categories[code] = (cid, kind, urgency)
        _district.append(conn.scalar(sa.text("SELECT id FROM district WHERE number = 3")))
        _municipality.append(conn.scalar(sa.text("SELECT id FROM municipality LIMIT 1")))


_municipality: list[int] = []


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/api/v1/reports")
def submit():
    if not _categories:
        _lookups()
    try:
        data = _schema.load(request.get_json())
    except ValidationError as exc:
        return jsonify({"error": exc.messages}), 422
    category = _categories.get(data["category"])
    if category is None:
        return jsonify({"error": {"category": ["unknown"]}}), 422
    now = datetime.now(UTC)
    values = {
        "municipality_id": _municipality[0],
        "reference": "CEIL-" + secrets.token_hex(5).upper(),
        "kind": data.get("kind") or category[1],
        "category_id": category[0],
        "text": data["text"],
        "lat": data.get("lat"),
        "lon": data.get("lon"),
        "district_id": _district[0],
        "minor_involved": data["minor_involved"],
        "person_named": data["person_named"],
        "housing_estate": data["housing_estate"],
        "urgency": category[2],
        "status": "received",
        "source": "resident",
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as conn:
        new_id = conn.execute(sa.insert(report).values(values).returning(report.c.id)).scalar()
    return {"id": new_id, "reference": values["reference"], "status": "received"}, 201

"""Reference data, the OpenAPI document, health, and concurrent idempotent submissions."""

import threading

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from meldecentral.extensions import db
from meldecentral.models import Report
from tests.conftest import NORREBRO


def test_categories(client):
    items = client.get("/api/v1/categories").json["items"]
    codes = [c["code"] for c in items]
    # The demo's 16 of DOMAIN.md, KONFLIKT (conflict mediation) and BEHOV, the staff's
    # "what is needed here" (kind need).
    assert len(codes) == 18 and "VOLD" in codes and "KONFLIKT" in codes and "BEHOV" in codes
    vold = next(c for c in items if c["code"] == "VOLD")
    assert vold["label_da"] == "Vold og trusler" and vold["default_urgency"] == "high"


def test_districts_geojson(client):
    res = client.get("/api/v1/districts")
    assert res.headers["Content-Type"] == "application/geo+json"
    fc = res.json
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 10
    names = {f["properties"]["number"]: f["properties"]["name"] for f in fc["features"]}
    assert names[3] == "Nørrebro" and names[10] == "Amager Vest"


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert "/reports" in spec["paths"] and "112" in spec["info"]["description"]
    assert client.get("/api/v1/docs").status_code == 200


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    res = client.get("/readyz")
    assert res.status_code == 200 and res.json["checks"]["database"] == "ok"


@pytest.mark.slow
def test_readiness_fails_when_the_broker_is_unreachable(app, client):
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"
    try:
        res = client.get("/readyz")
    finally:
        app.config["CELERY_BROKER_URL"] = "memory://"
    assert res.status_code == 503 and res.json["checks"]["broker"].startswith("error")


def test_concurrent_submissions_with_one_key_create_one_report(app):
    body = {"category": "NABO", "text": "Larm hver nat.", **NORREBRO}
    barrier = threading.Barrier(4)
    results = []

    def submit():
        with app.app_context():
            c = app.test_client()
            barrier.wait()
            res = c.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "k" * 16})
            results.append((res.status_code, res.json.get("reference")))
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [200, 200, 200, 201], results
    assert len({ref for _, ref in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1

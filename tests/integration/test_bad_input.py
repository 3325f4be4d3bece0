"""Input that cannot be stored, and a database that cannot be reached, answered as the client's
or the moment's problem, never as a 500 (issue 16, item 17)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from meldecentral import create_app
from meldecentral.extensions import db
from meldecentral.models import Report
from tests.conftest import NORREBRO, auth
from tests.integration.test_web_public import report_form
from tests.webutil import text_of

BODY = {"category": "VOLD", "text": "Overfald ved stationen i går.", **NORREBRO}


def _post_raw(client, raw: str, headers=None):
    return client.post(
        "/api/v1/reports", data=raw, content_type="application/json", headers=headers or {}
    )


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Report.id)))


def test_a_nul_in_the_text_is_refused_naming_the_field(client):
    res = client.post("/api/v1/reports", json={**BODY, "text": "Overfald\x00 ved stationen."})
    assert res.status_code == 422, res.json
    assert list(res.json["error"]["fields"]) == ["text"]
    assert _count() == 0


def test_an_unpaired_surrogate_is_refused_naming_the_field(client):
    raw = json.dumps(BODY)[:-1] + ', "address_text": "Blågårds \\ud800 Plads"}'
    res = _post_raw(client, raw)
    assert res.status_code == 422, res.json
    assert list(res.json["error"]["fields"]) == ["address_text"]
    assert _count() == 0


def test_a_nul_in_a_nested_field_names_its_path(client):
    body = {**BODY, "contact": {"name": "A\x00B", "email": "a@example.org"}}
    res = client.post("/api/v1/reports", json=body)
    assert res.status_code == 422 and list(res.json["error"]["fields"]) == ["contact.name"]


def test_json_nested_thirty_thousand_deep_is_a_400(client):
    raw = '{"text": ' + "[" * 30_000 + "]" * 30_000 + "}"
    res = _post_raw(client, raw)
    assert res.status_code == 400 and res.json["error"]["code"] == "invalid_json"
    assert res.json["error"]["fields"] == {"body": ["nested too deep"]}


def test_a_nul_in_a_note_and_in_a_filter_value(client, make_user):
    _, coord = make_user("coordinator")
    report_id = client.post("/api/v1/reports", json=BODY).json["id"]
    res = client.post(
        f"/api/v1/reports/{report_id}/notes",
        json={"body": "Ring\x00 til SSP", "visibility": "internal"},
        headers=auth(coord),
    )
    assert res.status_code == 422 and list(res.json["error"]["fields"]) == ["body"]
    res = client.get("/api/v1/reports?category=VO%00LD", headers=auth(coord))
    assert res.status_code == 422 and list(res.json["error"]["fields"]) == ["category"]


def test_a_nul_in_a_page_form_gets_the_sites_page_naming_the_field(client):
    res = report_form(client, text="Larm\x00 og trusler i opgangen.")
    assert res.status_code == 400
    assert "“text”" in text_of(res) and "<html" in text_of(res)
    assert _count() == 0


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(tmp_path):
    app = create_app(
        "testing",
        {
            # Nothing listens on port 1: every connection is refused, as during a restart.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        },
    )
    client = app.test_client()
    res = client.post("/api/v1/reports", json=BODY)
    assert res.status_code == 503, res.get_data(as_text=True)
    assert res.json["error"]["code"] == "unavailable"
    assert int(res.headers["Retry-After"]) > 0
    page = client.get("/track/MC-AAAA-AAAA")
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "<html" in page.get_data(as_text=True)

"""Field rules that the schemas hold (not the views), answered exactly as the API always has:
who may set which field of a report, the Idempotency-Key's length, the routing rules' list, an
upload's file. On SQLite and PostgreSQL."""

import io

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Report
from tests.conftest import NORREBRO, auth


def valid(**over) -> dict:
    return {"category": "HAERVAERK", "text": "Knuste ruder i opgangen.", **NORREBRO, **over}


def invalid(message: str, fields: dict) -> dict:
    return {"error": {"code": "validation_error", "message": message, "fields": fields}}


def reports() -> int:
    return db.session.scalar(sa.select(sa.func.count(Report.id)))


def test_a_resident_may_not_set_the_urgency(client):
    res = client.post("/api/v1/reports", json=valid(urgency="high"))
    assert res.status_code == 422
    assert res.json == invalid(
        "the request has invalid fields",
        {"urgency": ["set by the centre; residents cannot set it"]},
    )


def test_a_report_without_a_place_is_answered_about_the_place_alone(client):
    body = {"category": "HAERVAERK", "text": "Knuste ruder.", "urgency": "high"}
    res = client.post("/api/v1/reports", json=body)
    assert res.status_code == 422
    assert res.json == invalid(
        "the request has invalid fields", {"location": ["give a point (lat, lon) or a district"]}
    )


def test_staff_may_set_the_urgency_but_give_no_contact(client, make_user):
    _, token = make_user("street_worker")
    body = valid(urgency="high", contact={"name": "Ane"})
    res = client.post("/api/v1/reports", json=body, headers=auth(token))
    assert res.status_code == 422
    assert res.json == invalid(
        "the request has invalid fields", {"contact": ["staff reports carry no resident contact"]}
    )
    body.pop("contact")
    assert client.post("/api/v1/reports", json=body, headers=auth(token)).status_code == 201


@pytest.mark.parametrize("key", ["", "seven77", "k" * 101])
def test_an_idempotency_key_has_8_to_100_characters(client, key):
    res = client.post("/api/v1/reports", json=valid(), headers={"Idempotency-Key": key})
    assert res.status_code == 422
    assert res.json == invalid(
        "invalid Idempotency-Key", {"Idempotency-Key": ["between 8 and 100 characters"]}
    )
    assert reports() == 0


def test_the_body_is_checked_before_the_idempotency_key(client):
    res = client.post("/api/v1/reports", json=valid(text=""), headers={"Idempotency-Key": "k"})
    assert res.status_code == 422
    assert res.json["error"]["message"] == "the request has invalid fields"
    assert list(res.json["error"]["fields"]) == ["text"]


@pytest.mark.parametrize(
    "body", [{}, {"rules": None}, {"rules": "all"}, {"rules": {"id": "r1"}}], ids=repr
)
def test_the_routing_rules_are_a_list(client, make_user, body):
    _, token = make_user("admin")
    res = client.put("/api/v1/routing/rules", json=body, headers=auth(token))
    assert res.status_code == 422
    assert res.json == invalid("invalid rules", {"rules": ["a list of rules"]})


def test_each_routing_rule_is_checked_by_the_domain(client, make_user):
    _, token = make_user("admin")
    res = client.put("/api/v1/routing/rules", json={"rules": [1]}, headers=auth(token))
    assert res.status_code == 422
    assert res.json["error"]["message"] == "invalid routing rules"


def test_keys_beside_the_routing_rules_are_ignored(client, make_user):
    _, token = make_user("admin")
    rules = client.get("/api/v1/routing/rules", headers=auth(token)).json["rules"]
    body = {"rules": rules, "comment": "as before"}
    res = client.put("/api/v1/routing/rules", json=body, headers=auth(token))
    assert res.status_code == 200 and res.json == {"rules": rules}


def test_an_upload_needs_its_file_field(client, make_user):
    _, token = make_user("coordinator")
    res = client.post(
        "/api/v1/reports/1/attachments",
        data={"photo": (io.BytesIO(b"not read"), "photo.jpg")},
        content_type="multipart/form-data",
        headers=auth(token),
    )
    assert res.status_code == 422
    assert res.json == invalid("no file", {"file": ["required: a JPEG, PNG or WebP photo"]})

"""The admin area, and CSRF on every form: a POST without its token is refused (400) and
changes nothing."""

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Category, Note, Report, RoutingRule, Unit, User
from tests.conftest import NORREBRO
from tests.factories import file_report, signed_in
from tests.webutil import csrf, text_of


def test_admin_creates_a_user_and_bad_input_is_named(app):
    admin, _ = signed_in(app, "admin")
    token = csrf(admin, "/admin/users")
    res = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "ny@test.example",
            "name": "Ny Bruger",
            "role": "unit_member",
            "unit": "",
            "password": "short",
        },
    )
    assert res.status_code == 422
    html = text_of(res)
    assert 'id="password-err"' in html and 'id="unit-err"' in html
    assert 'value="ny@test.example"' in html and 'value="Ny Bruger"' in html
    res = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "ny@test.example",
            "name": "Ny Bruger",
            "role": "unit_member",
            "unit": "SSP",
            "password": "a long enough secret",
        },
    )
    assert res.status_code == 302
    assert db.session.scalar(sa.select(User).filter_by(email="ny@test.example")).unit.code == "SSP"


def test_admin_deactivates_and_resets_two_factor(app):
    admin, _ = signed_in(app, "admin")
    coord_client, coordinator = signed_in(app, "coordinator")
    token = csrf(admin, "/admin/users")
    confirmed = {"csrf_token": token, "confirm": "yes"}
    admin.post(f"/admin/users/{coordinator.id}/reset-2fa", data=confirmed)
    db.session.refresh(coordinator)
    assert coordinator.totp_secret is None
    assert coord_client.get("/staff/queue").status_code == 302  # its session ended
    admin.post(f"/admin/users/{coordinator.id}/deactivate", data=confirmed)
    db.session.refresh(coordinator)
    assert not coordinator.active


@pytest.mark.parametrize("action", ["deactivate", "reset-2fa"])
def test_locking_someone_out_is_asked_again_first(app, action):
    """Issue 16, item 18: deactivating a user and resetting two-factor happened on one tap."""
    admin, _ = signed_in(app, "admin")
    _, coordinator = signed_in(app, "coordinator")
    secret = coordinator.totp_secret
    res = admin.post(
        f"/admin/users/{coordinator.id}/{action}", data={"csrf_token": csrf(admin, "/admin/users")}
    )
    assert res.status_code == 200
    page = text_of(res)
    assert coordinator.name in page and 'name="confirm" value="yes"' in page
    assert 'href="/admin/users"' in page  # a way back that changes nothing
    db.session.refresh(coordinator)
    assert coordinator.active and coordinator.totp_secret == secret  # nothing done yet


def test_admin_edits_a_unit_channels(app):
    admin, _ = signed_in(app, "admin")
    unit = db.session.scalar(sa.select(Unit).filter_by(code="SSP"))
    page = f"/admin/units/{unit.id}"
    token = csrf(admin, page)
    res = admin.post(
        page,
        data={
            "csrf_token": token,
            "name": unit.name,
            "active": "y",
            "channels_high": ["sms"],
            "channels_normal": ["email"],
        },
    )
    assert res.status_code == 422 and 'id="channels_high-err"' in text_of(res)
    res = admin.post(
        page,
        data={
            "csrf_token": token,
            "name": unit.name,
            "active": "y",
            "sms_number": "+4512345678",
            "email": "ssp@example.org",
            "channels_high": ["sms", "email"],
            "channels_normal": ["email"],
        },
    )
    assert res.status_code == 302
    db.session.refresh(unit)
    assert unit.channels == {"high": ["sms", "email"], "normal": ["email"], "low": []}


def test_admin_edits_a_category(app):
    admin, _ = signed_in(app, "admin")
    category = db.session.scalar(sa.select(Category).filter_by(code="NABO"))
    page = f"/admin/categories/{category.id}"
    res = admin.post(
        page,
        data={
            "csrf_token": csrf(admin, page),
            "label_da": "Naboer",
            "label_en": "Neighbours",
            "kind": "concern",
            "default_urgency": "normal",
        },
    )
    assert res.status_code == 302
    db.session.refresh(category)
    assert (category.label_da, category.default_urgency, category.active) == (
        "Naboer",
        "normal",
        False,
    )


def test_admin_edits_routing_rules_as_text(app):
    admin, _ = signed_in(app, "admin")
    text = text_of(admin.get("/admin/rules"))
    assert "Violence and threats" in text
    before = db.session.scalar(sa.select(sa.func.count(RoutingRule.id)))
    token = csrf(admin, "/admin/rules")
    res = admin.post(
        "/admin/rules", data={"csrf_token": token, "rules": "- {id: 1, units: [NOPE]}"}
    )
    assert res.status_code == 422 and 'id="rules-err"' in text_of(res)
    res = admin.post("/admin/rules", data={"csrf_token": token, "rules": "[: not yaml"})
    assert res.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(RoutingRule.id))) == before
    res = admin.post(
        "/admin/rules",
        data={
            "csrf_token": token,
            "rules": '[{"id": 1, "name": "all", "order": 1, "units": ["COORD"]}]',
        },
    )
    assert res.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(RoutingRule.id))) == 1


def _counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in (Report, Note, User, Category, RoutingRule)
    ) + (db.session.scalar(sa.select(sa.func.count(Report.id)).where(Report.status != "received")),)


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        (None, "/report", {"category": "NABO", "text": "x", "district": "3"}),
        (None, "/login", {"email": "a@b.c", "password": "x"}),
        ("street_worker", "/staff/report", {"category": "NABO", "text": "x", "district": "3"}),
        ("street_worker", "/logout", {}),
        ("coordinator", "/staff/reports/{id}/route", {"route-units": ["SSP"]}),
        ("coordinator", "/staff/reports/{id}/change", {"change-category": "VOLD"}),
        ("coordinator", "/staff/reports/{id}/status", {"target": "rejected", "reject-reason": "x"}),
        (
            "coordinator",
            "/staff/reports/{id}/notes",
            {"note-body": "x", "note-visibility": "internal"},
        ),
        ("coordinator", "/staff/assignments/1", {"a-status": "closed", "a-outcome": "x"}),
        ("coordinator", "/staff/deliveries/1/resend", {}),
        (
            "admin",
            "/admin/users",
            {"email": "x@y.z", "name": "x", "role": "admin", "password": "x" * 14},
        ),
        ("admin", "/admin/users/1/deactivate", {}),
        ("admin", "/admin/units/1", {"name": "x"}),
        (
            "admin",
            "/admin/categories/new",
            {
                "code": "NY",
                "label_da": "x",
                "label_en": "x",
                "kind": "crime",
                "default_urgency": "low",
            },
        ),
        ("admin", "/admin/rules", {"rules": "[]"}),
    ],
)
def test_every_form_refuses_a_missing_csrf_token(app, client, role, path, data):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker, **NORREBRO)
    browser = signed_in(app, role)[0] if role else client
    before = _counts()
    res = browser.post(path.format(id=report.id), data=data)
    assert res.status_code == 400
    assert "Formularen var udløbet" in text_of(res)
    assert _counts() == before

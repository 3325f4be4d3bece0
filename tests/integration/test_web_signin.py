"""Sign-in pages: a clear refusal that names nothing, a new session at sign-in, sign-out that
kills the old cookie, lock-out and unlock, two-factor and its enrolment."""

import pyotp
import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import User
from tests.conftest import create_staff
from tests.webutil import PASSWORD, csrf, page_client, sign_in, text_of, with_totp

REFUSED = "Login mislykkedes"


def test_wrong_password_and_unknown_address_get_the_same_page(client):
    user, _ = create_staff("street_worker")
    wrong = client.post(
        "/login",
        data={"email": user.email, "password": "nope", "csrf_token": csrf(client, "/login")},
    )
    unknown = client.post(
        "/login",
        data={"email": "x@example.org", "password": "nope", "csrf_token": csrf(client, "/login")},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert REFUSED in text_of(wrong) and REFUSED in text_of(unknown)
    assert user.email in text_of(wrong)  # the address is kept in the field
    assert 'value="nope"' not in text_of(wrong)  # the password is not


def test_sign_in_starts_a_new_session(app, client):
    user, _ = create_staff("street_worker")
    with client.session_transaction() as s:
        s["planted"] = "before sign-in"
        s["lang"] = "en"
    res = sign_in(client, user)
    assert res.status_code == 302 and res.headers["Location"] == "/staff/"
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["lang"] == "en"  # the chosen language survives
        assert s["_user_id"] == f"{user.id}:{user.session_version}"
    assert not any(c.key == "remember_token" for c in client._cookies.values())
    assert client.get("/staff/report").status_code == 200


def test_sign_out_makes_an_old_cookie_useless(app, client):
    user, _ = create_staff("street_worker")
    sign_in(client, user)
    stolen = client.get_cookie("session").value
    token = csrf(client, "/staff/report")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = page_client(app)
    replay.set_cookie("session", stolen)
    res = replay.get("/staff/report")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_staff_pages_send_strangers_to_sign_in(client):
    for path in ("/staff/report", "/staff/queue", "/staff/inbox", "/admin/users", "/staff/mine"):
        res = client.get(path)
        assert res.status_code == 302 and res.headers["Location"].startswith("/login"), path


@pytest.mark.slow
def test_lock_out_after_five_failures_and_admin_unlock(app, client):
    user, _ = create_staff("street_worker")
    for _ in range(5):
        client.post(
            "/login",
            data={"email": user.email, "password": "nope", "csrf_token": csrf(client, "/login")},
        )
    res = sign_in(client, user)
    assert res.status_code == 401 and REFUSED in text_of(res)
    admin, _ = create_staff("admin")
    secret = with_totp(admin)
    assert secret
    staff = page_client(app)
    assert sign_in(staff, admin).status_code == 302
    token = csrf(staff, "/admin/users")
    assert "Spærret" in text_of(staff.get("/admin/users"))
    staff.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": token})
    db.session.refresh(user)
    assert user.locked_until is None
    assert sign_in(client, user).status_code == 302


def test_second_factor_for_a_coordinator(client):
    user, _ = create_staff("coordinator")
    secret = with_totp(user)
    res = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    assert res.headers["Location"] == "/login/code"
    # Not signed in yet.
    assert client.get("/staff/queue").status_code == 302
    bad = client.post(
        "/login/code", data={"code": "000000", "csrf_token": csrf(client, "/login/code")}
    )
    assert bad.status_code == 401 and 'id="code-err"' in text_of(bad)
    good = client.post(
        "/login/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(client, "/login/code")},
    )
    assert good.status_code == 302
    assert client.get("/staff/queue").status_code == 200


def test_enrolment_shows_the_secret_and_stores_it_after_a_code(client):
    user, _ = create_staff("unit_member", "POLICE")
    res = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    assert res.headers["Location"] == "/login/enrol"
    html = text_of(client.get("/login/enrol"))
    secret = html.split("data-secret>")[1].split("<")[0].strip()
    assert "otpauth://totp/" in html and f"secret={secret}" in html
    assert "<svg" in html.split("data-qr>")[1].split("</figure>")[0]  # the QR code to scan
    res = client.post(
        "/login/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(client, "/login/enrol")},
    )
    assert res.status_code == 302
    stored = db.session.scalar(sa.select(User.totp_secret).where(User.id == user.id))
    assert stored == secret
    assert client.get("/staff/inbox").status_code == 200


def test_next_is_followed_only_on_this_site(client):
    user, _ = create_staff("street_worker")
    res = client.post(
        "/login?next=/staff/mine",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    assert res.headers["Location"] == "/staff/mine"
    client.post("/logout", data={"csrf_token": csrf(client, "/staff/mine")})
    res = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    assert res.headers["Location"] == "/staff/"


def test_idle_and_absolute_session_timeouts(app, client):
    from datetime import timedelta

    from meldecentral import clock

    user, _ = create_staff("street_worker")
    start = clock.now()
    with clock.at(start):
        sign_in(client, user)
        assert client.get("/staff/report").status_code == 200
    # active every 25 minutes: the idle timeout (30 min) never strikes...
    for step in range(1, 19):
        with clock.at(start + timedelta(minutes=25 * step)):
            assert client.get("/staff/mine").status_code == 200, step
    # ...but 8 hours after sign-in the session ends anyway
    with clock.at(start + timedelta(hours=8, minutes=1)):
        res = client.get("/staff/mine")
        assert res.status_code == 302 and "/login" in res.headers["Location"]

    other = page_client(app)
    user2, _ = create_staff("street_worker")
    with clock.at(start):
        sign_in(other, user2)
    with clock.at(start + timedelta(minutes=31)):  # idle for 31 minutes
        res = other.get("/staff/mine")
        assert res.status_code == 302 and "/login" in res.headers["Location"]

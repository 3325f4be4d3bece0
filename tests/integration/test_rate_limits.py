"""Rate limits (ASVS V11.1.4 anti-automation): anonymous submissions and tracking look-ups per
client address, a JSON 429 with Retry-After, staff tokens exempt from the submission limit, and
fail-open with a warning (limits then counted in memory) when the storage (Redis) is down.

TestingConfig switches limits off; each test here builds its own app with them on."""

from __future__ import annotations

import logging
import os
import re
import socket

import pytest
import redis
from flask_migrate import upgrade
from limits import parse_many

from meldecentral import create_app
from meldecentral.extensions import db, limiter
from meldecentral.security import configured_limit
from meldecentral.services import setup
from tests.conftest import NORREBRO, auth, create_staff
from tests.webutil import csrf, text_of

REPORT = {"category": "NABO", "text": "Larm hver nat.", **NORREBRO}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'limits.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        setup.load_reference_data()
        db.session.remove()
    return url


@pytest.fixture
def limited_app(db_url):
    made = []

    def make(**overrides):
        # Flask-Limiter remembers "storage dead" on the process-wide Limiter, not per app; a
        # new app (as in a new process) starts from a live storage.
        limiter._storage_dead = False
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": db_url,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": "memory://",
                **overrides,
            },
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


def test_the_configured_limits_parse():
    from config import Config

    for value in (
        Config.RATELIMIT_SUBMIT,
        Config.RATELIMIT_TRACK,
        Config.RATELIMIT_SIGNIN,
        Config.RATELIMIT_OPEN311_SUBMIT,
        Config.RATELIMIT_OPEN311_READ,
    ):
        assert parse_many(value)
    assert [str(x) for x in parse_many(Config.RATELIMIT_SUBMIT)] == [
        "10 per 1 minute",
        "100 per 1 day",
    ]


def test_anonymous_submissions_are_limited_per_address(limited_app):
    app = limited_app(RATELIMIT_SUBMIT="3/minute;100/day")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    res = client.post("/api/v1/reports", json=REPORT)
    assert res.status_code == 429
    assert res.json["error"]["code"] == "too_many_requests"
    assert 0 < int(res.headers["Retry-After"]) <= 60
    assert res.headers["Cache-Control"] == "no-store"
    # another address has its own allowance
    other = client.post("/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 201


def test_staff_with_a_token_are_not_held_to_the_anonymous_limit(limited_app):
    app = limited_app(RATELIMIT_SUBMIT="1/minute")
    with app.app_context():
        _, token = create_staff("street_worker")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/reports", json=REPORT, headers=auth(token)).status_code == 201
    # a made-up token gets its 401, and counts against the address
    assert client.post("/api/v1/reports", json=REPORT, headers=auth("mc_nope")).status_code == 401
    assert client.post("/api/v1/reports", json=REPORT).status_code == 429


def test_tracking_look_ups_are_limited(limited_app):
    app = limited_app(RATELIMIT_TRACK="5/minute")
    client = app.test_client()
    codes = [client.get("/api/v1/track/MC-AAAA-BBBB").status_code for _ in range(6)]
    assert codes == [404] * 5 + [429]
    assert client.get("/api/v1/categories").status_code == 200  # other endpoints unaffected


def test_guessing_references_on_the_reporters_forms_is_limited(limited_app):
    """Issue 19: the reporter's writes count against the submission limit, wrong references
    too, on the API and on the tracking page (the page keeps what was typed)."""
    app = limited_app(RATELIMIT_SUBMIT="3/minute;100/day")
    client = app.test_client()
    codes = [
        client.post(f"/api/v1/track/MC-AAAA-000{i}/info", json={"body": "x"}).status_code
        for i in range(3)
    ]
    assert codes == [404] * 3
    res = client.post("/api/v1/track/MC-AAAA-0009/answers", json={"body": "x"})
    assert res.status_code == 429 and "Retry-After" in res.headers
    reference = client.post(
        "/api/v1/reports", json=REPORT, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    with app.app_context():
        from meldecentral.models import Report

        ref = db.session.get(Report, reference.json["id"]).reference
        db.session.remove()
    page = client.post(
        f"/track/{ref}/info",
        data={"csrf_token": csrf(client, f"/track/{ref}"), "info-body": "Kept text."},
    )
    assert page.status_code == 429 and "Kept text." in text_of(page)


def test_the_default_limits_are_in_force(limited_app):
    app = limited_app()
    client = app.test_client()
    codes = [client.get("/api/v1/track/MC-AAAA-BBBB").status_code for _ in range(31)]
    assert codes.count(429) == 1 and codes[-1] == 429


def test_configured_limit_decorates_any_view(limited_app):
    app = limited_app(RATELIMIT_SIGNIN="2/minute")

    @app.get("/_test/signin")  # (GET: a POST would need a CSRF token first)
    @configured_limit("RATELIMIT_SIGNIN")
    def _signin():
        return "ok"

    client = app.test_client()
    assert [client.get("/_test/signin").status_code for _ in range(3)] == [200, 200, 429]


def test_limits_on_every_endpoint_apply_when_configured(limited_app):
    # Flask-Limiter's per-request hook is left out unless such limits are set (security.py)
    app = limited_app(RATELIMIT_DEFAULT="2/minute")
    client = app.test_client()
    codes = [client.get("/api/v1/categories").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    app = limited_app()
    client = app.test_client()
    assert {client.get("/api/v1/categories").status_code for _ in range(5)} == {200}


def test_apps_with_limits_off_are_not_limited(app, client, limited_app):
    limited_app(RATELIMIT_TRACK="1/minute")  # switches the process-wide limiter on
    codes = {client.get("/api/v1/track/MC-AAAA-BBBB").status_code for _ in range(5)}
    assert codes == {404}


def test_redis_down_fails_open_with_a_warning_and_counts_in_memory(limited_app, caplog):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_SUBMIT="3/minute")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    # the submission counts in its view (security.count_request), with its own fallback
    warnings = [r for r in caplog.records if r.name == "meldecentral.security"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    # tracking counts in its view too (shared by the page and the API)
    caplog.clear()
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_TRACK="2/minute")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        codes = [client.get("/api/v1/track/MC-AAAA-BBBB").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    warnings = [r for r in caplog.records if r.name == "meldecentral.security"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    # the decorated endpoints (sign-in) fall back through Flask-Limiter
    caplog.clear()
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_SIGNIN="2/minute")

    @app.get("/_test/signin")
    @configured_limit("RATELIMIT_SIGNIN")
    def _signin():
        return "ok"

    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        codes = [client.get("/_test/signin").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    warnings = [r for r in caplog.records if r.name == "flask-limiter"]
    assert warnings and "unreachable" in warnings[0].getMessage()


def test_the_submission_limit_tries_the_storage_again_after_an_outage(limited_app, monkeypatch):
    from meldecentral import security

    url = f"redis://127.0.0.1:{closed_port()}/0"
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_SUBMIT="100/minute")
    client = app.test_client()
    tries = []
    real = security._first_exceeded

    def counting(strategy, *args):
        tries.append(strategy is app.extensions["mc_rate_fallback"].memory)
        return real(strategy, *args)

    monkeypatch.setattr(security, "_first_exceeded", counting)
    for _ in range(2):
        assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    # the storage failed once, then the memory counted (twice: the failed request, the next)
    assert tries == [False, True, True]
    clock = [security.time.monotonic() + security.STORAGE_RETRY_SECONDS + 1]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    assert tries[3:] == [False, True]  # the storage tried again (still down), memory again


def _redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def test_limits_are_counted_in_redis(limited_app):
    url = _redis_url()
    if url is None:
        if os.environ.get("MC_REQUIRE_REDIS"):
            pytest.fail("Redis not reachable at 127.0.0.1:6379")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_TRACK="2/minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    codes = [client.get("/api/v1/track/MC-AAAA-BBBB").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    keys = redis.Redis.from_url(url).keys("LIMITS*")
    assert keys
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_SUBMIT="2/minute")
    client = app.test_client()
    codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert redis.Redis.from_url(url).keys("LIMITS*submit*")
    with app.app_context():
        limiter.reset()


@pytest.mark.parametrize(
    ("limits", "counts"),
    [
        # the minute's limit refuses the third: the day's count of it is taken back
        ("2/minute;3/day", {"2 per 1 minute": 3, "3 per 1 day": 2}),
        # the day's limit refuses it: nothing after it to take back
        ("5/minute;2/day", {"5 per 1 minute": 3, "2 per 1 day": 3}),
    ],
)
def test_a_submission_is_counted_against_every_limit_as_limits_counts(limited_app, limits, counts):
    """Both limits counted in one round trip (security._first_exceeded_in_redis), in the keys
    and with the expiry ``limits``' own fixed window uses, and stopping at the first exceeded
    as counting one by one does."""
    url = _redis_url()
    if url is None:
        if os.environ.get("MC_REQUIRE_REDIS"):
            pytest.fail("Redis not reachable at 127.0.0.1:6379")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    app = limited_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_SUBMIT=limits)
    with app.app_context():
        limiter.reset()
        client = app.test_client()
        codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        strategy, store = limiter.limiter, redis.Redis.from_url(url)
        for item in parse_many(limits):
            key = strategy.storage.prefixed_key(item.key_for("127.0.0.1", "submit"))
            assert int(store.get(key)) == counts[str(item)]
            assert 0 < store.ttl(key) <= item.get_expiry()
            stats = strategy.get_window_stats(item, "127.0.0.1", "submit")
            assert stats.remaining == max(item.amount - counts[str(item)], 0)
        limiter.reset()


def test_sign_in_attempts_are_limited_per_address(limited_app):
    app = limited_app(RATELIMIT_SIGNIN="3/minute")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": "nobody@example.org", "password": "wrong password 1"}
    codes = [client.post("/login", data=form).status_code for _ in range(4)]
    assert 429 not in codes[:3] and codes[3] == 429
    assert client.get("/login").status_code == 200  # the page itself is not limited


# The pages share the API's limits (issue 16, item 14): POST /report took 15 reports in a
# second while the API answered 429, and /track/<reference> 147 look-ups a second.


def _form(client, text="Larm og trusler i opgangen hver nat."):
    return client.post(
        "/report",
        data={
            "csrf_token": csrf(client, "/report"),
            "category": "NABO",
            "text": text,
            "district": "3",
        },
    )


def test_the_report_form_and_the_api_count_against_one_limit(limited_app):
    app = limited_app(RATELIMIT_SUBMIT="3/minute")
    client = app.test_client()
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    for _ in range(2):
        assert _form(client).status_code == 302  # to the receipt
    refused = _form(client, text="Den fjerde melding inden for et minut.")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = text_of(refused)
    assert "Den fjerde melding inden for et minut." in page  # what was typed is kept
    assert "112" in page
    assert client.post("/api/v1/reports", json=REPORT).status_code == 429


def test_the_tracking_page_and_the_api_count_against_one_limit(limited_app):
    app = limited_app(RATELIMIT_TRACK="4/minute")
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/v1/track/MC-AAAA-AAAA").status_code == 404
        assert client.get("/track/MC-AAAA-AAAA").status_code == 404
    refused = client.get("/track/MC-AAAA-AAAA")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "<html" in text_of(refused)  # the site's own page
    assert client.get("/api/v1/track/MC-AAAA-AAAA").status_code == 429


def test_open311_posts_and_reads_are_limited_in_the_spec_error_format(limited_app):
    from xml.etree import ElementTree as ET

    from meldecentral.services.open311 import clients
    from meldecentral.services.staff import users

    app = limited_app(RATELIMIT_OPEN311_SUBMIT="2/minute", RATELIMIT_OPEN311_READ="2/minute")
    with app.app_context():
        municipality = users.municipality_by_code("kbh")
        _, key = clients.issue_key(None, "limits", municipality_id=municipality.id)
    form = {"api_key": key, "service_code": "NABO", "description": "Larm hver nat."}
    form |= {"lat": str(NORREBRO["lat"]), "long": str(NORREBRO["lon"])}
    client = app.test_client()
    assert client.post("/open311/v2/requests.xml", data=form).status_code == 201
    # a wrong key counts too: guessing keys is slowed down as well
    assert client.post("/open311/v2/requests.xml", data={**form, "api_key": "x"}).status_code == 403
    res = client.post("/open311/v2/requests.xml", data=form)
    assert res.status_code == 429 and 0 < int(res.headers["Retry-After"]) <= 60
    error = ET.fromstring(res.data).find("error")
    assert error.findtext("code") == "429"
    for _ in range(2):
        assert client.get("/open311/v2/services.json").status_code == 200
    res = client.get("/open311/v2/requests.json")
    assert res.status_code == 429 and res.json[0]["code"] == 429

"""Security headers on every response (ASVS V14.4), and pages that keep to the CSP."""

import re
from pathlib import Path

import pytest

from config import load_config
from meldecentral import create_app
from meldecentral.security import content_security_policy, tile_origin
from tests.conftest import auth

TEMPLATES = Path(__file__).resolve().parents[2] / "meldecentral" / "templates"
STATIC = Path(__file__).resolve().parents[2] / "meldecentral" / "static"


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        "/api/v1/categories",
        "/api/v1/docs",
        "/api/v1/nope",
        "/no/such/page",
        "/track/MC-AAAA-BBBB",
        "/staff/",
        "/login",
        "/static/css/api-docs.css",
    ],
)
def test_every_response_carries_the_security_headers(client, path):
    res = client.get(path)
    assert res.status_code < 500
    policy = csp(res)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data: https://tile.openstreetmap.org"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe-inline" not in res.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in res.headers["Content-Security-Policy"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert res.headers["Permissions-Policy"].startswith("geolocation=(self), camera=(self)")
    assert res.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in res.headers  # not in testing/development


@pytest.mark.parametrize(
    "path, no_store",
    [
        ("/api/v1/categories", True),
        ("/track/MC-AAAA-BBBB", True),
        ("/staff/", True),
        ("/login", True),
        ("/", False),
        ("/static/css/api-docs.css", False),
    ],
)
def test_report_pages_and_the_api_are_not_cached(client, path, no_store):
    res = client.get(path)
    assert (res.headers.get("Cache-Control") == "no-store") is no_store, res.headers


def test_api_json_is_a_download_not_a_page(client):
    for path in ("/api/v1/categories", "/api/v1/districts", "/api/v1/nope"):
        res = client.get(path)
        assert res.headers["Content-Disposition"] == 'attachment; filename="api.json"', path
    assert "Content-Disposition" not in client.get("/api/v1/docs").headers  # the HTML docs


def test_hsts_in_production_only():
    env = {"DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://h/0", "SECRET_KEY": "s" * 32}
    assert load_config("production", env=env)["HSTS_ENABLED"] is True
    assert load_config("development", env={})["HSTS_ENABLED"] is False
    app = create_app("testing", {"HSTS_ENABLED": True})
    res = app.test_client().get("/healthz")
    assert res.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_map_tile_host_comes_from_the_configuration():
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tile_origin("javascript:alert(1)") is None and tile_origin("") is None
    policy = content_security_policy({"MAP_TILE_URL": "https://tiles.kk.dk/{z}/{x}/{y}.png"})
    assert "img-src 'self' data: https://tiles.kk.dk;" in policy
    assert "img-src 'self' data:;" in content_security_policy({"MAP_TILE_URL": None})


def test_ids_beyond_the_database_range_are_not_found_not_errors(client, make_user):
    _, token = make_user("coordinator")
    for path in ("/api/v1/reports/99999999999999999999", "/api/v1/reports/2147483648"):
        assert client.get(path, headers=auth(token)).status_code == 404
    assert client.get("/api/v1/attachments/2147483648", headers=auth(token)).status_code == 404


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_need_no_unsafe_inline():
    """The CSP allows no inline script or style: templates keep to files under static/."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_scripts_do_not_eval():
    found = [
        str(p.relative_to(STATIC))
        for p in STATIC.rglob("*.js")
        if "vendor" not in p.parts and re.search(r"\beval\(|new Function\(", p.read_text())
    ]
    assert not found


def test_the_api_neither_reads_nor_writes_the_cookie_session(app, client):
    import flask

    from tests.conftest import NORREBRO

    client.get("/login")  # a page: its CSRF token lives in the session cookie
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    res = client.post("/api/v1/reports", json={"category": "NABO", "text": "Larm.", **NORREBRO})
    assert res.status_code == 201
    assert "Set-Cookie" not in res.headers
    with app.test_request_context("/api/v1/reports"):
        assert app.session_interface.is_null_session(flask.session)
    with app.test_request_context("/login"):
        assert not app.session_interface.is_null_session(flask.session)

"""Helpers for page tests with the Flask test client: CSRF tokens from the HTML, sign-in."""

from __future__ import annotations

import re
import time

import pyotp
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import User

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(
    r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"|'
    r'<meta name="csrf-token" content="([^"]+)"'
)


def csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client, user, password: str = PASSWORD):
    """Signs ``user`` in through the pages, with a TOTP code when the user has a secret."""
    res = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf(client, "/login")},
    )
    if res.status_code == 302 and res.headers["Location"].endswith("/login/code"):
        last = db.session.scalar(sa.select(User.totp_last_step).where(User.id == user.id))
        code = fresh_totp(user.totp_secret, last)
        res = client.post(
            "/login/code", data={"code": code, "csrf_token": csrf(client, "/login/code")}
        )
    return res


def fresh_totp(secret: str, last_step: int | None) -> str:
    """A code the server takes now. Each code signs in once, so signing the same user in twice
    within one time step takes the next step's code (accepted for a phone clock a little
    ahead), and waits for a later step only if that one was used too."""
    totp = pyotp.TOTP(secret)
    while True:
        now = totp.timecode(clock.now())
        for step in (now, now + 1):
            if last_step is None or step > last_step:
                return totp.generate_otp(step)
        time.sleep(1)


def with_totp(user) -> str:
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user.totp_secret


def text_of(res) -> str:
    return res.get_data(as_text=True)


class PageClient(FlaskClient):
    """Page tests drive several clients through one app context (the ``app`` fixture holds
    it), so Flask's ``g`` would carry one request's signed-in user and CSRF token into the
    next; each request here starts with them forgotten, as a real request does."""

    def open(self, *args, **kwargs):
        for name in ("csrf_token", "_login_user", "unread_notifications"):
            g.pop(name, None)
        return super().open(*args, **kwargs)


def page_client(app) -> PageClient:
    app.test_client_class = PageClient
    return app.test_client()

"""Browser tests: Debian's Chromium driven by Playwright against a live server in a thread,
on a SQLite file. The browser has no internet: every request that is not to the test server
(map tiles included) is aborted, so the pages must work without them.

Skipped, with the reason, where Chromium or Playwright is missing; ``make test`` installs both.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from meldecentral import create_app
from meldecentral.extensions import db

CHROMIUM = "/usr/bin/chromium"
# Debian's build of Chromium's headless shell (the "old" headless mode): the same engine
# without the desktop browser's compositor, at half the CPU for the same tests
# (bench/README.md, "The install and the browser tests"). It shows no notifications: the
# push test runs in the whole browser (``full_browser``).
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Only the test server is reachable: every other host fails to resolve. (Intercepting
    # each request with Playwright's route() did the same at several times the CPU, and
    # turned the browser's cache off.)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
PHONE = {"width": 390, "height": 844}
# A point in Nørrebro.
HERE = {"latitude": 55.6960, "longitude": 12.5450}
PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - reported as a skip
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "playwright is not installed (pip install -r requirements.txt)"
    for path in (CHROMIUM, HEADLESS_SHELL):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (make browser installs it with apt-get, as root)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


class Live:
    """The running app, its URL, and the demo users of the tests."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url
        self.users: dict[str, object] = {}

    def totp(self, role: str) -> str:
        """A code the server takes now. Each code signs in once, and the browser tests sign the
        same users in many times: rather than wait for a new 30-second step, the step last used
        is forgotten first (the rule itself is tested in test_signin_service.py)."""
        from meldecentral.models import User
        from tests.webutil import fresh_totp

        user = self.users[role]
        with self.app.app_context():
            try:
                db.session.execute(
                    sa.update(User).where(User.id == user.id).values(totp_last_step=None)
                )
                db.session.commit()
            finally:
                db.session.remove()
        return fresh_totp(user.totp_secret, None)

    def drain(self) -> None:
        """Run the outbox handlers as the worker would (routing, notifications)."""
        from tests.factories import drain

        with self.app.app_context():
            drain()
            db.session.remove()

    def scalar(self, query):
        with self.app.app_context():
            try:
                return db.session.scalar(query)
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    from flask_migrate import upgrade

    from meldecentral.services import setup
    from meldecentral.services.staff import users

    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = Live(app, f"http://127.0.0.1:{server.server_port}")
    with app.app_context():
        upgrade()
        setup.load_reference_data()
        municipality = users.municipality_by_code("kbh")
        for role, unit in [
            ("street_worker", None),
            ("coordinator", None),
            ("unit_member", "POLICE"),
            ("admin", None),
        ]:
            user = users.create_user(
                municipality=municipality,
                email=f"{unit or role}@e2e.example".lower(),
                name=f"E2E {unit or role}",
                role=role,
                password=PASSWORD,
                unit_code=unit,
            )
            if role != "street_worker":
                user.totp_secret = pyotp.random_base32()
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            live.users[unit or role] = user
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live
    server.shutdown()


@pytest.fixture(scope="session")
def _playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=HEADLESS_SHELL, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def full_browser(_playwright):
    """The whole browser, for what the headless shell lacks (notifications)."""
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


def _phone(browser):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(browser, live):
    """A new phone-sized browser context: geolocation granted, only the test server reachable."""
    context = _phone(browser)
    yield context
    context.close()


@pytest.fixture
def full_phone(full_browser, live):
    """The same in the whole browser: the headless shell may refuse a screenshot of a page in
    the middle of a navigation ("Unable to capture screenshot")."""
    context = _phone(full_browser)
    yield context
    context.close()


def capture(page, path, full_page: bool = False) -> None:
    """A screenshot for people to look at (no test checks one). Chromium may refuse one while
    the page is between two frames ("Unable to capture screenshot"): the next frame is
    taken instead."""
    from playwright.sync_api import Error

    for attempt in (1, 2):
        try:
            page.screenshot(path=str(path), full_page=full_page)
            return
        except Error as exc:
            if attempt == 2 or "Unable to capture screenshot" not in str(exc):
                raise
            page.wait_for_timeout(300)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    capture(page, SHOTS / f"{name}.png", full_page=True)


def sign_in(page, live, who: str) -> None:
    user = live.users[who]
    page.goto(live.url + "/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    if user.totp_secret:
        page.wait_for_url("**/login/code")
        page.fill("#code", live.totp(who))
        page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def count(live, model) -> int:
    return live.scalar(sa.select(sa.func.count(model.id)))


def until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until ``expression`` is true in the page. Polled from here, as ``focused_on``:
    wait_for_function's polling evaluates the predicate with eval, which the CSP refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {expression}")
        time.sleep(0.05)


def focused_on(page, element_id: str, timeout: float = 10.0) -> None:
    """Wait until the element with ``element_id`` has the focus. Polled from here: Playwright's
    wait_for_function evaluates its predicate in the page, which the site's CSP (no eval)
    refuses."""
    deadline = time.monotonic() + timeout
    while True:
        focused = page.evaluate("document.activeElement ? document.activeElement.id : null")
        if focused == element_id:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the focus is on {focused!r}, not {element_id!r}")
        time.sleep(0.05)

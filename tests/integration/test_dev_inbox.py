"""The development inbox (services/devbox.py, web/dev.py): outside production the demo
units' alerts arrive where a newcomer sees them, for signed-in staff only; in production the
pages and receivers do not exist."""

from __future__ import annotations

import socket
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from config import ConfigError, load_config
from meldecentral import create_app
from meldecentral.extensions import db
from meldecentral.models import Delivery, Municipality, Unit
from meldecentral.services import setup
from meldecentral.services.delivery import send
from tests.database import reset
from tests.factories import drain, signed_in, submit_report

PROD_ENV = {
    "DATABASE_URL": "sqlite://",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "SECRET_KEY": "s" * 32,
}


def test_development_sends_to_the_dev_inbox_and_production_refuses_it():
    dev = load_config("development", env={})
    assert dev["DEV_INBOX_DIR"] and dev["MAIL_DEV_DIR"].startswith(dev["DEV_INBOX_DIR"])
    assert dev["SMS_GATEWAY_URL"] == "http://localhost:5000/dev/sms"
    # A real server configured: it is used, not the dev inbox.
    real = load_config("development", env={"SMTP_HOST": "mail.example"}, declared=["SMTP_HOST"])
    assert "MAIL_DEV_DIR" not in real
    prod = load_config("production", env=PROD_ENV)
    assert not prod.get("DEV_INBOX_DIR") and not prod.get("MAIL_DEV_DIR")
    assert "SMS_GATEWAY_URL" not in prod
    with pytest.raises(ConfigError, match="MAIL_DEV_DIR"):
        load_config(
            "production", env=PROD_ENV | {"MAIL_DEV_DIR": "/tmp/x"}, declared=["MAIL_DEV_DIR"]
        )


def test_the_dev_pages_do_not_exist_in_production(monkeypatch):
    for key, value in PROD_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MELDECENTRAL_ENV", "production")
    app = create_app()
    try:
        assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/dev")]
        client = app.test_client()
        assert client.get("/dev/mailbox").status_code == 404
        assert client.post("/dev/webhooks/POLICE", data=b"{}").status_code == 404
    finally:
        create_app("testing")  # the channels as the other tests have them


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dev_app(tmp_path):
    """A development-like app: the dev inbox in tmp_path, served on a local port (its own
    PUBLIC_BASE_URL, where the demo units' webhooks and the SMS gateway stand-in post)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    inbox = tmp_path / "inbox"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite'}",
            "PUBLIC_BASE_URL": base,
            "DEV_INBOX_DIR": str(inbox),
            "MAIL_DEV_DIR": str(inbox / "mail"),
            "SMS_GATEWAY_URL": f"{base}/dev/sms",
        },
    )
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    reset(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with app.app_context():
        yield app
        db.session.remove()
    server.shutdown()
    create_app("testing")  # the channels as the other tests have them


def test_demo_alerts_arrive_in_the_dev_inbox_for_staff_to_see(dev_app):
    municipality = db.session.scalar(sa.select(Municipality))
    assert setup.give_demo_addresses(municipality) > 0
    base = dev_app.config["PUBLIC_BASE_URL"]
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    assert police.webhook_url == f"{base}/dev/webhooks/POLICE" and police.webhook_secret
    client = dev_app.test_client()
    submit_report(client)  # violence: the police, by webhook and SMS
    submit_report(client, category="NABO", text="Larm hver nat.", housing_estate=True)
    ids = drain()
    outcomes = [send.attempt(i, claimed=True).status for i in ids]
    channels = sorted(db.session.get(Delivery, i).channel for i in ids)
    assert channels == ["email", "sms", "webhook"] and outcomes == ["sent"] * 3

    staff, _ = signed_in(dev_app, "unit_member", "POLICE")
    hooks = staff.get("/dev/webhooks")
    assert hooks.status_code == 200
    page = hooks.get_data(as_text=True)
    assert "POLICE" in page and "assignment.routed" in page and "msg_" in page
    assert f"{base}/staff/reports/" in page  # links use PUBLIC_BASE_URL
    assert "Overfald" not in page  # never the report's text
    mail = staff.get("/dev/mailbox").get_data(as_text=True)
    assert "boligsocial@kbh.example" in mail and "Nabokonflikt" in mail  # the label, not the code
    assert f"{base}/staff/reports/" in mail
    assert "+4570000001" in staff.get("/dev/sms").get_data(as_text=True)


def test_the_dev_pages_are_for_signed_in_staff(dev_app):
    anonymous = dev_app.test_client()
    for path in ("/dev/mailbox", "/dev/webhooks", "/dev/sms"):
        res = anonymous.get(path)
        assert res.status_code == 302 and "/login" in res.headers["Location"]

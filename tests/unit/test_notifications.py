"""Delivery channels against real local servers (HTTP on 127.0.0.1, SMTP via aiosmtpd)."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import notifications
from notifications import base
from notifications._http import retry_after
from notifications.email import EmailChannel
from notifications.in_app import InAppChannel
from notifications.sms import MAX_LENGTH, SmsChannel
from notifications.webhook import WebhookChannel, new_secret, sign, verify

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdefghijklmn").decode()
PAYLOAD = {
    "delivery_id": 41,
    "reference": "MC-7K3Q-9XPA",
    "category": "vej",
    "district": "Østerbro",
    "urgency": "high",
    "link": "https://example.test/r/MC-7K3Q-9XPA",
}


def message(channel: str = "webhook", recipient: str = "", **kw) -> notifications.Message:
    fields = {
        "channel": channel,
        "recipient": recipient,
        "subject": "Ny melding: Vandskade på Østerbro",
        "body": "Hej,\n\nEn ny melding om vandskade på Ærøvej er modtaget.\n",
        "payload": PAYLOAD,
        "message_id": "msg_41",
        "secret": SECRET,
    }
    fields.update(kw)
    return notifications.Message(**fields)


# --- a real local HTTP server ---------------------------------------------------------------


class Recorder:
    """What the local server received, and what it should answer next."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[dict] = []
        self.status = 200
        self.headers: dict[str, str] = {}
        self.delay = 0.0

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status, self.headers = status, headers or {}


@pytest.fixture
def http_server():
    recorder: Recorder

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            recorder.requests.append(
                {
                    "path": self.path,
                    "headers": self.headers,
                    "body": self.rfile.read(length),
                    "client_port": self.client_address[1],
                }
            )
            time.sleep(recorder.delay)
            self.send_response(recorder.status)
            for name, value in recorder.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder = Recorder(f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join(1)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- webhook ---------------------------------------------------------------------------------


def test_webhook_sends_signed_standard_webhook(http_server):
    receipt = WebhookChannel(timeout=2).send(message(recipient=http_server.url))

    assert receipt == "HTTP 200"
    [req] = http_server.requests
    headers, body = req["headers"], req["body"]
    assert req["path"] == "/hook"
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "msg_41"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert headers["webhook-signature"].startswith("v1,")
    assert json.loads(body) == PAYLOAD
    assert body == json.dumps(PAYLOAD, separators=(",", ":"), ensure_ascii=False).encode()
    assert verify(SECRET, headers, body)


def test_verify_rejects_tampering_wrong_secret_and_stale_timestamps(http_server):
    WebhookChannel(timeout=2).send(message(recipient=http_server.url))
    [req] = http_server.requests
    headers = dict(req["headers"].items())
    body = req["body"]

    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body.replace(b"high", b"low!"))
    assert not verify(new_secret(), headers, body)
    assert not verify(SECRET, {**headers, "webhook-id": "msg_42"}, body)

    stale = int(time.time()) - 301
    old = {**headers, "webhook-timestamp": str(stale)}
    old["webhook-signature"] = sign(SECRET, "msg_41", stale, body)
    assert not verify(SECRET, old, body)  # correctly signed, but too old (replay)
    assert verify(SECRET, old, body, tolerance=600)

    assert not verify(SECRET, {k: v for k, v in headers.items() if k != "webhook-id"}, body)
    assert not verify(SECRET, {**headers, "webhook-timestamp": "soon"}, body)


def test_sign_matches_an_independent_hmac_and_the_published_vector():
    key = b"\x00\x01fixed key \xff"
    secret = "whsec_" + base64.b64encode(key).decode()
    body = '{"reference":"MC-7K3Q-9XPA","district":"Østerbro"}'
    mac = hmac.new(key, f"msg_7.1700000000.{body}".encode(), hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()

    assert sign(secret, "msg_7", 1700000000, body) == expected
    assert sign(secret, "msg_7", 1700000000, body.encode()) == expected
    # A secret without the prefix is used as raw UTF-8 bytes.
    raw = hmac.new("plain sæcret".encode(), f"m.1.{body}".encode(), hashlib.sha256).digest()
    assert sign("plain sæcret", "m", 1, body) == "v1," + base64.b64encode(raw).decode()
    # The Standard Webhooks specification's published test vector.
    assert (
        sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            '{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_new_secret_is_24_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:], validate=True)) == 24
    assert secret != new_secret()


@pytest.mark.parametrize(
    "status,permanent",
    [(500, False), (503, False), (408, False), (410, True), (400, True), (401, True)],
)
def test_webhook_status_classification(http_server, status, permanent):
    http_server.answer(status)
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=2).send(message(recipient=http_server.url))
    assert caught.value.permanent is permanent
    assert str(status) in str(caught.value)


def test_webhook_429_passes_retry_after_on(http_server):
    http_server.answer(429, {"Retry-After": "7"})
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=2).send(message(recipient=http_server.url))
    assert caught.value.permanent is False
    assert caught.value.retry_after == 7


def test_webhook_does_not_follow_redirects(http_server):
    http_server.answer(302, {"Location": http_server.url + "/elsewhere"})
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=2).send(message(recipient=http_server.url))
    assert caught.value.permanent is True
    assert len(http_server.requests) == 1


def test_retry_after_accepts_seconds_and_http_dates():
    now = 1_700_000_000.0
    assert retry_after("7", now) == 7
    assert retry_after("Tue, 14 Nov 2023 22:13:27 GMT", now) == 7  # now + 7 s
    assert retry_after("Tue, 14 Nov 2023 22:12:00 GMT", now) == 0  # already past
    assert retry_after("soon", now) is None
    assert retry_after("nan", now) is None
    assert retry_after(None, now) is None


def test_webhook_connection_refused_is_retryable(closed_port):
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=2).send(message(recipient=f"http://127.0.0.1:{closed_port}/"))
    assert caught.value.permanent is False


def test_webhook_timeout_is_retryable(http_server):
    http_server.delay = 0.5
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=0.1).send(message(recipient=http_server.url))
    assert caught.value.permanent is False
    assert "timed out" in str(caught.value)


def test_webhook_goes_through_a_proxy_from_the_environment(http_server, monkeypatch):
    from notifications import _http

    monkeypatch.setattr(_http, "_pools", None)  # read the environment again
    monkeypatch.setenv("HTTP_PROXY", http_server.url.removesuffix("/hook"))
    monkeypatch.setenv("NO_PROXY", "bypassed.test")
    WebhookChannel(timeout=2).send(message(recipient="http://receiver.test/hook"))
    [req] = http_server.requests
    assert req["path"] == "http://receiver.test/hook"  # the proxy got the absolute URL
    # NO_PROXY: straight to the host (which does not resolve here)
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=2).send(message(recipient="http://bypassed.test/hook"))
    assert caught.value.permanent is False and len(http_server.requests) == 1


def test_webhook_reuses_its_connection(http_server):
    channel = WebhookChannel(timeout=2)
    for _ in range(3):
        channel.send(message(recipient=http_server.url))
    ports = {req["client_port"] for req in http_server.requests}
    assert len(http_server.requests) == 3 and len(ports) == 1


def test_webhook_without_secret_is_sent_unsigned(http_server):
    WebhookChannel(timeout=2).send(message(recipient=http_server.url, secret=None))
    [req] = http_server.requests
    assert req["headers"]["webhook-id"] == "msg_41"
    assert "webhook-signature" not in req["headers"]


@pytest.mark.parametrize(
    "recipient,secret",
    [("ftp://example.test/x", SECRET), ("", SECRET), ("http://127.0.0.1:9/", "whsec_!!!")],
)
def test_webhook_errors_no_retry_can_fix_are_permanent(recipient, secret):
    with pytest.raises(notifications.DeliveryError) as caught:
        WebhookChannel(timeout=1).send(message(recipient=recipient, secret=secret))
    assert caught.value.permanent is True


# --- e-mail ----------------------------------------------------------------------------------


class _LocalSMTP(Controller):
    """aiosmtpd on an OS-chosen port (its start-up probe otherwise dials port 0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        if address.startswith("busy@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = _LocalSMTP(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def test_email_arrives_with_danish_letters_intact(smtp_server):
    mailbox, port = smtp_server
    channel = EmailChannel("127.0.0.1", port, mail_from="meldinger@kommune.test", timeout=2)

    receipt = channel.send(message("email", "vej@kommune.test"))

    assert receipt.startswith("SMTP accepted")
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "meldinger@kommune.test"
    assert envelope.rcpt_tos == ["vej@kommune.test"]
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert mail["Subject"] == "Ny melding: Vandskade på Østerbro"
    assert mail["To"] == "vej@kommune.test"
    assert mail["Message-ID"] == "<msg_41@kommune.test>"
    assert mail.get_content_charset() == "utf-8"
    # SMTP carries CRLF line ends; the text itself must be unchanged.
    text = mail.get_content().replace("\r\n", "\n")
    assert text == "Hej,\n\nEn ny melding om vandskade på Ærøvej er modtaget.\n"
    head = envelope.original_content.split(b"\r\n\r\n")[0]
    assert head.isascii()  # the subject went out RFC 2047-encoded, not as raw 8-bit


@pytest.mark.parametrize(
    "recipient,permanent", [("gone@kommune.test", True), ("busy@k.test", False)]
)
def test_email_refused_recipient_classified_by_reply_code(smtp_server, recipient, permanent):
    _, port = smtp_server
    with pytest.raises(notifications.DeliveryError) as caught:
        EmailChannel("127.0.0.1", port, timeout=2).send(message("email", recipient))
    assert caught.value.permanent is permanent


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_logs_in_when_a_user_is_configured():
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"meldecentral", "hemmeligt-æ".encode())
        return AuthResult(success=ok, handled=False)  # handled=False: server sends the 535

    mailbox = Mailbox()
    controller = _LocalSMTP(
        mailbox,
        hostname="127.0.0.1",
        port=0,
        authenticator=authenticator,
        auth_require_tls=False,  # test only: the client below deliberately skips STARTTLS
        auth_required=True,
    )
    controller.start()
    try:
        good = EmailChannel("127.0.0.1", controller.port, "meldecentral", "hemmeligt-æ", timeout=2)
        good.send(message("email", "vej@kommune.test"))
        assert len(mailbox.envelopes) == 1

        for wrong in ("forkert", "forkært"):  # smtplib's login, and our UTF-8 AUTH PLAIN
            bad = EmailChannel("127.0.0.1", controller.port, "meldecentral", wrong, timeout=2)
            with pytest.raises(notifications.DeliveryError) as caught:
                bad.send(message("email", "vej@kommune.test"))
            assert caught.value.permanent is True  # 535: the server's final word
            assert "535" in str(caught.value)
        assert len(mailbox.envelopes) == 1
    finally:
        controller.stop()


def test_email_connection_refused_is_retryable(closed_port):
    with pytest.raises(notifications.DeliveryError) as caught:
        EmailChannel("127.0.0.1", closed_port, timeout=1).send(message("email", "a@b.test"))
    assert caught.value.permanent is False


@pytest.mark.parametrize(
    "recipient", ["", "no-at-sign", "a@b.test, c@d.test", "a@b.test\r\nBcc: x@y"]
)
def test_email_invalid_address_is_permanent(recipient):
    with pytest.raises(notifications.DeliveryError) as caught:
        EmailChannel("127.0.0.1", 9, timeout=1).send(message("email", recipient))
    assert caught.value.permanent is True


def test_email_without_host_is_permanent():
    with pytest.raises(notifications.DeliveryError) as caught:
        EmailChannel(None).send(message("email", "a@b.test"))
    assert caught.value.permanent is True


# --- SMS -------------------------------------------------------------------------------------


def test_sms_posts_json_with_bearer_token(http_server):
    channel = SmsChannel(http_server.url, token="tok-123", sender="Kommune", timeout=2)

    assert channel.send(message("sms", "+45 12 34 56 78", body="Ny melding MC-7K3Q-9XPA")) == (
        "HTTP 200"
    )

    [req] = http_server.requests
    assert req["headers"]["Authorization"] == "Bearer tok-123"
    assert req["headers"]["Content-Type"] == "application/json"
    assert json.loads(req["body"]) == {
        "to": "+4512345678",
        "from": "Kommune",
        "message": "Ny melding MC-7K3Q-9XPA",
    }


def test_sms_text_is_cut_to_306_characters(http_server):
    SmsChannel(http_server.url, token="t", timeout=2).send(
        message("sms", "12345678", body="å" * 400)
    )
    text = json.loads(http_server.requests[0]["body"])["message"]
    assert len(text) == MAX_LENGTH == 306
    assert text.endswith("...")


def test_sms_gateway_503_is_retryable(http_server):
    http_server.answer(503, {"Retry-After": "30"})
    with pytest.raises(notifications.DeliveryError) as caught:
        SmsChannel(http_server.url, token="t", timeout=2).send(message("sms", "12345678"))
    assert caught.value.permanent is False
    assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    "gateway,number", [(None, "12345678"), ("http://127.0.0.1:9/", "ring mig")]
)
def test_sms_unconfigured_gateway_or_bad_number_is_permanent(gateway, number):
    with pytest.raises(notifications.DeliveryError) as caught:
        SmsChannel(gateway, token="t", timeout=1).send(message("sms", number))
    assert caught.value.permanent is True


# --- in-app ----------------------------------------------------------------------------------


def test_in_app_hands_the_message_to_the_store():
    stored: list = []
    msg = message("in_app", "user:7")
    assert InAppChannel(stored.append).send(msg) == "stored"
    assert stored == [msg]


def test_in_app_without_store_is_permanent_and_failing_store_retryable():
    with pytest.raises(notifications.DeliveryError) as caught:
        InAppChannel().send(message("in_app", "user:7"))
    assert caught.value.permanent is True

    def broken(_msg):
        raise RuntimeError("database is down")

    with pytest.raises(notifications.DeliveryError) as caught:
        InAppChannel(broken).send(message("in_app", "user:7"))
    assert caught.value.permanent is False
    assert isinstance(caught.value.__cause__, RuntimeError)


# --- registry --------------------------------------------------------------------------------


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(base, "_registry", {})


def test_configure_builds_every_declared_channel_from_its_settings(empty_registry):
    stored = []
    channels = notifications.configure(
        {
            "IN_APP_STORE": stored.append,
            "SMTP_HOST": "smtp.kommune.test",
            "SMTP_PORT": "2525",
            "SMTP_USER": "meldecentral",
            "SMTP_PASSWORD": "hemmeligt",
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "meldinger@kommune.test",
            "SMS_GATEWAY_URL": "https://sms.example.test/send",
            "SMS_GATEWAY_TOKEN": "tok",
            "SMS_SENDER": "Kommune",
            "HTTP_TIMEOUT": 3,
            "UNRELATED_FLASK_SETTING": True,
        }
    )

    assert sorted(channels) == ["email", "in_app", "sms", "webhook", "webpush"]
    assert notifications.get("in_app").store == stored.append
    mail = notifications.get("email")
    assert isinstance(mail, EmailChannel) and isinstance(mail, notifications.Channel)
    assert (mail.host, mail.port, mail.starttls, mail.username) == (
        "smtp.kommune.test",
        2525,
        False,  # the string "false" must not count as true
        "meldecentral",
    )
    assert "hemmeligt" not in repr(mail)
    assert notifications.get("webhook").timeout == 3.0
    sms = notifications.get("sms")
    assert (sms.gateway_url, sms.token, sms.sender) == (
        "https://sms.example.test/send",
        "tok",
        "Kommune",
    )


def test_declared_defaults_apply_where_a_setting_is_missing(empty_registry):
    channels = notifications.configure({"SMTP_STARTTLS": "yes", "SMTP_PORT": ""})
    mail = channels["email"]
    assert (mail.host, mail.port, mail.mail_from, mail.timeout) == (
        None,
        587,  # STARTTLS without a port: submission
        "meldecentral@localhost",
        5.0,
    )
    assert channels["sms"].gateway_url is None and channels["in_app"].store is None


def test_each_channel_declares_its_label_settings_and_address():
    described = notifications.discover()
    assert list(described) == ["email", "in_app", "sms", "webhook", "webpush"]
    assert {name: d.label for name, d in described.items()} == {
        "email": "E-mail",
        "in_app": "In-app",
        "sms": "SMS",
        "webhook": "Webhook",
        "webpush": "Web Push",
    }
    fields = {name: d.address and d.address.field for name, d in described.items()}
    assert fields == {
        "email": "email",
        "in_app": None,  # the unit itself is the recipient
        "sms": "sms_number",
        "webhook": "webhook_url",
        "webpush": None,  # the unit's members' (or a user's) browsers that subscribed
    }
    assert described["webhook"].address.secret.field == "webhook_secret"
    assert described["webhook"].address.secret.generate().startswith("whsec_")
    assert notifications.setting_keys() == [
        "HTTP_TIMEOUT",
        "MAIL_DEV_DIR",  # development only: config refuses it in production
        "MAIL_FROM",
        "SMS_GATEWAY_TOKEN",
        "SMS_GATEWAY_URL",
        "SMS_SENDER",
        "SMTP_HOST",
        "SMTP_PASSWORD",
        "SMTP_PORT",
        "SMTP_STARTTLS",
        "SMTP_USER",
        "WEBPUSH_VAPID_PRIVATE_KEY",
        "WEBPUSH_VAPID_SUBJECT",
    ]  # not IN_APP_STORE nor WEBPUSH_SUBSCRIPTIONS: the app hands those over
    with pytest.raises(TypeError):
        described["fax"] = described["email"]  # read-only


@pytest.mark.parametrize(
    ("channel", "good", "bad"),
    [
        ("email", ["a@b.dk", "x@localhost"], ["", "a@b", "a b@c.dk", "a@b.dk,c@d.dk"]),
        ("sms", ["+45 12 34 56 78", "0045 1234 5678"], ["12", "+45 12x34", "call me"]),
        ("webhook", ["https://h.example/x", "http://127.0.0.1:9/"], ["ftp://h/x", "https://"]),
    ],
)
def test_address_checks_are_the_channels_own(channel, good, bad):
    check = notifications.discover()[channel].address.check
    for address in good:
        check(address)
    for address in bad:
        with pytest.raises(ValueError):
            check(address)


def test_a_new_channel_is_one_declaration(empty_registry, monkeypatch):
    # A copy of the declarations made so far (every module imported first): the test's own
    # declaration goes into the copy and leaves with it.
    monkeypatch.setattr(base, "_described", dict(notifications.discover()))

    @base.declare(
        label=base.N_("Pager"),
        settings=(base.Setting("PAGER_URL", "url", default="https://pager.test"), base.TIMEOUT),
        address=base.Address(field="pager_number", label=base.N_("Pager number"), check=str),
    )
    class PagerChannel:
        name = "pager"

        def __init__(self, url, timeout):
            self.url, self.timeout = url, timeout

        def send(self, message):
            return "paged"

    assert "PAGER_URL" in notifications.setting_keys()
    channels = notifications.configure({"HTTP_TIMEOUT": "2"})
    assert (channels["pager"].url, channels["pager"].timeout) == ("https://pager.test", 2.0)
    assert notifications.discover()["pager"].address.column is False  # kept in unit.addresses


def test_get_unknown_channel_names_what_exists(empty_registry):
    notifications.configure({})
    with pytest.raises(KeyError, match=r"'nope'.*email, in_app, sms, webhook, webpush"):
        notifications.get("nope")


def test_register_rejects_non_channels(empty_registry):
    with pytest.raises(TypeError):
        notifications.register(object())


def test_message_repr_hides_secret_recipient_and_body():
    text = repr(message(recipient="https://hooks.example.test/T0K3N"))
    assert "msg_41" in text
    assert "T0K3N" not in text and SECRET not in text and "Ærøvej" not in text


def test_package_imports_no_app_code_and_registers_nothing():
    code = (
        "import sys, notifications, notifications.email, notifications.webhook,"
        " notifications.sms, notifications.in_app;"
        "app = {'flask', 'sqlalchemy', 'meldecentral'};"
        "bad = [m for m in sys.modules if m.split('.')[0] in app];"
        "assert not bad, bad;"
        "from notifications import base; assert base._registry == {}, base._registry;"
        "notifications.configure({});"
        "bad = [m for m in sys.modules if m.split('.')[0] in app];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=10)

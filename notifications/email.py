"""E-mail over SMTP with the standard library.

``EmailMessage`` with the default policy does the MIME work (UTF-8 body, RFC 2047 subject),
so "Vandskade på Østerbro" arrives intact. SMTP failures are sorted by their reply code:
4xx means "try again later", 5xx means the server has decided, so retrying cannot help.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from .base import N_, TIMEOUT, Address, DeliveryError, Message, Setting, declare, flag

DEFAULT_FROM = "meldecentral@localhost"
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]")


def check_address(address: str) -> str:
    """One plain address; anything else would be header injection or a guaranteed bounce."""
    address = (address or "").strip()
    local, _, domain = address.partition("@")
    valid = (
        address.count("@") == 1
        and local
        and ("." in domain.strip(".") or domain == "localhost")
        and not any(c.isspace() or c in ',;<>()[]"\\' for c in address)
    )
    if not valid:
        raise ValueError(N_("not a valid e-mail address"))
    return address


def _check_address(address: str) -> str:
    try:
        return check_address(address)
    except ValueError as exc:
        raise DeliveryError(str(exc), permanent=True) from None


def _reply_error(what: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryError(f"{what}: SMTP {code} {text}".strip(), permanent=code >= 500)


@declare(
    label=N_("E-mail"),
    settings=(
        Setting("SMTP_HOST", "host"),
        Setting("SMTP_PORT", "port", parse=int),
        Setting("SMTP_USER", "username"),
        Setting("SMTP_PASSWORD", "password"),
        Setting("SMTP_STARTTLS", "starttls", default=False, parse=flag),
        Setting("MAIL_FROM", "mail_from", default=DEFAULT_FROM),
        # Development only (config refuses it in production): without SMTP_HOST, each e-mail
        # is written to this folder as a .eml file, for the app's /dev/mailbox page.
        Setting("MAIL_DEV_DIR", "dev_dir"),
        TIMEOUT,
    ),
    address=Address(
        field="email",
        label=N_("E-mail"),
        check=check_address,
        kind="email",
        max_length=200,
        column=True,
    ),
)
class EmailChannel:
    """Sends ``message.subject``/``message.body`` as plain text to ``message.recipient``."""

    name = "email"

    def __init__(
        self,
        host: str | None,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        mail_from: str | None = None,
        timeout: float = 10.0,
        dev_dir: str | None = None,
    ) -> None:
        self.host = host
        self.dev_dir = dev_dir
        # Without a port: submission (587) where STARTTLS is asked for, else plain SMTP (25).
        self.port = port or (587 if starttls else 25)
        self.username = username
        self.password = password
        self.starttls = starttls
        self.mail_from = mail_from or DEFAULT_FROM
        self.timeout = timeout

    def __repr__(self) -> str:
        # No password in logs.
        return f"EmailChannel(host={self.host!r}, port={self.port}, starttls={self.starttls})"

    def build(self, message: Message) -> EmailMessage:
        """The MIME message; the Message-ID derives from message_id so retries are recognisable."""
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = _check_address(message.recipient)
        mail["Subject"] = " ".join(message.subject.split())  # no line breaks in a header
        mail["Date"] = formatdate(localtime=True)
        domain = self.mail_from.rpartition("@")[2].strip("<> ") or "localhost"
        local = _ID_UNSAFE.sub("_", message.message_id) or "msg"
        mail["Message-ID"] = f"<{local}@{domain}>"
        mail.set_content(message.body, charset="utf-8")
        return mail

    def _login(self, smtp: smtplib.SMTP) -> None:
        """Log in; smtplib can only send ASCII credentials, so "æøå" go via UTF-8 AUTH PLAIN."""
        username, password = self.username or "", self.password or ""
        if username.isascii() and password.isascii():
            smtp.login(username, password)
            return
        smtp.ehlo_or_helo_if_needed()
        if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
            raise smtplib.SMTPNotSupportedError("non-ASCII credentials need AUTH PLAIN")
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:  # RFC 4954: 235 = authentication succeeded
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, message: Message) -> str:
        """One SMTP session per message: simple, and nothing stale to recover after errors."""
        if not self.host and not self.dev_dir:
            raise DeliveryError("SMTP_HOST is not configured", permanent=True)
        try:
            mail = self.build(message)
        except ValueError as exc:  # e.g. a line break in MAIL_FROM: header injection refused
            raise DeliveryError(f"cannot build the e-mail: {exc}", permanent=True) from None
        if not self.host:
            return self._store(mail, message)
        where = f"SMTP {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    self._login(smtp)
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise _reply_error(f"{where} refused the recipient", code, reply) from None
        except smtplib.SMTPConnectError as exc:
            # A refusing greeting (even 554) is about the server's state, not this message.
            raise DeliveryError(f"{where}: connect refused ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            raise _reply_error(where, exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError as exc:
            # E.g. STARTTLS or AUTH not offered: never fall back to plaintext; fix the config.
            raise DeliveryError(f"{where}: {exc}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnects, refused connections, timeouts, TLS failures (ssl.SSLError is OSError).
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}", permanent=False) from None
        if refused:  # only possible with several recipients; kept for safety
            code, reply = next(iter(refused.values()))
            raise _reply_error(f"{where} refused the recipient", code, reply)
        return f"SMTP accepted by {self.host}:{self.port}"

    def _store(self, mail: EmailMessage, message: Message) -> str:
        """The development mailbox: one file per message id, so a retry replaces it."""
        folder = Path(self.dev_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            name = (_ID_UNSAFE.sub("_", message.message_id) or "msg") + ".eml"
            part = folder / (name + ".part")
            part.write_bytes(bytes(mail))
            os.replace(part, folder / name)  # whole or not at all, for the page reading it
        except OSError as exc:
            raise DeliveryError(f"dev mailbox: {type(exc).__name__}") from None
        return "stored in the development mailbox"

"""Signed webhooks following the Standard Webhooks convention (https://www.standardwebhooks.com).

Following a published convention means receivers can verify us with an off-the-shelf
library: ``webhook-id`` (stable across retries, for deduplication), ``webhook-timestamp``
(unix seconds, against replays) and ``webhook-signature`` = ``v1,<base64 HMAC-SHA256>`` over
``"{id}.{timestamp}.{body}"``. ``sign``/``verify`` are public so tests and receivers in this
codebase use exactly the same rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from . import _http
from .base import N_, TIMEOUT, Address, DeliveryError, Message, Secret, declare

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret


def new_secret() -> str:
    """A fresh signing secret to show an admin once: "whsec_" + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _key(secret: str) -> bytes:
    """``whsec_<base64>`` decodes to the key; any other string is used as its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("webhook secret starts with 'whsec_' but is not base64") from None
    else:
        key = secret.encode("utf-8")
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: str | bytes) -> str:
    """Return the ``webhook-signature`` value ``v1,<base64>`` for this id, time and body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(
    secret: str, headers: Mapping[str, str], body: str | bytes, tolerance: int = 300
) -> bool:
    """True if ``headers`` carry a valid v1 signature of ``body`` made within ``tolerance`` s.

    Header names are matched case-insensitively; several space-separated signatures are
    allowed (secret rotation). A malformed *secret* raises ValueError, since that is the
    caller's own configuration, not something the sender did.
    """
    lowered = {str(k).lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        return False
    stamp = stamp.strip()
    if not (stamp.isascii() and stamp.isdigit()):
        return False
    timestamp = int(stamp)
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body).encode("ascii")
    found = False
    for candidate in signatures.split():
        # Compare every candidate so timing does not reveal which one matched.
        found |= hmac.compare_digest(candidate.encode("utf-8", "replace"), expected)
    return found


def encode_payload(payload: Mapping) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def check_endpoint(url: str) -> str:
    """The rule ``send`` applies (``_http.check_url``): http(s) with a host. Plain http stays
    allowed, as the channel allows it: receivers on a local network or this machine."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(N_("not a valid URL")) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(N_("must be an http(s) URL with a host"))
    return url


@declare(
    label=N_("Webhook"),
    settings=(TIMEOUT,),
    address=Address(
        field="webhook_url",
        label=N_("Webhook URL"),
        check=check_endpoint,
        kind="url",
        max_length=500,
        column=True,
        secret=Secret(
            field="webhook_secret",
            label=N_("Webhook secret (empty keeps the current one)"),
            generate=new_secret,
            column=True,
        ),
    ),
)
class WebhookChannel:
    """POSTs ``message.payload`` to ``message.recipient`` (the endpoint URL), signed."""

    name = "webhook"

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(self, message: Message) -> str:
        """Deliver once; a receiver without a configured secret gets the same POST unsigned."""
        url = _http.check_url(message.recipient, "webhook")
        try:
            body = encode_payload(message.payload)
        except (TypeError, ValueError) as exc:
            raise DeliveryError(
                f"payload is not JSON-serialisable: {exc}", permanent=True
            ) from None
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message.message_id,
            "webhook-timestamp": str(timestamp),
        }
        if message.secret:
            try:
                headers["webhook-signature"] = sign(
                    message.secret, message.message_id, timestamp, body
                )
            except ValueError as exc:
                raise DeliveryError(str(exc), permanent=True) from None
        return _http.post(url, body, headers, self.timeout, "webhook")

"""SMS through an HTTP gateway: one JSON POST with a bearer token.

Kept gateway-neutral ({"to", "from", "message"}) so switching provider means pointing
SMS_GATEWAY_URL at a small adapter, not changing the app. Texts are alerts, not reports:
the caller passes a short text without personal data; this module only enforces the length.
"""

from __future__ import annotations

import json
import re

from . import _http
from .base import N_, TIMEOUT, Address, DeliveryError, Message, Setting, declare

MAX_LENGTH = 306  # two concatenated GSM-7 segments (2 x 153)
_NUMBER = re.compile(r"\+?[0-9]{6,15}")  # E.164 allows at most 15 digits
_SEPARATORS = re.compile(r"[\s\-().]")


def shorten(text: str, limit: int = MAX_LENGTH) -> str:
    """Cut to ``limit`` characters, marking the cut with "..." (GSM-7, unlike "…")."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def check_number(number: str) -> str:
    """Drop spaces and punctuation people type; reject what no gateway could deliver to."""
    cleaned = _SEPARATORS.sub("", number or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(N_("not a valid phone number"))
    return cleaned


def normalise_number(number: str) -> str:
    """``check_number`` for sending: a number no gateway could deliver to is permanent."""
    try:
        return check_number(number)
    except ValueError as exc:
        raise DeliveryError(str(exc), permanent=True) from None


@declare(
    label=N_("SMS"),
    settings=(
        Setting("SMS_GATEWAY_URL", "gateway_url"),
        Setting("SMS_GATEWAY_TOKEN", "token"),
        Setting("SMS_SENDER", "sender"),
        TIMEOUT,
    ),
    address=Address(
        field="sms_number",
        label=N_("SMS number"),
        check=check_number,
        kind="tel",
        max_length=40,
        column=True,
        option="sms",
    ),
)
class SmsChannel:
    """Sends ``message.body`` (shortened) to ``message.recipient`` (a phone number)."""

    name = "sms"

    def __init__(
        self,
        gateway_url: str | None,
        token: str | None = None,
        sender: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.gateway_url = gateway_url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmsChannel(gateway={_http.host_of(self.gateway_url or '')!r})"

    def send(self, message: Message) -> str:
        """POST once to the gateway; status codes are classified like webhooks."""
        url = _http.check_url(self.gateway_url, "SMS gateway")
        text = shorten(message.body)
        if not text:
            raise DeliveryError("SMS text is empty", permanent=True)
        data: dict[str, str] = {"to": normalise_number(message.recipient)}
        if self.sender:
            data["from"] = self.sender
        data["message"] = text
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return _http.post(url, body, headers, self.timeout, "SMS gateway")

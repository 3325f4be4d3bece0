"""Web Push (RFC 8030, VAPID RFC 8292, payload encrypted per RFC 8291) through pywebpush.

The recipient is a unit (its id, as for in-app alerts: every member who turned alerts on, on
each of their phones) or one user ("user:<id>", a street worker told about their report). This
package knows no database: the app hands over ``WEBPUSH_SUBSCRIPTIONS`` (the recipient's
subscriptions) and ``WEBPUSH_OUTCOME`` (which ones took the push, which are gone: the push
service answered 404 or 410, so they are removed).

The payload is thin: a kind, the reference, a link, the urgency and the message id (the
notification's tag, so a retried push replaces the first instead of showing twice); never the
report's text or anyone's personal data. The words are the service worker's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .base import N_, TIMEOUT, DeliveryError, Message, Setting, declare

# Kept this long by the push service for a phone that is off; after that an alert is stale.
TTL_SECONDS = 12 * 3600
PAYLOAD_KEYS = ("type", "reference", "link", "urgency")
GONE = (404, 410)


@dataclass(frozen=True)
class Subscription:
    """One browser's push subscription (what PushSubscription.toJSON() gives)."""

    id: int
    endpoint: str
    p256dh: str
    auth: str


def thin(message: Message) -> bytes:
    payload = {k: message.payload.get(k) for k in PAYLOAD_KEYS if k in message.payload}
    payload["message_id"] = message.message_id
    return json.dumps(payload, separators=(",", ":")).encode()


def _site_subject(site: str | None) -> str:
    """VAPID's contact (a mailto: or an https: origin without a port): the site when it is
    one, else a placeholder that push services take; production sets WEBPUSH_VAPID_SUBJECT."""
    parts = urlsplit(site or "")
    if parts.scheme == "https" and parts.hostname and not parts.port:
        return f"https://{parts.hostname}"
    return "mailto:webpush@localhost"


@declare(
    label=N_("Web Push"),
    settings=(
        Setting("WEBPUSH_VAPID_PRIVATE_KEY", "private_key"),
        Setting("WEBPUSH_VAPID_SUBJECT", "subject"),
        Setting("PUBLIC_BASE_URL", "site", env=False),
        Setting("WEBPUSH_SUBSCRIPTIONS", "subscriptions", env=False),
        Setting("WEBPUSH_OUTCOME", "outcome", env=False),
        TIMEOUT,
    ),
)
class WebPushChannel:
    """Pushes one message to each of the recipient's subscriptions."""

    name = "webpush"

    def __init__(
        self,
        private_key: str | None = None,
        subject: str | None = None,
        site: str | None = None,
        subscriptions: Callable[[str], list[Subscription]] | None = None,
        outcome: Callable[..., None] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.private_key = private_key
        self.subject = subject or _site_subject(site)
        self.subscriptions = subscriptions
        self.outcome = outcome
        self.timeout = timeout

    def send(self, message: Message) -> str:
        """Delivered to at least one phone: the receipt says to how many. None took it: gone
        subscriptions only (or none at all) is permanent, a push service that failed is not."""
        if not self.private_key or self.subscriptions is None:
            raise DeliveryError("web push is not configured (VAPID key)", permanent=True)
        targets = self.subscriptions(message.recipient)
        if not targets:
            raise DeliveryError("no push subscriptions for this recipient", permanent=True)
        # Imported here: pywebpush brings aiohttp, a third of a second of every process's start,
        # and only a worker sending a push needs it.
        from pywebpush import WebPushException

        data = thin(message)
        urgent = message.payload.get("urgency") == "high"
        delivered, gone, failures = [], [], []
        for target in targets:
            try:
                self._push(target, data, urgent)
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in GONE:
                    gone.append(target.id)
                else:
                    failures.append(f"HTTP {status}" if status else "push service error")
            except requests.RequestException as exc:
                failures.append(type(exc).__name__)
            else:
                delivered.append(target.id)
        if self.outcome is not None:
            self.outcome(delivered=delivered, gone=gone)
        if delivered:
            return f"pushed to {len(delivered)} of {len(targets)}"
        if failures:
            raise DeliveryError("push failed: " + ", ".join(sorted(set(failures))))
        raise DeliveryError("every push subscription is gone", permanent=True)

    def _push(self, target: Subscription, data: bytes, urgent: bool) -> None:
        from pywebpush import webpush

        webpush(
            subscription_info={
                "endpoint": target.endpoint,
                "keys": {"p256dh": target.p256dh, "auth": target.auth},
            },
            data=data,
            vapid_private_key=self.private_key,
            vapid_claims={"sub": self.subject},
            ttl=TTL_SECONDS,
            headers={"Urgency": "high" if urgent else "normal"},
            timeout=self.timeout,
        )

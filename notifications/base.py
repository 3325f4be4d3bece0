"""The one interface every delivery channel implements, and the registry that holds them.

The rest of the app only ever sees ``Message``, ``Channel.send`` and ``DeliveryError``, so a
channel can be swapped (or faked in tests) without touching the outbox or the workers. The
registry is filled explicitly by ``configure``/``register``: importing this package has no
side effects and reads no environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Channel",
    "DeliveryError",
    "Message",
    "configure",
    "get",
    "register",
    "registered",
]


@dataclass(frozen=True)
class Message:
    """One delivery to one recipient over one channel.

    ``payload`` is the thin JSON payload (ids, reference, category, district, urgency, link);
    it must never carry report text or personal data, because webhooks and logs see it.
    ``message_id`` stays the same across retries so receivers can deduplicate.
    """

    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict
    message_id: str
    secret: str | None = None

    def __repr__(self) -> str:
        # Logs and tracebacks get only what identifies the delivery: the secret, the body and
        # the recipient (an address, or a webhook URL that may embed a token) stay out.
        return f"Message(channel={self.channel!r}, message_id={self.message_id!r})"


class DeliveryError(Exception):
    """A delivery failed; ``permanent`` tells the caller whether retrying can help.

    ``retry_after`` is the receiver's own hint (seconds), if it gave one; the caller decides
    how much of it to honour.
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"DeliveryError({self.reason!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after})"
        )


@runtime_checkable
class Channel(Protocol):
    """A way to deliver a ``Message``. ``send`` returns a short receipt or raises."""

    name: str

    def send(self, message: Message) -> str:
        """Deliver ``message``; return e.g. "HTTP 200"; raise ``DeliveryError`` on failure."""
        ...


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    """Make ``channel`` available under ``channel.name`` (replacing any earlier one)."""
    name = getattr(channel, "name", None)
    if not isinstance(name, str) or not name or not callable(getattr(channel, "send", None)):
        raise TypeError(f"{channel!r} is not a Channel (needs a str .name and a .send())")
    _registry[name] = channel
    return channel


def get(name: str) -> Channel:
    """Return the channel registered as ``name``; a KeyError names what is available."""
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise KeyError(
            f"no notification channel named {name!r} (registered: {known}); "
            "call notifications.configure() / register() at startup"
        ) from None


def registered() -> list[str]:
    """Names of the registered channels, for health pages and error messages."""
    return sorted(_registry)


def _flag(value: Any) -> bool:
    """Settings may come from env-derived strings, where bool("false") would be True."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def configure(settings: Mapping[str, Any]) -> dict[str, Channel]:
    """Build and register the email, webhook and SMS channels from plain settings.

    Missing settings do not fail here: a channel without its server configured raises a
    permanent ``DeliveryError`` when used, so startup never depends on optional services.
    The in-app channel needs the app's store function, so the app registers it itself:
    ``register(InAppChannel(store))``.
    """
    from .email import EmailChannel
    from .sms import SmsChannel
    from .webhook import WebhookChannel

    timeout = float(settings.get("HTTP_TIMEOUT") or 10.0)
    starttls = _flag(settings.get("SMTP_STARTTLS", False))
    port = settings.get("SMTP_PORT")
    channels: list[Channel] = [
        EmailChannel(
            host=settings.get("SMTP_HOST") or None,
            port=int(port) if port else (587 if starttls else 25),
            username=settings.get("SMTP_USER") or None,
            password=settings.get("SMTP_PASSWORD") or None,
            starttls=starttls,
            mail_from=settings.get("MAIL_FROM") or None,
            timeout=timeout,
        ),
        WebhookChannel(timeout=timeout),
        SmsChannel(
            gateway_url=settings.get("SMS_GATEWAY_URL") or None,
            token=settings.get("SMS_GATEWAY_TOKEN") or None,
            sender=settings.get("SMS_SENDER") or None,
            timeout=timeout,
        ),
    ]
    return {channel.name: register(channel) for channel in channels}

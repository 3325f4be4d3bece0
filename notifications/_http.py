"""One HTTP POST with the retry classification shared by webhooks and the SMS gateway.

Both talk to servers we do not control, so the rules live in one place: 2xx is success,
429/5xx/408 and network trouble are worth retrying, any other answer is permanent.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from .base import DeliveryError

USER_AGENT = "Meldecentral-Notifications/1"
RETRYABLE_STATUS = {408, 429}
# A reply body up to this size is read, so that its connection goes back to the pool and the
# next alert to the same receiver skips the TCP (and TLS) handshake.
DRAIN_LIMIT = 64 * 1024

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread and process (a forked worker makes its own)."""
    session = getattr(_local, "session", None)
    if session is None or _local.pid != os.getpid():
        session = _local.session = requests.Session()
        # Without a proxy in the environment, do not look for one (nor for .netrc
        # credentials) on every request: that lookup cost more than the POST itself.
        session.trust_env = any(k.lower().endswith("_proxy") for k in os.environ)
        _local.pid = os.getpid()
    return session


def host_of(url: str) -> str:
    """The host part only: URLs (e.g. Teams/Slack webhooks) may embed tokens; errors get logged."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def check_url(url: str | None, what: str) -> str:
    """Reject what no retry can fix before opening a connection."""
    if not url:
        raise DeliveryError(f"{what} URL is not configured", permanent=True)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise DeliveryError(f"{what} URL is malformed", permanent=True) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise DeliveryError(f"{what} URL must be http(s) with a host", permanent=True)
    return url


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date; None if absent or garbage."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def classify(status: int, headers: Mapping[str, str], what: str) -> None:
    """Return quietly on 2xx, otherwise raise the DeliveryError the status deserves."""
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRYABLE_STATUS:
        raise DeliveryError(
            f"{what} answered HTTP {status}",
            permanent=False,
            retry_after=retry_after(headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        # Redirects are not followed (a signed POST must not wander off to another host);
        # the configured URL is wrong until someone fixes it.
        raise DeliveryError(
            f"{what} answered HTTP {status} (redirect, not followed); update the URL",
            permanent=True,
        )
    raise DeliveryError(f"{what} answered HTTP {status}", permanent=True)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float, what: str) -> str:
    """POST ``body`` and return "HTTP <status>", or raise a classified DeliveryError."""
    headers = {"User-Agent": USER_AGENT, **headers}
    where = f"{what} at {host_of(url)}"
    try:
        with _session().post(
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,  # only status and headers matter; never download a huge reply
        ) as response:
            status, reply_headers = response.status_code, response.headers
            length = reply_headers.get("Content-Length", "")
            if length.isdigit() and int(length) <= DRAIN_LIMIT:
                response.content  # noqa: B018 - read it: the connection can be reused
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidHeader,
    ) as exc:
        raise DeliveryError(
            f"{where}: invalid request ({type(exc).__name__})", permanent=True
        ) from None
    except requests.exceptions.Timeout:
        raise DeliveryError(f"{where}: timed out after {timeout:g}s", permanent=False) from None
    except requests.exceptions.ConnectionError as exc:
        raise DeliveryError(
            f"{where}: connection failed ({type(exc).__name__})", permanent=False
        ) from None
    except requests.exceptions.RequestException as exc:
        raise DeliveryError(f"{where}: {type(exc).__name__}", permanent=False) from None
    classify(status, reply_headers, where)
    return f"HTTP {status}"

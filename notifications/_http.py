"""One HTTP POST with the retry classification shared by webhooks and the SMS gateway.

Both talk to servers we do not control, so the rules live in one place: 2xx is success,
429/5xx/408 and network trouble are worth retrying, any other answer is permanent.
"""

from __future__ import annotations

import os
import time
import urllib.request
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from .base import DeliveryError

USER_AGENT = "Meldecentral-Notifications/1"
RETRYABLE_STATUS = {408, 429}
# A reply body up to this size is read, so that its connection goes back to the pool and the
# next alert to the same receiver skips the TCP (and TLS) handshake.
DRAIN_LIMIT = 64 * 1024

# urllib3 directly, not requests: a worker sends an alert per routed report, and requests'
# preparing of each request (hooks, cookies, auth, its adapter) cost as much CPU as the POST
# itself (bench.profile, 2026-12-03). Pools are per process (a forked worker makes its own)
# and thread-safe.


class _Pools:
    """This process's pools: one direct, one per proxy; the environment's proxies read once."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.proxies = urllib.request.getproxies_environment()
        self.managers: dict[str | None, urllib3.PoolManager] = {}


_pools: _Pools | None = None


def _pool_for(url: str) -> urllib3.PoolManager:
    """Keep-alive pools; a proxy from the environment (HTTP(S)_PROXY, NO_PROXY) is honoured."""
    global _pools
    if _pools is None or _pools.pid != os.getpid():
        _pools = _Pools()
    parts = urlsplit(url)
    proxies = _pools.proxies
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if proxy and urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        proxy = None
    manager = _pools.managers.get(proxy)
    if manager is None:
        manager = _pools.managers[proxy] = (
            urllib3.ProxyManager(proxy, num_pools=20, maxsize=4)
            if proxy
            else urllib3.PoolManager(num_pools=20, maxsize=4)
        )
    return manager


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
        response = _pool_for(url).request(
            "POST",
            url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,
            redirect=False,  # a signed POST must not wander off to another host
            preload_content=False,  # only status and headers matter; never a huge reply
        )
        try:
            status, reply_headers = response.status, response.headers
            length = reply_headers.get("Content-Length", "")
            if length.isdigit() and int(length) <= DRAIN_LIMIT:
                response.read()  # read it: the connection can be reused
            else:
                response.close()  # not read: the connection is not reused
        finally:
            response.release_conn()
    except ValueError as exc:  # urllib3's URL and scheme errors too, a header http.client refuses
        raise DeliveryError(
            f"{where}: invalid request ({type(exc).__name__})", permanent=True
        ) from None
    except NewConnectionError as exc:  # a subclass of the connect timeout in urllib3 2
        raise DeliveryError(
            f"{where}: connection failed ({type(exc).__name__})", permanent=False
        ) from None
    except Urllib3Timeout:
        raise DeliveryError(f"{where}: timed out after {timeout:g}s", permanent=False) from None
    except (HTTPError, OSError) as exc:
        raise DeliveryError(
            f"{where}: connection failed ({type(exc).__name__})", permanent=False
        ) from None
    classify(status, reply_headers, where)
    return f"HTTP {status}"

"""Security headers on every response, rate limits, and bounded ids in URLs.

``register_security(app)`` is called by ``create_app`` before the blueprints are registered.

Headers: a Content-Security-Policy that lets a page load scripts, styles and fonts only from
this site (no inline script or style, no eval), images from this site, ``data:`` URIs and the
map tile host (taken from MAP_TILE_URL); it may not be framed, embed plugins, change its base
URL or post forms elsewhere. HSTS where HSTS_ENABLED (production). ``no-store`` on staff and
tracking pages, the API, and anything served to a signed-in user.

Rate limits: Flask-Limiter, per client address, counted in RATELIMIT_STORAGE_URI (Redis in
production, memory in development). Views take their limit from the configuration with
``configured_limit``; for the sign-in form::

    @bp.post("/signin")
    @configured_limit("RATELIMIT_SIGNIN")
    def signin(): ...

A limit exceeded answers 429 with a Retry-After header (the API's JSON error shape under
/api/). If the storage is unreachable the request is served (fail open), a warning is logged
and the limits are counted in process memory until the storage is back: an outage of Redis
must not take the reporting form down, and the limits still hold per process.

The busiest endpoint, the anonymous submission, counts with ``count_request`` in its view
instead of the decorator: the same counting (the ``limits`` library's fixed window, in
Flask-Limiter's storage, one Redis round trip per limit) without the decorator's per-request
machinery (resolving the view's limits, exemption scopes, meta limits, request-limit objects),
a measurable share of the request's CPU (bench/README.md).
"""

from __future__ import annotations

import functools
import logging
import re
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage, RedisClusterStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import NotFound, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from meldecentral.extensions import limiter
from meldecentral.inputs import REASON, unstorable_parameter
from meldecentral.pages import error_page

NO_STORE_PREFIXES = (
    "/api/",
    "/open311/",
    "/staff/",
    "/admin/",
    "/track",
    "/report",
    "/login",
    "/logout",
)
# Doors that authenticate by token or key, never by the cookie session.
SESSIONLESS_PREFIXES = ("/api/", "/open311/")
# The published public figures, the same for everyone: cacheable (their views set ETag and
# Cache-Control), unless the request carries a staff session.
PUBLIC_CACHEABLE_PREFIXES = ("/api/v1/public/",)
API_MIMETYPES = ("application/json", "application/geo+json")
PERMISSIONS_POLICY = "geolocation=(self), camera=(self), microphone=()"
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite overflows past 2**63


def tile_origin(url: str | None) -> str | None:
    """``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    host = _PLACEHOLDER.sub("*", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(config) -> str:
    return _csp(config.get("MAP_TILE_URL"))


@functools.lru_cache(maxsize=8)
def _csp(tile_url: str | None) -> str:
    """The policy depends on the tile server only; built once per tile URL."""
    images = ["'self'", "data:"]
    tiles = tile_origin(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def configured_limit(config_key: str, **kwargs):
    """A Flask-Limiter decorator whose limit string is read from the app's configuration
    (e.g. RATELIMIT_SIGNIN = "10/minute") at request time."""
    return limiter.limit(lambda: current_app.config[config_key], **kwargs)


# While the storage is unreachable, count_request counts in memory and tries the storage again
# after this long.
STORAGE_RETRY_SECONDS = 30
log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=32)
def _parsed(spec: str) -> tuple:
    return tuple(parse_many(spec))


class _Fallback:
    """Per app (one per process in production): counting in memory while the storage is down."""

    def __init__(self) -> None:
        self.memory = FixedWindowRateLimiter(MemoryStorage())
        self.down_until = 0.0


def count_request(config_key: str, scope: str) -> None:
    """Count this request against the limits in ``config[config_key]`` (e.g. "10/minute;100/day")
    for the client address, under ``scope``; raise TooManyRequests (429 with Retry-After: when
    the exceeded limit's window ends) if one is exceeded. Storage unreachable: a warning, and
    counting in process memory for STORAGE_RETRY_SECONDS before the storage is tried again."""
    app = current_app._get_current_object()  # noqa: SLF001 - one proxy lookup, not four
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    items = _parsed(app.config[config_key])
    key = get_remote_address()
    fallback: _Fallback = app.extensions["mc_rate_fallback"]
    strategy = limiter.limiter if time.monotonic() >= fallback.down_until else fallback.memory
    try:
        exceeded = _first_exceeded(strategy, items, key, scope)
    except Exception:  # noqa: BLE001 - any storage error: fail open, count in memory
        log.warning(
            "rate-limit storage unreachable; counting in memory for %s s", STORAGE_RETRY_SECONDS
        )
        fallback.down_until = time.monotonic() + STORAGE_RETRY_SECONDS
        exceeded = _first_exceeded(fallback.memory, items, key, scope)
    if exceeded is not None:
        log.info("rate limit %s exceeded (%s)", exceeded, scope)  # not the address: personal data
        raise TooManyRequests(retry_after=exceeded.get_expiry())


def _first_exceeded(strategy, items, key: str, scope: str):
    """The first of ``items`` this request exceeds, counting it against each up to that one."""
    if (
        isinstance(strategy, FixedWindowRateLimiter)
        and isinstance(strategy.storage, RedisStorage)
        # a cluster would refuse one transaction over keys in different slots
        and not isinstance(strategy.storage, RedisClusterStorage)
    ):
        return _first_exceeded_in_redis(strategy.storage, items, key, scope)
    for item in items:
        if not strategy.hit(item, key, scope):
            return item
    return None


# Counts a request against each limit in turn (KEYS: their keys; ARGV: each one's window in
# seconds and amount), as limits' fixed window does: a key's expiry is set when the increment
# creates it. Stops at the first limit exceeded and returns its position (1-based; 0: none),
# so the limits after it are not counted, as if counting had stopped there.
_COUNT_SCRIPT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, 1)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i - 1]) end
  if count > tonumber(ARGV[2 * i]) then return i end
end
return 0
"""
_scripts: dict[int, object] = {}


def _first_exceeded_in_redis(storage: RedisStorage, items, key: str, scope: str):
    """As ``strategy.hit`` for each limit in turn, in one round trip for them all (a submission
    is counted against a minute's and a day's limit): one script (EVALSHA; loaded once per
    server, redis-py loads it again should the server have lost it)."""
    connection = storage.get_connection()
    script = _scripts.get(id(connection))
    if script is None:
        script = _scripts[id(connection)] = connection.register_script(_COUNT_SCRIPT)
    keys = [storage.prefixed_key(item.key_for(key, scope)) for item in items]
    args = [n for item in items for n in (item.get_expiry(), item.amount)]
    exceeded = int(script(keys=keys, args=args))
    return items[exceeded - 1] if exceeded else None


@limiter.request_filter
def _limits_switched_off() -> bool:
    # Flask-Limiter keeps its on/off switch on the process-wide Limiter; a process may hold
    # several apps (the tests do), so each request asks its own app.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


class ApiWithoutCookieSession(SecureCookieSessionInterface):
    """The JSON API authenticates by token and never uses the cookie session: under /api/ none
    is opened (Flask's null session stands in: read as empty, refuses writes) and no cookie
    is set. Spares every API request the cookie's signature check and the save."""

    def open_session(self, app, request):
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None
        return super().open_session(app, request)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for ids: a number larger than the database can hold names nothing, so it
    is a 404 (not an overflow error deep in the driver). Raised here rather than through the
    converter's ``max``: werkzeug would then answer 405 when another method shares the path."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


def _set_headers(response):
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(config))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if config.get("HSTS_ENABLED"):
        headers["Strict-Transport-Security"] = (
            f"max-age={int(config['HSTS_MAX_AGE'])}; includeSubDomains"
        )
    if request.path.startswith("/api/") and response.mimetype in API_MIMETYPES:
        # Opened in a browser tab, API JSON is a download, never a page (ASVS 14.4.2).
        headers.setdefault("Content-Disposition", 'attachment; filename="api.json"')
    if request.endpoint != "static" and (
        (
            request.path.startswith(NO_STORE_PREFIXES)
            and not request.path.startswith(PUBLIC_CACHEABLE_PREFIXES)
        )
        or "_user_id" in session
    ):
        headers["Cache-Control"] = "no-store"
    return response


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG; rows are reports and contact details. (SQL
    parameters are hidden by the engine option hide_parameters.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _keep_personal_data_out_of_logs() -> None:
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoResultRows) for f in logger.filters):
        logger.addFilter(_NoResultRows())


def _refuse_unstorable_parameters():
    """A query or form field that cannot be stored (meldecentral.inputs) is refused by name:
    the API answers 422 with the field, a page the site's error page naming it."""
    if request.path.startswith("/open311/"):
        return None  # the Open311 door checks them and answers in the spec's error format
    field = unstorable_parameter(request.args)
    if field is None and request.mimetype in _FORM_TYPES:
        field = unstorable_parameter(request.form)
    if field is None:
        return None
    if request.path.startswith("/api/"):
        error = {"code": "validation_error", "message": "the request has invalid fields"}
        return jsonify({"error": {**error, "fields": {field: [REASON]}}}), 422
    message = _("The field “%(field)s” contains a character that cannot be stored.", field=field)
    return error_page(400, message)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def register_security(app: Flask) -> None:
    _keep_personal_data_out_of_logs()
    app.session_interface = ApiWithoutCookieSession()
    app.url_map.converters["int"] = BoundedIntConverter
    if app.config.get("TRUSTED_PROXIES"):
        # Take the client address from X-Forwarded-For, as set by that many proxies.
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)
    app.after_request(_set_headers)
    app.before_request(_refuse_unstorable_parameters)
    if app.config.get("RATELIMIT_ENABLED", True):
        if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
            # A Redis that does not answer must not hold a request for long.
            app.config.setdefault(
                "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
            )
        limiter.init_app(app)
        # Every limit here is a view's (configured_limit's decorator, or count_request); there
        # are no default or application-wide limits. Flask-Limiter's before-request hook would
        # only look for those, on every request, at a cost: it is taken out unless such limits
        # are configured.
        if not (app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")):
            hooks = app.before_request_funcs.get(None, [])
            app.before_request_funcs[None] = [h for h in hooks if h != limiter._check_request_limit]
    app.extensions["mc_rate_fallback"] = _Fallback()

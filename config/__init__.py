"""Configuration classes.

Defaults live in code; secrets and URLs come from the environment, read only inside
``load_config`` (called by ``create_app``), never at import time.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class Config:
    SECRET_KEY: str | None = None  # development: generated once into instance/secret_key
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'meldecentral.sqlite'}"
    # SQL parameters stay out of logs and exception messages: they are report texts and
    # contact details.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    # Embedded default: a broker that needs no server. kombu's SQLAlchemy transport on a SQLite
    # file beside the database (its own file, so the queue's writes do not wait on the app's);
    # the filesystem transport corrupted messages under concurrent use (issue 16).
    CELERY_BROKER_URL = f"sqla+sqlite:///{INSTANCE / 'broker.sqlite'}"
    CELERY_RESULT_BACKEND = None
    REDIS_URL: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # whole request body, uploads included
    MAX_JSON_BODY = 64 * 1024
    # Compressed: pages, styles, scripts, SVG (not JSON: API answers are small, and the
    # submission is the busiest path). Above 500 bytes; brotli where the browser takes it.
    COMPRESS_MIMETYPES = ("text/html", "text/css", "text/javascript", "image/svg+xml")
    COMPRESS_ALGORITHM = ("br", "gzip")
    COMPRESS_ALGORITHM_STREAMING = ("br", "deflate")  # static files (Flask-Compress: no gzip)
    COMPRESS_MIN_SIZE = 500
    # The database unreachable (a restart, a failover): 503 with this Retry-After.
    RETRY_AFTER_UNAVAILABLE_SECONDS = 5
    REPORT_TEXT_MAX = 5000
    # A report list's export (CSV, XLSX) carries at most this many rows, and says so when a
    # filter matched more (docs/security.md, "Exports").
    EXPORT_MAX_ROWS = 50_000
    # The coordinators' dashboard keeps its figures this long per municipality and period
    # (the page says as of when); 0 computes them on every request.
    DASHBOARD_CACHE_SECONDS = 60
    # The dashboard's times to acknowledge and to close are computed by the workers this often,
    # and computed on the spot when the stored ones are older than the maximum age.
    DASHBOARD_TIMES_EVERY_SECONDS = 300
    DASHBOARD_TIMES_MAX_AGE_SECONDS = 900
    # The staff map shows at most this many reports (the most urgent), and says when more.
    MAP_MAX_POINTS = 2000
    # A hotspot's chief is told of each report routed to them in the app, and on these channels
    # of their own: one without addresses reaches their browsers (web push, if they turned it
    # on), one whose address is an e-mail their sign-in address; others cannot reach a person
    # and are skipped (docs/hotspots.md). CHIEF_CHANNELS="webpush,email" in the environment.
    CHIEF_CHANNELS = ("webpush", "email")
    PUBLIC_BASE_URL = "http://localhost:5000"
    # The municipality of a request whose host name no municipality claims: a deployment for
    # one city needs nothing else. Others are reached by host name or by the path prefix
    # /<MUNICIPALITY_PATH_ROOT>/<prefix>/ (services.staff.municipalities; docs/operations.md).
    DEFAULT_MUNICIPALITY = "kbh"
    MUNICIPALITY_PATH_ROOT = "k"
    # How links in notifications reach another municipality than the default (which is at
    # PUBLIC_BASE_URL): "host", its first host name (PUBLIC_BASE_URL's scheme), or "prefix",
    # its path prefix on PUBLIC_BASE_URL; either falls back on the other.
    MUNICIPALITY_LINKS = "host"
    TIMEZONE = "Europe/Copenhagen"
    BABEL_DEFAULT_LOCALE = "da"
    # Every language the catalogues speak: the resident pages and the reporter's messages
    # (docs/translations.md says which texts still await a native speaker's review). Staff
    # pages speak only STAFF_LANGUAGES; a municipality may switch a resident language off
    # (municipality.languages_off, on the administrators' Languages page).
    LANGUAGES = ("da", "en", "ar", "tr", "ur", "so", "fa")
    STAFF_LANGUAGES = ("da", "en")
    # Map tiles for the report form's map (the form works without them: no tiles, no map).
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Staff sessions end after 30 idle minutes, and 8 hours after sign-in whatever happens.
    SESSION_IDLE_SECONDS = 30 * 60
    SESSION_ABSOLUTE_SECONDS = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    # Longer than any countdown (DELIVERY_COUNTDOWN_MAX_SECONDS), so a waiting retry is not
    # handed out twice; a task lost with a dead worker is recovered sooner by the sweepers.
    CELERY_VISIBILITY_TIMEOUT = 4 * 3600
    # "thread": a relay thread in each web process; "process": outside the web processes, a
    # thread of the beat process and any `outbox-relay` processes (workers/relay.py); "off":
    # events stay in the outbox until the sweeper runs.
    OUTBOX_RELAY = "thread"
    OUTBOX_RELAY_POLL_SECONDS = 0.02  # the relay's pause when it found little to do
    OUTBOX_SWEEP_AFTER_SECONDS = 30
    OUTBOX_SWEEP_EVERY_SECONDS = 10
    OUTBOX_REPUBLISH_AFTER_SECONDS = 300
    # An event not handled this long after its commit is shown to coordinators as routing
    # that is behind (the broker or the workers away): seconds in normal running.
    ROUTING_STALLED_AFTER_SECONDS = 120
    # Seconds to wait after each failed attempt (Standard Webhooks' schedule: a receiver down
    # for hours still gets every alert); one attempt more than delays, then a dead letter.
    # Each delay gets +/- DELIVERY_RETRY_JITTER of itself, so that retries after an outage
    # do not arrive all at once.
    DELIVERY_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
    DELIVERY_RETRY_JITTER = 0.2
    # A retry due within this is a Celery countdown; a later one waits in the database
    # (next_attempt_at) for the sweeper, holding no task, worker slot or Redis reservation.
    DELIVERY_COUNTDOWN_MAX_SECONDS = 60.0
    # An urgent unit alert not delivered after this long goes to the coordinators (unit
    # COORD) on their own channels at once; the alert itself keeps retrying.
    URGENT_FALLBACK_AFTER_SECONDS = 180.0
    DELIVERY_SWEEP_EVERY_SECONDS = 15
    DELIVERY_SWEEP_GRACE_SECONDS = 60
    # A worker sending a delivery holds it this long; should it die, the sweeper sends it after.
    # Longer than any channel's send may take (HTTP_TIMEOUT), so that none is sent twice.
    DELIVERY_SEND_LEASE_SECONDS = 60.0
    ESCALATION_EVERY_SECONDS = 60
    STATS_REFRESH_EVERY_SECONDS = 60  # recount today's and yesterday's statistics
    # Rebuild the public figures (services/facts/publish.py): they cover complete weeks.
    FACTS_PUBLISH_EVERY_SECONDS = 3600
    # A process answers the public figures from memory this long before it asks the database
    # whether a newer publication exists (the figures change at most once per publishing run).
    FACTS_CACHE_SECONDS = 30
    # The open data's licence per municipality code ("*": any other).
    OPEN_DATA_LICENCES = {
        "*": {
            "name": "CC BY 4.0",
            "url": "https://creativecommons.org/licenses/by/4.0/",
        }
    }
    # The notification channels' settings (SMTP_HOST, SMS_GATEWAY_URL, HTTP_TIMEOUT, ...) and
    # their defaults are declared by each channel in notifications/; create_app has load_config
    # take them from the environment. Unset means "not configured": such deliveries are
    # dead-lettered where coordinators see them.
    # Observability (meldecentral/logs.py, meldecentral/metrics.py): JSON lines on stderr, and
    # /metrics for a bearer token (or, without one, for loopback only).
    LOG_FORMAT = "json"  # or "plain"
    LOG_LEVEL = "INFO"
    METRICS_TOKEN: str | None = None
    # Attachments (photos): stored outside the web root under generated names, re-encoded
    # without metadata; see services/uploads.py.
    UPLOAD_FOLDER = str(INSTANCE / "uploads")
    UPLOAD_MAX_BYTES = 8 * 1024 * 1024
    UPLOAD_MAX_PIXELS = 40_000_000  # larger images are refused as decompression bombs
    UPLOAD_MAX_PER_REPORT = 10
    # Retention (services/retention.py): after a report is closed, reporter contact details and
    # attachments go after RETENTION_ANONYMISE_DAYS, the whole report (a tombstone stays) after
    # RETENTION_DELETE_DAYS. check_settings() refuses values under the floors below.
    RETENTION_ANONYMISE_DAYS = 180
    RETENTION_DELETE_DAYS = 5 * 365
    RETENTION_EVERY_SECONDS = 3600
    RETENTION_BATCH = 200
    # Rate limits (Flask-Limiter; see meldecentral/security.py). Per client IP address; behind
    # a reverse proxy set TRUSTED_PROXIES to the number of proxies that add X-Forwarded-For.
    RATELIMIT_ENABLED = True
    RATELIMIT_SUBMIT = "10/minute;100/day"  # anonymous POST /api/v1/reports
    RATELIMIT_TRACK = "30/minute"  # GET /api/v1/track/<reference>
    RATELIMIT_SIGNIN = "10/minute"  # staff sign-in POST (security.configured_limit)
    # Open311 (docs/open311.md): a client application posts for many residents from one
    # address, so its limit is wider than a resident's; reads are public and counted too.
    RATELIMIT_OPEN311_SUBMIT = "60/minute;5000/day"
    RATELIMIT_OPEN311_READ = "120/minute"
    TRUSTED_PROXIES = 0
    # Open311 GeoReport v2 (docs/open311.md): GET requests answers OPEN311_PAGE_SIZE requests
    # unless page_size asks for more, at most OPEN311_MAX_REQUESTS (the spec's 1000); public
    # points are rounded to OPEN311_COORD_DECIMALS (3: about 100 m). Discovery names a contact
    # and where to ask for an api_key.
    OPEN311_PAGE_SIZE = 50
    OPEN311_MAX_REQUESTS = 1000
    OPEN311_COORD_DECIMALS = 3
    OPEN311_CONTACT = ""
    OPEN311_KEY_SERVICE = "Ask the municipality's administrator for an api_key."
    API_TOKEN_DAYS = 90  # a new API token's lifetime unless its creator gives another
    # Security headers (security.py): HSTS only where every visitor arrives over HTTPS.
    HSTS_ENABLED = False
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Web Push (notifications/webpush.py): the VAPID key pair (`flask push keys` makes one;
    # development makes one into instance/vapid.json). The public key goes to the pages, the
    # private key (WEBPUSH_VAPID_PRIVATE_KEY, a channel setting) signs the pushes.
    WEBPUSH_VAPID_PUBLIC_KEY: str | None = None
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = False
    # Outside production, alerts that have nowhere else to go land in a local store shown to
    # signed-in staff (meldecentral/web/dev.py): e-mail without SMTP_HOST, SMS without
    # SMS_GATEWAY_URL, and the demo units' webhooks (they point at /dev/webhooks/<unit>).
    DEV_INBOX_DIR = str(INSTANCE / "dev-inbox")
    # The embedded broker forgets a task its worker took when the worker is killed (no
    # visibility timeout): the sweeper republishes such an event after a minute, not five.
    OUTBOX_REPUBLISH_AFTER_SECONDS = 60
    # Host names need DNS: links reach the demo's other municipalities by path prefix.
    MUNICIPALITY_LINKS = "prefix"


class TestingConfig(Config):
    TESTING = True
    DEV_INBOX_DIR = None  # a test that wants the dev inbox gives it a folder
    LOG_FORMAT = "plain"  # pytest captures the records
    SECRET_KEY = "testing"  # noqa: S105 - test runs only
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False
    CELERY_BROKER_URL = "memory://"
    OUTBOX_RELAY = "off"
    FACTS_CACHE_SECONDS = 0  # each test has its own database: always ask it
    DASHBOARD_CACHE_SECONDS = 0  # each test sees its own figures
    DASHBOARD_TIMES_MAX_AGE_SECONDS = 0  # (times computed on every request)


class ProductionConfig(Config):
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SESSION_COOKIE_SECURE = True
    HSTS_ENABLED = True
    # Beat relays the outbox: the web processes only commit (workers/relay.py).
    OUTBOX_RELAY = "process"
    REQUIRED_ENV = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


class ConfigError(RuntimeError):
    """Raised when the environment does not provide what a configuration needs."""


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain postgres URLs (as given by most hosting)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(
    name: str | None = None, env: dict | None = None, declared: Iterable[str] = ()
) -> dict:
    """Return the settings for ``name`` (default: MELDECENTRAL_ENV or development).

    ``declared``: further settings taken from the environment as they are (text), declared
    elsewhere with their defaults: the notification channels' (create_app passes them).
    """
    env = os.environ if env is None else env
    name = name or env.get("MELDECENTRAL_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"unknown configuration {name!r}; choose one of {sorted(CONFIGS)}")
    cls = CONFIGS[name]
    settings = {k: copy.deepcopy(getattr(cls, k)) for k in dir(cls) if k.isupper()}
    settings["ENV_NAME"] = name
    missing = [k for k in getattr(cls, "REQUIRED_ENV", ()) if not env.get(k)]
    if missing:
        raise ConfigError(f"production needs these environment variables: {', '.join(missing)}")
    if env.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(env["DATABASE_URL"])
    if env.get("SECRET_KEY"):
        settings["SECRET_KEY"] = env["SECRET_KEY"]
    if name != "production" and env.get("PORT") and not env.get("PUBLIC_BASE_URL"):
        # `make run` on another port: links in notifications point where the app answers.
        settings["PUBLIC_BASE_URL"] = f"http://localhost:{int(env['PORT'])}"
    if env.get("REDIS_URL"):
        settings["REDIS_URL"] = env["REDIS_URL"]
        settings["CELERY_BROKER_URL"] = env["REDIS_URL"]
        settings["CELERY_RESULT_BACKEND"] = env["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    for key in (
        "PUBLIC_BASE_URL",
        "OUTBOX_RELAY",
        "LOG_FORMAT",
        "LOG_LEVEL",
        "METRICS_TOKEN",
        "MAP_TILE_URL",
        "MAP_TILE_ATTRIBUTION",
        "WEBPUSH_VAPID_PUBLIC_KEY",
        *declared,
    ):
        if env.get(key):
            settings[key] = env[key]
    # Numeric knobs an operator (or a test) may tune from the environment.
    for key in (
        "OUTBOX_SWEEP_AFTER_SECONDS",
        "OUTBOX_RELAY_POLL_SECONDS",
        "OUTBOX_SWEEP_EVERY_SECONDS",
        "OUTBOX_REPUBLISH_AFTER_SECONDS",
        "ROUTING_STALLED_AFTER_SECONDS",
        "DELIVERY_RETRY_JITTER",
        "DELIVERY_COUNTDOWN_MAX_SECONDS",
        "URGENT_FALLBACK_AFTER_SECONDS",
        "DELIVERY_SWEEP_EVERY_SECONDS",
        "DELIVERY_SWEEP_GRACE_SECONDS",
        "DELIVERY_SEND_LEASE_SECONDS",
        "ESCALATION_EVERY_SECONDS",
        "STATS_REFRESH_EVERY_SECONDS",
        "FACTS_PUBLISH_EVERY_SECONDS",
        "FACTS_CACHE_SECONDS",
        "UPLOAD_MAX_BYTES",
        "UPLOAD_MAX_PIXELS",
        "RETENTION_ANONYMISE_DAYS",
        "RETENTION_DELETE_DAYS",
        "RETENTION_EVERY_SECONDS",
        "TRUSTED_PROXIES",
        "API_TOKEN_DAYS",
        "EXPORT_MAX_ROWS",
        "DASHBOARD_CACHE_SECONDS",
        "DASHBOARD_TIMES_EVERY_SECONDS",
        "DASHBOARD_TIMES_MAX_AGE_SECONDS",
        "MAP_MAX_POINTS",
    ):
        if env.get(key):
            settings[key] = type(settings[key])(float(env[key]))
    if env.get("CHIEF_CHANNELS") is not None:
        settings["CHIEF_CHANNELS"] = tuple(
            c.strip() for c in env["CHIEF_CHANNELS"].split(",") if c.strip()
        )
    if env.get("DELIVERY_RETRY_SCHEDULE"):  # "5,300,1800": seconds after each failed attempt
        settings["DELIVERY_RETRY_SCHEDULE"] = parse_schedule(env["DELIVERY_RETRY_SCHEDULE"])
    for key in (
        "CELERY_BROKER_URL",
        "UPLOAD_FOLDER",
        "RATELIMIT_SUBMIT",
        "RATELIMIT_TRACK",
        "RATELIMIT_SIGNIN",
        "RATELIMIT_OPEN311_SUBMIT",
        "RATELIMIT_OPEN311_READ",
        "OPEN311_CONTACT",
        "OPEN311_KEY_SERVICE",
    ):
        if env.get(key):
            settings[key] = env[key]
    if name != "production":
        apply_dev_inbox(settings)
    check_settings(settings)
    return settings


def apply_dev_inbox(settings: dict) -> None:
    """Outside production: e-mail and SMS with no server configured go to the dev inbox
    (DEV_INBOX_DIR), so that a newcomer's `make run` shows its alerts arriving."""
    folder = settings.get("DEV_INBOX_DIR")
    if not folder:
        return
    if not settings.get("SMTP_HOST") and not settings.get("MAIL_DEV_DIR"):
        settings["MAIL_DEV_DIR"] = str(Path(folder) / "mail")
    if not settings.get("SMS_GATEWAY_URL"):
        settings["SMS_GATEWAY_URL"] = settings["PUBLIC_BASE_URL"].rstrip("/") + "/dev/sms"


def parse_schedule(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"DELIVERY_RETRY_SCHEDULE={text!r}: seconds, e.g. 5,300,1800") from None
    if any(d < 0 for d in delays):
        raise ConfigError(f"DELIVERY_RETRY_SCHEDULE={text!r}: no negative delays")
    return delays


# Retention may be configured longer, never shorter than this: a closed case must stay
# answerable (complaints, appeals, a reopened concern about a child) for a while.
RETENTION_ANONYMISE_FLOOR_DAYS = 30
RETENTION_DELETE_FLOOR_DAYS = 365


def check_settings(settings) -> None:
    """Refuse settings that would break the privacy rules; called by load_config and again by
    create_app (after a test's overrides)."""
    anonymise = settings.get("RETENTION_ANONYMISE_DAYS", Config.RETENTION_ANONYMISE_DAYS)
    delete = settings.get("RETENTION_DELETE_DAYS", Config.RETENTION_DELETE_DAYS)
    if anonymise < RETENTION_ANONYMISE_FLOOR_DAYS:
        raise ConfigError(
            f"RETENTION_ANONYMISE_DAYS={anonymise} is below the floor of "
            f"{RETENTION_ANONYMISE_FLOOR_DAYS} days"
        )
    if delete < RETENTION_DELETE_FLOOR_DAYS:
        raise ConfigError(
            f"RETENTION_DELETE_DAYS={delete} is below the floor of "
            f"{RETENTION_DELETE_FLOOR_DAYS} days"
        )
    if settings.get("ENV_NAME") == "production" and (
        settings.get("DEV_INBOX_DIR") or settings.get("MAIL_DEV_DIR")
    ):
        raise ConfigError("DEV_INBOX_DIR and MAIL_DEV_DIR are for development, not production")
    relay = settings.get("OUTBOX_RELAY", Config.OUTBOX_RELAY)
    if relay not in ("thread", "process", "off"):
        raise ConfigError(f"OUTBOX_RELAY={relay!r}: use thread, process or off")
    if delete <= anonymise:
        raise ConfigError(
            f"RETENTION_DELETE_DAYS={delete} must be longer than "
            f"RETENTION_ANONYMISE_DAYS={anonymise}"
        )

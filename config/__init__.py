"""Configuration classes.

Defaults live in code; secrets and URLs come from the environment, read only inside
``load_config`` (called by ``create_app``), never at import time.
"""

from __future__ import annotations

import copy
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class Config:
    SECRET_KEY: str | None = None  # development: generated once into instance/secret_key
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'meldecentral.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Embedded default: a broker that needs no server (kombu's filesystem transport).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_FOLDER = str(INSTANCE / "broker")
    REDIS_URL: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # whole request body, uploads included
    MAX_JSON_BODY = 64 * 1024
    REPORT_TEXT_MAX = 5000
    PUBLIC_BASE_URL = "http://localhost:5000"
    DEFAULT_MUNICIPALITY = "kbh"
    TIMEZONE = "Europe/Copenhagen"
    BABEL_DEFAULT_LOCALE = "da"
    LANGUAGES = ("da", "en")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    # Longer than any retry delay (DELIVERY_BACKOFF_CAP), so a waiting retry is not handed out
    # twice; a task lost with a dead worker is recovered sooner by the database sweepers.
    CELERY_VISIBILITY_TIMEOUT = 4 * 3600
    OUTBOX_RELAY = "thread"  # "off": events stay in the outbox until the sweeper runs
    OUTBOX_SWEEP_AFTER_SECONDS = 30
    OUTBOX_SWEEP_EVERY_SECONDS = 10
    OUTBOX_REPUBLISH_AFTER_SECONDS = 300
    DELIVERY_MAX_ATTEMPTS = 6
    DELIVERY_BACKOFF_BASE = 5.0  # seconds; doubles per attempt, with jitter
    DELIVERY_BACKOFF_CAP = 900.0
    DELIVERY_SWEEP_EVERY_SECONDS = 15
    DELIVERY_SWEEP_GRACE_SECONDS = 60
    ESCALATION_EVERY_SECONDS = 60
    # Notification channels (see notifications.configure); unset means "not configured" and
    # such deliveries are dead-lettered where coordinators see them.
    SMTP_HOST: str | None = None
    SMTP_PORT: int | None = None
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    MAIL_FROM = "meldecentral@localhost"
    SMS_GATEWAY_URL: str | None = None
    SMS_GATEWAY_TOKEN: str | None = None
    SMS_SENDER: str | None = None
    HTTP_TIMEOUT = 5.0
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 - test runs only
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False
    CELERY_BROKER_URL = "memory://"
    OUTBOX_RELAY = "off"


class ProductionConfig(Config):
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SESSION_COOKIE_SECURE = True
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


def load_config(name: str | None = None, env: dict | None = None) -> dict:
    """Return the settings for ``name`` (default: MELDECENTRAL_ENV or development)."""
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
    if env.get("REDIS_URL"):
        settings["REDIS_URL"] = env["REDIS_URL"]
        settings["CELERY_BROKER_URL"] = env["REDIS_URL"]
        settings["CELERY_RESULT_BACKEND"] = env["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    for key in (
        "PUBLIC_BASE_URL",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_STARTTLS",
        "MAIL_FROM",
        "SMS_GATEWAY_URL",
        "SMS_GATEWAY_TOKEN",
        "SMS_SENDER",
        "OUTBOX_RELAY",
    ):
        if env.get(key):
            settings[key] = env[key]
    # Numeric knobs an operator (or a test) may tune from the environment.
    for key in (
        "OUTBOX_SWEEP_AFTER_SECONDS",
        "OUTBOX_SWEEP_EVERY_SECONDS",
        "OUTBOX_REPUBLISH_AFTER_SECONDS",
        "DELIVERY_MAX_ATTEMPTS",
        "DELIVERY_BACKOFF_BASE",
        "DELIVERY_BACKOFF_CAP",
        "DELIVERY_SWEEP_EVERY_SECONDS",
        "DELIVERY_SWEEP_GRACE_SECONDS",
        "ESCALATION_EVERY_SECONDS",
    ):
        if env.get(key):
            settings[key] = type(settings[key])(float(env[key]))
    return settings

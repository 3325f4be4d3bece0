import pytest

from config import ConfigError, load_config


def test_production_refuses_to_start_without_its_environment():
    with pytest.raises(ConfigError) as exc:
        load_config("production", env={"DATABASE_URL": "postgresql://x/y"})
    assert "REDIS_URL" in str(exc.value) and "SECRET_KEY" in str(exc.value)


def test_production_takes_urls_from_the_environment():
    cfg = load_config(
        "production",
        env={
            "DATABASE_URL": "postgres://u@h/db",
            "REDIS_URL": "redis://h:6379/0",
            "SECRET_KEY": "s" * 32,
        },
    )
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert cfg["CELERY_BROKER_URL"] == "redis://h:6379/0"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://h:6379/0"
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["OUTBOX_RELAY"] == "process"  # beat relays, not the web processes


def test_outbox_relay_is_one_of_three_ways():
    env = {"DATABASE_URL": "postgres://u@h/db", "REDIS_URL": "redis://h", "SECRET_KEY": "s" * 32}
    assert load_config("production", env=env | {"OUTBOX_RELAY": "thread"})["OUTBOX_RELAY"] == (
        "thread"
    )
    assert load_config("development", env={})["OUTBOX_RELAY"] == "thread"
    with pytest.raises(ConfigError, match="OUTBOX_RELAY"):
        load_config("production", env=env | {"OUTBOX_RELAY": "threads"})


def test_development_default_needs_no_server():
    cfg = load_config("development", env={})
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    # kombu's SQLAlchemy transport on a SQLite file beside the database (issue 16: the
    # filesystem transport corrupted messages under concurrent use).
    assert cfg["CELERY_BROKER_URL"].startswith("sqla+sqlite:///")
    assert cfg["CELERY_BROKER_URL"].endswith("/instance/broker.sqlite")


def test_embedded_broker_gets_engine_options_only():
    from workers import celery_settings

    cfg = load_config("development", env={})
    options = celery_settings(cfg)["broker_transport_options"]
    # kombu passes them to create_engine, which refuses a visibility_timeout.
    assert options == {"connect_args": {"timeout": 30}}


def test_public_base_url_follows_port():
    assert load_config("development", env={"PORT": "5123"})["PUBLIC_BASE_URL"] == (
        "http://localhost:5123"
    )
    assert load_config("development", env={})["PUBLIC_BASE_URL"] == "http://localhost:5000"
    env = {"PORT": "5123", "PUBLIC_BASE_URL": "https://meld.example.org"}
    assert load_config("development", env=env)["PUBLIC_BASE_URL"] == "https://meld.example.org"


def test_unknown_configuration():
    with pytest.raises(ConfigError):
        load_config("staging", env={})


def test_the_retry_schedule_comes_from_the_environment_as_seconds():
    assert load_config("development", env={})["DELIVERY_RETRY_SCHEDULE"][:3] == (5, 300, 1800)
    env = {"DELIVERY_RETRY_SCHEDULE": "0.5, 2,10"}
    assert load_config("development", env=env)["DELIVERY_RETRY_SCHEDULE"] == (0.5, 2.0, 10.0)
    for bad in ("5,soon", "5,-1"):
        with pytest.raises(ConfigError, match="DELIVERY_RETRY_SCHEDULE"):
            load_config("development", env={"DELIVERY_RETRY_SCHEDULE": bad})

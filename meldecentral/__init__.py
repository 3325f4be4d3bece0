"""Meldecentral: a municipal incident and concern reporting centre."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, make_response, request
from werkzeug.exceptions import HTTPException

from config import INSTANCE, check_settings, load_config


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE), instance_relative_config=False)
    app.config.from_mapping(load_config(config_name, declared=_channel_settings()))
    if overrides:
        app.config.update(overrides)
        check_settings(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE.mkdir(exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret()
    if app.config["ENV_NAME"] == "development":
        _development_vapid(app)
    register_extensions(app)
    register_channels(app)
    register_request_hooks(app)
    register_observability(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    register_workers(app)
    return app


def _development_secret() -> str:
    """A random key kept in instance/ so that development sessions survive a restart."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _development_vapid(app: Flask) -> None:
    """Web Push keys kept in instance/ (vapid.json), so that `make run` has push alerts;
    production sets WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY (`flask push keys`)."""
    from meldecentral import vapid

    if app.config.get("WEBPUSH_VAPID_PUBLIC_KEY") or app.config.get("WEBPUSH_VAPID_PRIVATE_KEY"):
        return  # the operator's own pair
    keys = vapid.development_keys(INSTANCE)
    app.config["WEBPUSH_VAPID_PUBLIC_KEY"] = keys["public"]
    app.config["WEBPUSH_VAPID_PRIVATE_KEY"] = keys["private"]


def register_extensions(app: Flask) -> None:
    from meldecentral import auth, models  # noqa: F401  (registers the tables, user loader)
    from meldecentral.extensions import babel, compress, csrf, db, login_manager, migrate
    from meldecentral.i18n import select_locale

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from meldecentral.db.sqlite import configure_sqlite

        configure_sqlite(app)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from meldecentral.db.postgres import configure_postgres

        configure_postgres()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    babel.init_app(app, locale_selector=select_locale)
    compress.init_app(app)


def _channel_settings() -> list[str]:
    """The settings the notification channels declare, for load_config to take from the
    environment (their defaults are the channels')."""
    import notifications

    return notifications.setting_keys()


def register_channels(app: Flask) -> None:
    """The notification channels, built from the settings each declares, and what the rest of
    the app needs of them in app.extensions (services never import notifications): their
    declarations, read-only, for the admin pages, checks and command line; and the worker
    side's function that sends through them, for services.delivery.send. The in-app channel
    stores through a service, handed over as its setting."""
    from collections import ChainMap

    import notifications
    from meldecentral.services.delivery import channels, push
    from meldecentral.services.delivery.in_app import store_in_app
    from workers.channels import send_message

    handed_over = {
        "IN_APP_STORE": store_in_app,
        "WEBPUSH_SUBSCRIPTIONS": push.subscriptions_for,
        "WEBPUSH_OUTCOME": push.record_outcome,
    }
    notifications.configure(ChainMap(handed_over, app.config))
    app.extensions[channels.DESCRIBED] = notifications.discover()
    app.extensions[channels.SENDER] = send_message


def register_security(app: Flask) -> None:
    from meldecentral.security import register_security as register

    register(app)  # headers, rate limits, bounded <int:> ids (before the blueprints)


def register_request_hooks(app: Flask) -> None:
    from werkzeug.exceptions import NotFound

    from meldecentral.prefix import MunicipalityPrefix
    from meldecentral.services.reference import municipalities

    app.wsgi_app = MunicipalityPrefix(app.wsgi_app, app.config["MUNICIPALITY_PATH_ROOT"])

    @app.before_request
    def _municipality():
        # A path prefix no municipality has is no page. Otherwise the municipality is looked up
        # when first asked for (municipalities.current()): the health checks, the API's
        # document and the assets need no database.
        if request.environ.get(municipalities.PREFIX_KEY) is not None:
            if municipalities.resolve_request() is None:
                raise NotFound()

    @app.before_request
    def _request_id():
        incoming = request.headers.get("X-Request-ID", "")
        ok = 8 <= len(incoming) <= 40 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else secrets.token_hex(8)

    @app.after_request
    def _headers(response):
        # The security headers (nosniff, referrer policy, no-store for the API, ...) are
        # meldecentral.security's.
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response


def register_observability(app: Flask) -> None:
    """JSON logs carrying the request id, and Prometheus metrics at /metrics."""
    from meldecentral.logs import configure_logging
    from meldecentral.metrics import register_metrics
    from meldecentral.services.routing.escalation import overdue_count

    configure_logging(app)
    register_metrics(app, overdue_count)


def register_blueprints(app: Flask) -> None:
    from meldecentral.api import bp as api_bp
    from meldecentral.extensions import csrf
    from meldecentral.health import bp as health_bp

    # The API authenticates with bearer tokens, never cookies, so CSRF does not apply to it.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    # Open311 GeoReport v2: POSTs carry an api_key in the form, never a cookie.
    from meldecentral.open311 import bp as open311_bp

    csrf.exempt(open311_bp)
    app.register_blueprint(open311_bp)
    # HTML pages: public, staff, admin and sign-in (every form carries a CSRF token).
    from meldecentral import auth, web

    auth.register(app)
    web.register(app)
    from meldecentral.web import dev

    dev.register(app)  # development only: the dev inbox (not registered in production)


def register_error_handlers(app: Flask) -> None:
    from flask_limiter.errors import RateLimitExceeded

    from meldecentral.api.errors import error_response, http_error_json
    from meldecentral.open311.errors import http_error as open311_http_error
    from meldecentral.open311.errors import respond as open311_errors
    from meldecentral.pages import http_error_page, server_error_page

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/open311/"):
            response = open311_http_error(exc)
        elif (
            request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
        ):
            response = http_error_json(exc)
        else:
            response = http_error_page(exc)
        if isinstance(exc, RateLimitExceeded):
            # Rate-limit headers are not sent on every response (each costs the limiter
            # another round trip to Redis); a refusal says when to come back: at the latest
            # when the exceeded limit's window ends.
            target = response[0] if isinstance(response, tuple) else response
            target.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        if _database_unavailable(exc):
            return _unavailable(app.config["RETRY_AFTER_UNAVAILABLE_SECONDS"])
        logging.getLogger("meldecentral").exception(
            "unhandled error (request %s)", g.get("request_id")
        )
        from meldecentral.extensions import db

        db.session.rollback()
        if request.path.startswith("/open311/"):
            return open311_errors(
                500, [f"internal_error: unexpected error; quote request id {g.get('request_id')}"]
            )
        if request.path.startswith("/api/"):
            return error_response(
                500, "internal_error", f"unexpected error; quote request id {g.get('request_id')}"
            )
        return server_error_page(g.get("request_id"))


def _database_unavailable(exc: Exception) -> bool:
    """The database cannot be reached or dropped the connection (a restart, a failover): the
    client may try again shortly. Any other database error is a fault."""
    import sqlalchemy.exc as sa_exc

    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    )


def _unavailable(retry_after: int):
    from flask_babel import gettext as _

    from meldecentral.api.errors import error_response
    from meldecentral.extensions import db
    from meldecentral.pages import error_page

    logging.getLogger("meldecentral").warning(
        "database unavailable (request %s); answered 503", g.get("request_id")
    )
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        db.session.invalidate()
    if request.path.startswith("/api/"):
        body, status = error_response(
            503, "unavailable", "the service is briefly unavailable; try again shortly"
        )
    else:
        body, status = error_page(
            503, _("The service is briefly unavailable. Please try again in a moment.")
        )
    response = make_response(body, status)
    response.headers["Retry-After"] = str(retry_after)
    return response


def register_workers(app: Flask) -> None:
    from workers import cli, init_celery
    from workers.relay import install_relay

    init_celery(app)
    install_relay(app)
    cli.register(app)


def register_cli(app: Flask) -> None:
    from meldecentral.cli import register

    register(app)

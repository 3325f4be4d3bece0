"""The HTML pages. Each view loads its input with a form (and the API's schema where there is
one), calls one service, and maps the service's errors to the page: a field's problem next to
the field, a report one may not see as 404."""

from __future__ import annotations

import importlib

from babel import Locale
from flask import Blueprint, Flask
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from meldecentral import clock
from meldecentral.i18n import language_label, language_name, page_languages, text_direction
from meldecentral.pages import install_error_handlers

ROUTE_MODULES = (
    "public",
    "conversation",
    "facts",
    "facts_admin",
    "staff",
    "triage",
    "overview",
    "photos",
    "inbox",
    "views",
    "notices",
    "hotspots",
    "admin",
    "open311_keys",
    "platform",
    "pwa",
)

public_bp = Blueprint("public", __name__)
staff_bp = Blueprint("staff", __name__, url_prefix="/staff")
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def register(app: Flask) -> None:
    from meldecentral.services.reference import municipalities
    from meldecentral.web import alerts, common, formatting, labels

    # The view modules add their routes to the blueprints above when imported.
    for name in ROUTE_MODULES:
        importlib.import_module(f"meldecentral.web.{name}")

    for bp in (public_bp, staff_bp, admin_bp):
        app.register_blueprint(bp)

    # Helpers for templates and the macros they import (which see globals, not the context).
    app.jinja_env.globals.update(
        labels=labels,
        label=labels.label,
        category_label=common.category_label,
        when=formatting.when,
        exact=formatting.exact,
        period_name=formatting.period_name,
        span=formatting.span,
        deadline_text=formatting.deadline_text,
        is_overdue=formatting.is_overdue,
        emergency_notice=emergency_notice,
        channel_label=alerts.channel_label,
        delivery_problem=alerts.delivery_problem,
        language_name=language_name,
        language_label=language_label,
        text_direction_of=direction_of,
        ltr=ltr,
    )

    @app.context_processor
    def _page_globals():
        locale = get_locale()
        return {
            "lang": locale.language if locale else "da",
            "text_dir": text_direction(locale),
            "languages": page_languages(),
            "now": clock.now(),
            "map_tiles": app.config["MAP_TILE_URL"],
            "map_attribution": app.config["MAP_TILE_ATTRIBUTION"],
            # whose reporting centre this is (host name or path prefix), asked by the page
            # when it shows it: an error page does not, so it renders without the database
            "municipality": municipalities.current,
        }


def direction_of(code: str) -> str:
    return text_direction(Locale.parse(code))


def ltr(value: object) -> Markup:
    """A reference, number or address set left to right inside any text, also in a
    right-to-left sentence ("البلاغ MC-ABCD-1234")."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


def emergency_notice() -> list[tuple[str, str]]:
    """The 112/114 notice in Danish first, then in the page's language (English on a Danish
    page), so that it is read whatever language the visitor chose."""
    locale = get_locale()
    current = locale.language if locale else "da"
    out = []
    for code in ("da", current if current != "da" else "en"):
        with force_locale(code):
            out.append(
                (
                    code,
                    _(
                        "Not an emergency service. Danger to life, a crime happening now, fire "
                        "or weapons: call 112. Police, not urgent: call 114."
                    ),
                )
            )
    return out


# Set up once, at import: a blueprint can be registered on many apps (tests make several) but
# not changed after its first registration.
for _bp in (public_bp, staff_bp, admin_bp):
    install_error_handlers(_bp)

"""The interface language: chosen by the person (kept in the session); on a resident's first
visit, the browser's language if it is offered; the municipality's default otherwise.

Texts live in the catalogues under ``meldecentral/translations`` (English msgids, a full Danish
catalogue, and the resident pages' texts in the other configured languages); ``make install``
compiles them. Which languages a page may speak is configuration (``LANGUAGES``,
``STAFF_LANGUAGES``) and, for residents, the municipality's choice
(``services.reference.languages``).
"""

from __future__ import annotations

from babel import Locale
from flask import current_app, request, session
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from meldecentral.services.reference import languages, municipalities

# The blueprints whose pages residents read; every other page (staff, administration, sign-in)
# speaks the staff languages only. Error pages outside any blueprint are the residents'.
RESIDENT_BLUEPRINTS = frozenset({"public", None})
# At the site's root for their scope, but the staff app's (its offline form, its push texts).
STAFF_ENDPOINTS = frozenset({"public.service_worker", "public.manifest"})
_CACHE = "meldecentral.page_languages"


def language_name(code: str) -> str:
    """A language's own name for itself ("العربية", "Türkçe"), as a language menu shows it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_label(code: str) -> str:
    """A language named in the page's language ("arabisk" on a Danish page), as staff read it."""
    locale = get_locale()
    return locale.languages.get(code, code) if locale is not None else code


def page_languages() -> tuple[str, ...]:
    """The languages this request's page may be shown in, looked up once per request (kept in
    the request's environ: ``g`` outlives a request when an app context is already pushed)."""
    known = request.environ.get(_CACHE)
    if known is None:
        if _resident_page():
            try:
                # (no municipality: an unknown path prefix, answered with the site's 404 page)
                served = municipalities.current()
                code = served.code if served else current_app.config["DEFAULT_MUNICIPALITY"]
                known = languages.resident_languages(code)
            except SQLAlchemyError:  # the database is down: its 503 page in any language
                known = tuple(current_app.config["LANGUAGES"])
        else:
            known = languages.staff_languages()
        request.environ[_CACHE] = known
    return known


def _resident_page() -> bool:
    return (
        request.blueprint in RESIDENT_BLUEPRINTS
        and request.endpoint not in STAFF_ENDPOINTS
        and not request.path.startswith("/api/")
    )


def select_locale() -> str:
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not request:
        return default
    chosen = session.get("lang")
    if chosen and chosen in page_languages():
        return chosen
    if _resident_page():
        # A first visit: the browser's language, if the municipality offers it, so that a
        # resident who reads no Danish finds the language menu in words they can read.
        return request.accept_languages.best_match(page_languages()) or default
    return default


def text_direction(locale: Locale | None) -> str:
    """ "rtl" for right-to-left scripts (Arabic, Farsi, Urdu...), else "ltr"."""
    if locale is not None and locale.character_order == "right-to-left":
        return "rtl"
    return "ltr"

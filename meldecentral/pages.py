"""What every HTML blueprint shares, the staff and public pages (web/) and the sign-in pages
(auth/) alike: the site's own error pages, a safe redirect after signing in, and the form that is
only a button with its CSRF token."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from babel import support
from flask import Blueprint, jsonify, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, TooManyRequests
from wtforms.i18n import messages_path

from meldecentral.domain.workflow import TransitionError
from meldecentral.services.errors import Forbidden, NotFound, ServiceError

REQUIRED = _l("Please fill this in.")


_TRANSLATIONS = Path(__file__).parent / "translations"


@functools.cache
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    """WTForms' own messages in ``locale``: from our catalogue of them (``wtforms.po``) for a
    language WTForms does not ship (Danish), falling back on WTForms' own catalogues."""
    theirs = support.Translations.load(messages_path(), [locale], domain="wtforms")
    ours = support.Translations.load(str(_TRANSLATIONS), [locale], domain="wtforms")
    if not isinstance(ours, support.Translations):  # no catalogue of ours for this language
        return theirs
    ours.add_fallback(theirs)
    return ours


class _FormTranslations:
    """What WTForms asks for: its messages (a field too long, not a valid choice) in the page's
    language, rather than always in English."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_FORM_TRANSLATIONS = _FormTranslations()


class PageForm(FlaskForm):
    """The base of every form of the pages."""

    class Meta:
        def get_translations(self, form):
            return _FORM_TRANSLATIONS


class ActionForm(PageForm):
    """A button and its CSRF token."""


def error_page(status: int, message: str):
    if request.path.startswith("/staff/api/"):
        return jsonify({"error": {"code": str(status), "message": message}}), status
    # (without the municipality's name: an error page needs no database, which may be the error)
    return render_template("error.html", status=status, message=message, hide_place=True), status


# Messages of the site's own error pages for HTTP errors outside the blueprints' own handlers
# (an unknown address, a method not allowed, a body too large): never Werkzeug's English page.
_HTTP_MESSAGES = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("Your role does not give access to this page."),
    404: _l("There is nothing here, or it is not yours to see."),
    405: _l("That cannot be done on this page."),
    413: _l("What was sent is too large."),
    429: _l("Too many requests from this connection. Please wait a little and try again."),
}


def http_error_page(exc: HTTPException):
    """The site's page for an HTTP error, in the visitor's language, keeping the headers the
    error carries (Allow on a 405, Retry-After on a 429)."""
    status = exc.code or 500
    message = _HTTP_MESSAGES.get(status, _l("Something went wrong. Go back and try again."))
    body, status = error_page(status, str(message))
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return make_response(body, status, headers)


def server_error_page(request_id: str | None):
    body, status = error_page(
        500,
        _(
            "Something went wrong on our side, and nothing was changed. Please try again; if it "
            "happens again, quote this code to the support: %(code)s",
            code=request_id or "-",
        ),
    )
    return body, status


def install_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(CSRFError)
    def _csrf(exc):
        return error_page(
            400,
            _(
                "The form had expired or did not come from this site. Go back, reload the "
                "page and try again."
            ),
        )

    @bp.errorhandler(404)
    @bp.errorhandler(NotFound)
    def _not_found(exc):
        return error_page(404, _("There is nothing here, or it is not yours to see."))

    @bp.errorhandler(403)
    @bp.errorhandler(Forbidden)
    def _forbidden(exc):
        return error_page(403, _("Your role does not give access to this page."))

    @bp.errorhandler(TransitionError)
    def _transition(exc):
        return error_page(409, _("That step is not possible from the current status."))

    @bp.errorhandler(ServiceError)
    def _service(exc):
        return error_page(exc.status, exc.message)

    @bp.errorhandler(TooManyRequests)
    def _too_many(exc):
        body, status = error_page(
            429, _("Too many requests from this connection. Please wait a little and try again.")
        )
        return body, status, {"Retry-After": str(exc.retry_after or 60)}


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def published_response(etag: str, body, mimetype: str, max_age: int = 300, filename: str = ""):
    """A public figure's answer, cacheable: the figures change at most once per publishing run
    (services/facts/publish.py), whose ETag answers a conditional GET with 304."""
    response = make_response(body)
    response.mimetype = mimetype
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response.make_conditional(request)

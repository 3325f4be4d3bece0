"""What every HTML blueprint shares, the staff and public pages (web/) and the sign-in pages
(auth/) alike: the site's own error pages, a safe redirect after signing in, and the form that is
only a button with its CSRF token."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from meldecentral.domain.workflow import TransitionError
from meldecentral.services.errors import Forbidden, NotFound, ServiceError

REQUIRED = _l("Please fill this in.")


class ActionForm(FlaskForm):
    """A button and its CSRF token."""


def error_page(status: int, message: str):
    if request.path.startswith("/staff/api/"):
        return jsonify({"error": {"code": str(status), "message": message}}), status
    return render_template("error.html", status=status, message=message), status


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

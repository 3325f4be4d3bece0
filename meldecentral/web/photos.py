"""Photos on the staff report page: thumbnails and the full photo for those who may see the
report (each one served is in the access log), and a street worker adding a photo to their own
report afterwards. URLs carry the attachment's or the report's id only."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from meldecentral.domain import roles
from meldecentral.pages import http_error_page
from meldecentral.services.errors import TooLarge, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import attachments
from meldecentral.web import staff_bp as bp
from meldecentral.web import triage
from meldecentral.web.common import actor, roles_required, say
from meldecentral.web.forms import PhotoForm

_MULTIPART_OVERHEAD = 64 * 1024  # the form around the photo: its CSRF token, the part headers
_NAME_SHOWN = 80  # characters of the chosen file's name repeated in an error


@bp.url_value_preprocessor
def _photo_body_limit(endpoint: str | None, values: dict | None) -> None:
    """A photo may be larger than the site's MAX_CONTENT_LENGTH. The limit must be raised
    before CSRFProtect reads the form in the app's before_request: URL value preprocessors run
    before every before_request function."""
    if endpoint == "staff.add_photo":
        limit = current_app.config["UPLOAD_MAX_BYTES"] + _MULTIPART_OVERHEAD
        request.max_content_length = limit


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """A photo over the limit is refused before its form is read (so nothing of the request
    can be used): back to the report page, saying why. Anything else: the site's 413 page."""
    if request.endpoint != "staff.add_photo" or not request.view_args:
        return http_error_page(exc)
    mb = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
    flash(_("The photo was not added: it is too large (at most %(n)d MB).", n=mb), "error")
    report_id = request.view_args["report_id"]
    return redirect(url_for("staff.report", report_id=report_id, _anchor="photos"), 303)


def _serve(attachment_id: int, *, thumbnail: bool):
    attachment, path = attachments.open_photo(actor(), attachment_id, thumbnail=thumbnail)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=False,
        download_name=f"meldecentral-photo-{attachment.id}{path.suffix}",
        conditional=False,
        etag=False,
        max_age=0,
    )
    # (Cache-Control: no-store and nosniff are set for every staff page by meldecentral.security.)
    # Opened on its own, the image runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/photos/<int:attachment_id>/thumbnail")
@roles_required(*triage.STAFF)
def photo_thumbnail(attachment_id: int):
    return _serve(attachment_id, thumbnail=True)


@bp.get("/photos/<int:attachment_id>")
@roles_required(*triage.STAFF)
def photo(attachment_id: int):
    return _serve(attachment_id, thumbnail=False)


def _shown_name(filename: str | None) -> str:
    """The chosen file's own name (never a path the browser sent), shortened, for the error."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if len(name) > _NAME_SHOWN:
        name = name[: _NAME_SHOWN - 1] + "…"
    return name or _("The photo")


@bp.post("/reports/<int:report_id>/photos")
@roles_required(roles.STREET_WORKER)
def add_photo(report_id: int):
    """The reporter adds a photo to their own report (a street worker sees only their own)."""
    who = actor()
    access.get_visible_report(who, report_id)  # someone else's report does not exist for them
    form = PhotoForm(prefix="photo")
    if not form.validate_on_submit():
        return triage.report_page_again(report_id, "photo", form)
    file = form.file.data
    if not file or not file.filename:
        form.file.errors = [_("Choose a photo to add.")]
        return triage.report_page_again(report_id, "photo", form)
    try:
        attachments.store_attachment(who, report_id, file)
    except (ValidationFailed, TooLarge) as exc:
        name = _shown_name(file.filename)
        reasons = exc.fields.get("file") or [exc.message]
        form.file.errors = [
            _("%(file)s was not added: %(reason)s", file=name, reason=say(r)) for r in reasons
        ]
        return triage.report_page_again(report_id, "photo", form)
    flash(_("Photo added."), "ok")
    return redirect(url_for("staff.report", report_id=report_id, _anchor="photos"))

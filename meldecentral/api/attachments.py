"""Photos on a report: upload (multipart, field "file") and download (as an attachment)."""

from __future__ import annotations

from flask import current_app, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from meldecentral.api.auth import require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.errors import ApiError
from meldecentral.api.util import load
from meldecentral.schemas.attachments import AttachmentInSchema, AttachmentOutSchema
from meldecentral.services.reports import attachments

_MULTIPART_OVERHEAD = 64 * 1024
_attachment_in = AttachmentInSchema()


@bp.post("/reports/<int:report_id>/attachments")
def upload_attachment(report_id: int):
    """Add a photo to a report.
    ---
    post:
      summary: Add a photo to a report (staff who may see it)
      description: >-
        JPEG, PNG or WebP, at most UPLOAD_MAX_BYTES (8 MB) and 40 megapixels. The type is read
        from the content; the photo is re-encoded (JPEG, or PNG with transparency) with its
        orientation applied and all metadata (EXIF, GPS, XMP, ICC profile, comments) removed.
      operationId: addAttachment
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {multipart/form-data: {schema: AttachmentInSchema}}
      responses:
        201:
          description: stored
          content: {application/json: {schema: AttachmentOutSchema}}
        401: Unauthorized
        404: NotFound
        413:
          description: file too large (field 'file')
          content: {application/json: {schema: Error}}
        415:
          description: not multipart/form-data
          content: {application/json: {schema: Error}}
        422:
          description: not an accepted image, too many pixels, or no field 'file'
          content: {application/json: {schema: Error}}
    """
    actor = require_staff()
    max_bytes = current_app.config["UPLOAD_MAX_BYTES"]
    # The blueprint's body limit is for JSON; this endpoint takes a photo (plus form overhead).
    request.max_content_length = max_bytes + _MULTIPART_OVERHEAD
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the photo as multipart/form-data",
            {"file": ["multipart/form-data with a field named 'file'"]},
        )
    try:
        files = request.files
    except RequestEntityTooLarge:
        raise ApiError(
            413, "too_large", "the file is too large", {"file": [f"at most {max_bytes} bytes"]}
        ) from None
    file = load(_attachment_in, files, "no file")["file"]
    attachment = attachments.store_attachment(actor, report_id, file)
    location = url_for("api.download_attachment", attachment_id=attachment.id)
    return AttachmentOutSchema().dump(attachment), 201, {"Location": location}


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    """Download a photo, as an attachment; each download is logged.
    ---
    get:
      summary: Download a photo (as an attachment); each download is logged
      operationId: getAttachment
      security: [{bearerAuth: []}]
      responses:
        200:
          description: the re-encoded image
          content:
            image/jpeg: {schema: {type: string, format: binary}}
            image/png: {schema: {type: string, format: binary}}
        401: Unauthorized
        404: NotFound
    """
    actor = require_staff()
    attachment, path = attachments.open_attachment(actor, attachment_id)
    extension = path.suffix
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=f"meldecentral-attachment-{attachment.id}{extension}",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened directly anyway, it runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

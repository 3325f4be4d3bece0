from __future__ import annotations

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields


class AttachmentInSchema(Schema):
    """The multipart form of an upload (its files: other fields are not read)."""

    class Meta:
        unknown = EXCLUDE  # a form with other files besides "file" has always been accepted

    file = fields.Raw(
        required=True,
        # In the words of services.reports.attachments' refusals; schemas do not import
        # services (docs/architecture.md, "Imports flow one way").
        error_messages={"required": "required: a JPEG, PNG or WebP photo"},
        metadata={"type": "string", "format": "binary"},
    )


class AttachmentOutSchema(Schema):
    id = fields.Int()
    content_type = fields.Str(metadata={"description": "image/jpeg or image/png"})
    size = fields.Int(metadata={"description": "bytes, after re-encoding"})
    width = fields.Int()
    height = fields.Int()
    sha256 = fields.Str()
    created_at = fields.AwareDateTime()
    link = fields.Function(
        lambda a: url_for("api.download_attachment", attachment_id=a.id),
        metadata={"description": "download (staff who may see the report)"},
    )

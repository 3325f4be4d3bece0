from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields


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

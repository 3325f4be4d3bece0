"""The body of every error answer under /api/v1 (api/errors.py makes it)."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    fields = fields.Dict(keys=fields.Str(), metadata={"description": "field -> reasons"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)

"""API tokens as the API shows them: never the token itself, which is shown once at creation."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_ID = 2**31 - 1


class TokenOutSchema(Schema):
    id = fields.Int()
    user_id = fields.Int()
    name = fields.Str()
    prefix = fields.Str(metadata={"description": "the token's first characters, to recognise it"})
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "updated at most once a minute"}
    )
    revoked_at = fields.AwareDateTime(allow_none=True)
    state = fields.Str(validate=validate.OneOf(("active", "expired", "revoked")))


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenOutSchema))


class TokenQuerySchema(Schema):
    user_id = fields.Int(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "administrators: a user of their municipality; default you"},
    )

"""A browser's Web Push subscription as PushSubscription.toJSON() gives it."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

_BASE64URL = validate.Regexp(r"^[A-Za-z0-9_-]+=*$", error="not base64url")


class PushKeysSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    p256dh = fields.Str(required=True, validate=[validate.Length(20, 200), _BASE64URL])
    auth = fields.Str(required=True, validate=[validate.Length(8, 100), _BASE64URL])


class PushSubscriptionSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # expirationTime, which push services leave null

    endpoint = fields.Url(required=True, schemes={"https", "http"}, require_tld=False)
    keys = fields.Nested(PushKeysSchema, required=True)


class PushEndpointSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    endpoint = fields.Url(required=True, schemes={"https", "http"}, require_tld=False)

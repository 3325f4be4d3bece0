from __future__ import annotations

from flask import current_app, request
from marshmallow import Schema, ValidationError

from meldecentral.api.errors import ApiError
from meldecentral.inputs import REASON, unstorable_field


def json_body() -> dict:
    """The request's JSON object, or a 415/400 that says what is wrong."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(
            400, "invalid_json", "the body is nested too deep", {"body": ["nested too deep"]}
        ) from None
    if data is None:
        raise ApiError(
            400, "invalid_json", "the body is not valid JSON", {"body": ["not valid JSON"]}
        )
    if not isinstance(data, dict):
        raise ApiError(
            400,
            "invalid_json",
            "the body must be a JSON object",
            {"body": ["must be a JSON object"]},
        )
    field = unstorable_field(data)
    if field:
        raise ApiError(422, "validation_error", "the request has invalid fields", {field: [REASON]})
    return data


def load(schema: Schema, data, message: str, **kwargs) -> dict:
    """``schema.load(data)``, whose invalid fields are answered 422 with ``message`` in place of
    the general "the request has invalid fields" (api.errors)."""
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ApiError(422, "validation_error", message, fields) from None


def headers_for(schema: Schema) -> dict:
    """The request's headers that ``schema`` names (by data_key): a schema given every header
    would refuse those it does not name."""
    names = (field.data_key or name for name, field in schema.load_fields.items())
    return {name: request.headers[name] for name in names if name in request.headers}


def limit_body_size() -> None:
    """JSON requests get a tighter body limit than uploads (Flask 3.1 per-request limit)."""
    request.max_content_length = current_app.config["MAX_JSON_BODY"]

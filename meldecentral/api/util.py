from __future__ import annotations

from flask import current_app, request

from meldecentral.api.errors import ApiError


def json_body() -> dict:
    """The request's JSON object, or a 415/400 that says what is wrong."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    data = request.get_json(silent=True)
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
    return data


def limit_body_size() -> None:
    """JSON requests get a tighter body limit than uploads (Flask 3.1 per-request limit)."""
    request.max_content_length = current_app.config["MAX_JSON_BODY"]

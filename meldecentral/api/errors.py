"""JSON errors for everything under /api/v1: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from meldecentral.api.blueprint import bp
from meldecentral.domain.workflow import TransitionError
from meldecentral.services.errors import ServiceError


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(ValidationError)
def _validation(exc: ValidationError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return error_response(422, "validation_error", "the request has invalid fields", messages)


@bp.errorhandler(ServiceError)
def _service(exc: ServiceError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


_TRANSITION_STATUS = {"unknown_status": 422, "not_allowed": 409, "forbidden": 403}


@bp.errorhandler(TransitionError)
def _transition(exc: TransitionError):
    return error_response(
        _TRANSITION_STATUS[exc.code], exc.code, exc.message, {"status": [exc.message]}
    )


def http_error_json(exc: HTTPException):
    """Registered app-wide for paths under /api/ (see create_app)."""
    code = (exc.name or "error").lower().replace(" ", "_")
    response, status = error_response(exc.code or 500, code, exc.description or exc.name)
    # Keep what the exception says besides its HTML body: Allow on a 405 (RFC 9110).
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status

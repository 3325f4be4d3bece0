"""Every refusal under /open311/ in the spec's error format: a list of (code, description),
XML or JSON as the path asks. A description starts with the field or the reason's code
("service_code: unknown category 'X'", "emergency: ...call 112"), so a client can act on it."""

from __future__ import annotations

from flask import request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from meldecentral.domain.open311 import QueryError
from meldecentral.open311 import render
from meldecentral.open311.blueprint import bp
from meldecentral.schemas.open311 import open311_fields
from meldecentral.services.errors import ServiceError


class Open311Error(Exception):
    def __init__(self, status: int, descriptions: list[str]):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions = status, descriptions


def field_errors(messages: dict) -> list[str]:
    """{"field": ["reason", ...]} as one description per reason: "field: reason"."""
    out = []
    for name, reasons in messages.items():
        if isinstance(reasons, dict):
            out += field_errors({f"{name}.{k}": v for k, v in reasons.items()})
            continue
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            out.append(f"{name}: {reason}")
    return out


def respond(status: int, descriptions: list[str]):
    return render.errors(render.format_of(request.path), status, descriptions)


@bp.errorhandler(Open311Error)
def _open311(exc: Open311Error):
    return respond(exc.status, exc.descriptions)


@bp.errorhandler(ValidationError)
def _validation(exc: ValidationError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"request": exc.messages}
    return respond(400, field_errors(messages))


@bp.errorhandler(QueryError)
def _query(exc: QueryError):
    return respond(400, [f"{exc.field}: {exc.reason}"])


@bp.errorhandler(ServiceError)
def _service(exc: ServiceError):
    if exc.code in ("emergency", "confirm_not_emergency"):
        # The 112 guard: the reason first, so that a client shows it as it stands.
        descriptions = [f"{exc.code}: {exc.message}"]
        descriptions += field_errors(_renamed(exc.fields))
        return respond(exc.status, descriptions)
    # Open311 answers every refused field with 400, where the JSON API says 422.
    status = 400 if exc.code == "validation_error" else exc.status
    if exc.fields:
        return respond(status, field_errors(_renamed(exc.fields)))
    return respond(status, [f"{exc.code}: {exc.message}"])


def _renamed(fields: dict) -> dict:
    return open311_fields(fields)


def http_error(exc: HTTPException):
    """Registered app-wide for paths under /open311/ (see create_app): a 404, 405, 413, 429
    in the spec's format too."""
    response = respond(exc.code or 500, [f"{exc.code}: {exc.description or exc.name}"])
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response

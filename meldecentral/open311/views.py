"""Open311 GeoReport v2: discovery, services, service definitions, requests (POST, GET, by
id), tokens, and the updates feed FixMyStreet reads. Each view loads its parameters with a
schema, calls one service and renders the answer in the format its path names."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from meldecentral.inputs import REASON, unstorable_parameter
from meldecentral.open311 import render
from meldecentral.open311.blueprint import bp
from meldecentral.open311.errors import Open311Error, field_errors
from meldecentral.schemas.open311 import (
    JurisdictionSchema,
    RequestsQuerySchema,
    UpdatesQuerySchema,
    load_request,
    open311_fields,
)
from meldecentral.schemas.reports import ReportInSchema, SubmitHeadersSchema
from meldecentral.security import count_request
from meldecentral.services.open311 import catalogue, clients, intake, updates
from meldecentral.services.open311 import requests as read
from meldecentral.services.reference import municipalities
from meldecentral.services.reports.submit import EMERGENCY_MESSAGE
from meldecentral.services.staff import users

FMT = "<any(xml, json):fmt>"
# When the spec's API last changed here (discovery's changeset).
CHANGESET = "2026-12-07T00:00:00Z"

_report_in = ReportInSchema(staff=False)
_jurisdiction = JurisdictionSchema()
_requests_query = RequestsQuerySchema()
_updates_query = UpdatesQuerySchema()
_submit_headers = SubmitHeadersSchema()

# What the kinds of category are called as a service's group.
GROUPS = {"crime": lambda: _("Crime"), "concern": lambda: _("Concern for a person")}


def default_jurisdiction() -> str:
    """The municipality of a request that names no jurisdiction_id. The one place to change
    when the municipality comes from the request's host or path."""
    return municipalities.current().code


def municipality_id(jurisdiction_id: str | None) -> int:
    code = jurisdiction_id or default_jurisdiction()
    found = users.municipality_id_by_code(code)
    if found is None:
        raise Open311Error(404, ["jurisdiction_id: no such jurisdiction"])
    return found


def _language() -> str:
    """The language of service names: the site's (Open311 has no parameter for it)."""
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.before_request
def _limits():
    request.max_content_length = current_app.config["MAX_JSON_BODY"]
    field = unstorable_parameter(request.args)
    if field is None and request.method == "POST":
        field = unstorable_parameter(request.form)
    if field is not None:
        raise Open311Error(400, [f"{field}: {REASON}"])


def _read_limit() -> None:
    count_request("RATELIMIT_OPEN311_READ", "open311-read")


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    _read_limit()
    url = url_for("open311.discovery", fmt="xml", _external=True).rsplit("/", 1)[0] + "/"
    body = {
        "changeset": CHANGESET,
        "contact": current_app.config["OPEN311_CONTACT"],
        "key_service": current_app.config["OPEN311_KEY_SERVICE"],
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": [render.CONTENT_TYPES[render.XML].split(";")[0], "application/json"],
            }
        ],
    }
    return render.respond(fmt, "discovery", None, body)


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    _read_limit()
    args = _jurisdiction.load(request.args)
    found = catalogue.services(municipality_id(args.get("jurisdiction_id")), _language())
    for service in found:
        service["group"] = GROUPS[service["group"]]() if service["group"] in GROUPS else ""
    return render.respond(fmt, "services", "service", found)


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    _read_limit()
    args = _jurisdiction.load(request.args)
    attributes = catalogue.definition(municipality_id(args.get("jurisdiction_id")), service_code)
    if attributes is None:
        raise Open311Error(404, ["service_code: no such service"])
    body = {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": "" if a.values else _("a short code"),
                "order": order,
                "description": _(a.description),
                **({"values": [{"key": k, "name": _(n)} for k, n in a.values]} if a.values else {}),
            }
            for order, a in enumerate(attributes, start=1)
        ],
    }
    return render.respond(fmt, "service_definition", None, body)


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str):
    # Counted before the key is checked, so that guessing keys is slowed down as well.
    count_request("RATELIMIT_OPEN311_SUBMIT", "open311-submit")
    loaded = load_request(request.form.to_dict())
    caller = clients.caller_for_key(loaded["api_key"])
    if caller is None:
        # Never the key itself: it would land in logs and in the client's error reports.
        raise Open311Error(403, ["api_key: missing, unknown or revoked"])
    municipality = municipality_id(loaded["jurisdiction_id"])
    try:
        data = _report_in.load(loaded["report"])
    except ValidationError as exc:  # the JSON API's rules, said in Open311's names
        messages = exc.messages if isinstance(exc.messages, dict) else {"request": exc.messages}
        raise Open311Error(400, field_errors(open311_fields(messages))) from None
    headers = _submit_headers.load(
        {k: request.headers[k] for k in ("Idempotency-Key",) if k in request.headers}
    )
    submission = intake.submit_request(
        caller, municipality, data, idempotency_key=headers.get("idempotency_key")
    )
    report = submission.report
    body = [
        {
            "service_request_id": report.id,
            "token": report.reference,
            "service_notice": f"{report.reference}. {EMERGENCY_MESSAGE}",
            "account_id": None,
        }
    ]
    response = render.respond(
        fmt, "service_requests", "request", body, 200 if submission.replayed else 201
    )
    if submission.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str):
    _read_limit()
    args = _requests_query.load(request.args)
    query = read.Query(
        service_request_ids=args.get("service_request_id", ()),
        service_codes=args.get("service_code", ()),
        start=args.get("start_date"),
        end=args.get("end_date"),
        status=args.get("status"),
        page=args["page"],
        page_size=args["page_size"],
    )
    found = read.find(municipality_id(args.get("jurisdiction_id")), query, _language())
    return render.respond(fmt, "service_requests", "request", found)


@bp.get(f"/requests/<int:service_request_id>.{FMT}")
def get_request(service_request_id: int, fmt: str):
    _read_limit()
    args = _jurisdiction.load(request.args)
    found = read.by_id(
        municipality_id(args.get("jurisdiction_id")), service_request_id, _language()
    )
    if found is None:
        raise Open311Error(404, ["service_request_id: no such request"])
    return render.respond(fmt, "service_requests", "request", [found])


@bp.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str):
    count_request("RATELIMIT_TRACK", "track")  # a token is a receipt reference
    args = _jurisdiction.load(request.args)
    found = read.by_token(municipality_id(args.get("jurisdiction_id")), token)
    if found is None:
        raise Open311Error(404, ["token: no such token"])
    return render.respond(fmt, "service_requests", "request", [found])


@bp.get(f"/servicerequestupdates.{FMT}")
def request_updates(fmt: str):
    _read_limit()
    args = _updates_query.load(request.args)
    found = updates.updates(
        municipality_id(args.get("jurisdiction_id")), args["start_date"], args["end_date"]
    )
    return render.respond(fmt, "service_requests_updates", "request_update", found)

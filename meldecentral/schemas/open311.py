"""Open311 GeoReport v2's parameters: the form of a POST of a service request, turned into
the JSON API's report body (then checked by its ReportInSchema, so that both doors refuse
the same things), and the query of GET requests / servicerequestupdates."""

from __future__ import annotations

import re
from datetime import UTC

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates

from meldecentral.domain import open311
from meldecentral.schemas.reports import MAX_ID

_ATTRIBUTE = re.compile(r"^attribute\[([a-z_]{1,40})\]$")

# The report body's field names as Open311 calls them, for refusals the client can act on.
OPEN311_NAMES = {
    "category": "service_code",
    "text": "description",
    "lon": "long",
    "address_text": "address_string",
    "location": "lat",
    "contact": "email",
}


def split_attributes(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(the form without its attribute[...] fields, those attributes by code)."""
    plain, attributes = {}, {}
    for name, value in form.items():
        found = _ATTRIBUTE.match(name)
        if found:
            attributes[found.group(1)] = value
        elif not name.startswith("attribute"):
            plain[name] = value
        else:
            attributes[name] = value  # refused below: not attribute[code]
    return plain, attributes


class AttributesSchema(Schema):
    """The answers to the service definition's questions (domain/open311.ATTRIBUTES)."""

    happening_now = fields.Bool()
    child_in_danger = fields.Bool()
    minor_involved = fields.Bool()
    person_named = fields.Bool()
    housing_estate = fields.Bool()
    confirm_not_emergency = fields.Bool()
    interpreter_language = fields.Str()
    language = fields.Str()


class RequestInSchema(Schema):
    """POST requests (application/x-www-form-urlencoded). Unknown fields are left out: the
    spec lets clients send more (device_id, account_id, address_id, media_url), which we do
    not keep."""

    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.Str(validate=validate.Length(max=20))
    api_key = fields.Str(load_default=None)
    service_code = fields.Str(required=True, validate=validate.Length(min=1, max=20))
    description = fields.Str(required=True)
    lat = fields.Float(load_default=None)
    long = fields.Float(load_default=None)
    address_string = fields.Str(load_default=None)
    email = fields.Str(load_default=None)
    first_name = fields.Str(load_default=None, validate=validate.Length(max=100))
    last_name = fields.Str(load_default=None, validate=validate.Length(max=100))
    phone = fields.Str(load_default=None)

    @post_load
    def _report(self, data: dict, **_kw) -> dict:
        """The JSON API's report body (and the jurisdiction and key apart)."""
        body = {
            "category": data["service_code"],
            "text": data["description"],
            "lat": data["lat"],
            "lon": data["long"],
        }
        if data["address_string"]:
            body["address_text"] = data["address_string"]
        name = " ".join(p for p in (data["first_name"], data["last_name"]) if p) or None
        contact = {"name": name, "email": data["email"], "phone": data["phone"]}
        if any(contact.values()):
            body["contact"] = {k: v for k, v in contact.items() if v}
        return {
            "jurisdiction_id": data.get("jurisdiction_id"),
            "api_key": data["api_key"],
            "report": body,
        }


def load_request(form: dict[str, str]) -> dict:
    """The POST's form as {jurisdiction_id, api_key, report}; ValidationError keyed by the
    Open311 names."""
    plain, attributes = split_attributes(form)
    errors: dict = {}
    try:
        loaded = RequestInSchema().load(plain)
    except ValidationError as exc:
        errors.update(exc.messages)
        loaded = None
    unknown = sorted(set(attributes) - open311.ATTRIBUTE_CODES)
    for code in unknown:
        errors[f"attribute[{code}]"] = ["unknown attribute; see the service definition"]
    try:
        answers = AttributesSchema().load(
            {k: v for k, v in attributes.items() if k in open311.ATTRIBUTE_CODES}
        )
    except ValidationError as exc:
        errors.update({f"attribute[{k}]": v for k, v in exc.messages.items()})
        answers = {}
    if errors:
        raise ValidationError(errors)
    loaded["report"].update(answers)
    return loaded


def open311_fields(messages: dict) -> dict:
    """The JSON API schema's refusals, keyed by the Open311 names (attributes as
    attribute[code])."""
    out: dict = {}
    for name, reasons in messages.items():
        if name in open311.ATTRIBUTE_CODES:
            key = f"attribute[{name}]"
        else:
            key = OPEN311_NAMES.get(name, name)
        if isinstance(reasons, dict):  # nested (contact): flatten to its own names
            for inner, inner_reasons in reasons.items():
                out[{"name": "first_name"}.get(inner, inner)] = inner_reasons
            continue
        out.setdefault(key, []).extend(reasons if isinstance(reasons, list) else [reasons])
    return out


class CommaIds(fields.Field):
    """``1,2,3`` as a tuple of ids."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            ids = tuple(int(part) for part in open311.comma_list(value))
        except ValueError:
            raise ValidationError("comma-separated request ids") from None
        if any(not 1 <= i <= MAX_ID for i in ids):
            raise ValidationError("comma-separated request ids")
        return ids


class CommaCodes(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        codes = tuple(open311.comma_list(value))
        if any(len(c) > 20 for c in codes):
            raise ValidationError("comma-separated service codes")
        return codes


class RequestsQuerySchema(Schema):
    """GET requests: the spec's filters, and page/page_size (as several Open311 servers
    offer) for more than one page. An api_key may come along; reads need none."""

    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.Str(validate=validate.Length(max=20))
    service_request_id = CommaIds()
    service_code = CommaCodes()
    start_date = fields.AwareDateTime(default_timezone=UTC)
    end_date = fields.AwareDateTime(default_timezone=UTC)
    status = fields.Str(validate=validate.Length(max=40))
    page = fields.Int(validate=validate.Range(1, 10_000), load_default=1)
    page_size = fields.Int(load_default=None)

    @validates("status")
    def _status(self, value, **_kw):
        try:
            open311.statuses(value)
        except open311.QueryError as exc:
            raise ValidationError(exc.reason) from None


class UpdatesQuerySchema(Schema):
    """GET servicerequestupdates, as FixMyStreet's client asks it."""

    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.Str(validate=validate.Length(max=20))
    start_date = fields.AwareDateTime(default_timezone=UTC, load_default=None)
    end_date = fields.AwareDateTime(default_timezone=UTC, load_default=None)


class JurisdictionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.Str(validate=validate.Length(max=20))

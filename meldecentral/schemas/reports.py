from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from meldecentral.domain import stemming
from meldecentral.schemas.attachments import AttachmentOutSchema
from meldecentral.schemas.conversation import (
    FeedbackOutSchema,
    PublicMessageSchema,
    ReporterMessageOutSchema,
    ReporterSideSchema,
)
from meldecentral.schemas.delivery import RoutingDecisionOutSchema

URGENCIES = ("low", "normal", "high")
# The kinds the API's contract names (an enum in the published document may only grow); which
# of them a municipality uses is its categories' data, checked by services.reports.submit.
# "need" ("what is needed here") is filed by staff only.
KINDS = ("crime", "concern", "need")
TEXT_MAX = 5000
MAX_ID = 2**31 - 1  # ids fit PostgreSQL's integer
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


SEARCH_MAX = 200


def _searchable(value: str) -> None:
    if not stemming.query_stems(value):
        raise ValidationError("give at least one word to search for (not only common words)")


def search_field() -> fields.Str:
    """``q``: full-text search, the same rule wherever a list takes it."""
    return fields.Str(
        validate=[validate.Length(min=1, max=SEARCH_MAX), _searchable],
        metadata={
            "description": "full-text search (Danish stems) in the report's text, its place and "
            "the notes you may read; every word must match; results best match first, then "
            "newest, each with a 'snippet'"
        },
    )


SNIPPET_DESCRIPTION = (
    "only with q: a short extract of what matched, HTML-escaped text with <mark>...</mark> "
    "around the matched words"
)


def _language(value: str) -> None:
    if not _LANG.match(value):
        raise ValidationError("a language code such as 'da', 'en' or 'ar'")


class ContactSchema(Schema):
    name = fields.Str(validate=validate.Length(max=200), load_default=None)
    email = fields.Email(validate=validate.Length(max=200), load_default=None)
    phone = fields.Str(validate=validate.Regexp(_PHONE, error="a phone number"), load_default=None)
    wants_updates = fields.Bool(load_default=True)


class ReportInSchema(Schema):
    """A new report. ``staff``: who submits it, where the caller is known (the API): True for
    staff, False for a resident; each is refused the fields that are not theirs to set. None
    (the web forms, which build the body themselves) leaves that unchecked."""

    def __init__(self, *, staff: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.staff = staff

    category = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "category code, see /api/v1/categories"},
    )
    kind = fields.Str(
        validate=validate.OneOf(KINDS), metadata={"description": "defaults to the category's kind"}
    )
    text = fields.Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    occurred_at = fields.AwareDateTime(default_timezone=UTC, load_default=None)
    lat = fields.Float(validate=validate.Range(-90, 90), load_default=None)
    lon = fields.Float(validate=validate.Range(-180, 180), load_default=None)
    district = fields.Int(
        validate=validate.Range(1, 999),
        load_default=None,
        metadata={"description": "district number, when there is no point"},
    )
    address_text = fields.Str(validate=validate.Length(max=300), load_default=None)
    minor_involved = fields.Bool(load_default=False)
    person_named = fields.Bool(load_default=False)
    housing_estate = fields.Bool(load_default=False)
    interpreter_language = fields.Str(validate=_language, load_default=None)
    urgency = fields.Str(
        validate=validate.OneOf(URGENCIES),
        metadata={"description": "staff only; residents get the category's"},
    )
    language = fields.Str(validate=_language, load_default=None)
    happening_now = fields.Bool(load_default=False)
    child_in_danger = fields.Bool(load_default=False)
    confirm_not_emergency = fields.Bool(
        load_default=False,
        metadata={
            "description": "true when the text names violence, weapons or fire and nobody is "
            "in danger right now (asked with 422 code 'confirm_not_emergency')"
        },
    )
    contact = fields.Nested(
        ContactSchema, load_default=None, metadata={"description": "residents only, optional"}
    )

    @validates("occurred_at")
    def _not_future(self, value, **_kw):
        if value is not None and value > datetime.now(UTC) + timedelta(minutes=5):
            raise ValidationError("cannot be in the future")

    @validates_schema
    def _place_and_caller(self, data, **_kw):
        # One validator, so that a report without a place is answered about the place alone,
        # as before the caller's fields were checked here.
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError("give both lat and lon, or neither", "location")
        if lat is None and data.get("district") is None:
            raise ValidationError("give a point (lat, lon) or a district", "location")
        refused = {}
        if self.staff is False and "urgency" in data:
            refused["urgency"] = ["set by the centre; residents cannot set it"]
        if self.staff and data.get("contact"):
            refused["contact"] = ["staff reports carry no resident contact"]
        if refused:
            raise ValidationError(refused)


class CategoryOutSchema(Schema):
    code = fields.Str()
    label_da = fields.Str()
    label_en = fields.Str()
    kind = fields.Str()
    default_urgency = fields.Str()


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategoryOutSchema))


class AssignmentOutSchema(Schema):
    id = fields.Int()
    unit = fields.Function(lambda a: a.unit.code)
    status = fields.Str()
    outcome = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    ack_deadline = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    contact_shared = fields.Bool(
        metadata={"description": "the unit may read the reporter's contact details"}
    )


class NoteOutSchema(Schema):
    id = fields.Int()
    visibility = fields.Str()
    shared_with = fields.Str(
        allow_none=True,
        metadata={"description": "an internal note's readers: own_unit or all_units"},
    )
    body = fields.Str()
    author = fields.Function(lambda n: n.author.name if n.author else None)
    created_at = fields.AwareDateTime()


class EventOutSchema(Schema):
    id = fields.Int()
    action = fields.Str()
    actor_role = fields.Str()
    assignment_id = fields.Int(allow_none=True)
    from_status = fields.Str(allow_none=True)
    to_status = fields.Str(allow_none=True)
    data = fields.Dict()
    created_at = fields.AwareDateTime()


class ContactOutSchema(Schema):
    name = fields.Str(allow_none=True)
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    wants_updates = fields.Bool()


class ReportSummarySchema(Schema):
    id = fields.Int()
    reference = fields.Str()
    kind = fields.Str()
    category = fields.Function(lambda r: r.category.code)
    district = fields.Function(lambda r: r.district.number if r.district else None)
    urgency = fields.Str()
    status = fields.Str()
    source = fields.Str()
    minor_involved = fields.Bool()
    housing_estate = fields.Bool()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ReportOutSchema(ReportSummarySchema):
    text = fields.Str()
    occurred_at = fields.AwareDateTime(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address_text = fields.Str(allow_none=True)
    person_named = fields.Bool()
    interpreter_language = fields.Str(allow_none=True)
    language = fields.Str(allow_none=True)
    duplicate_of = fields.Function(lambda r: r.duplicate_of_id, allow_none=True)
    assignments = fields.List(fields.Nested(AssignmentOutSchema))
    notes = fields.List(fields.Nested(NoteOutSchema))
    history = fields.List(fields.Nested(EventOutSchema))
    contact = fields.Nested(
        ContactOutSchema, allow_none=True, metadata={"description": "only for those who must reply"}
    )
    attachments = fields.List(fields.Nested(AttachmentOutSchema))
    routing = fields.List(
        fields.Nested(RoutingDecisionOutSchema),
        metadata={"description": "why the report went where it went"},
    )
    conversation = fields.List(
        fields.Nested(ReporterMessageOutSchema),
        metadata={"description": "questions to the reporter and what the reporter wrote"},
    )
    feedback = fields.Nested(
        FeedbackOutSchema, allow_none=True, metadata={"description": "the reporter's satisfaction"}
    )


class SubmitHeadersSchema(Schema):
    """The headers of a submission that the API reads (given only those: see api.util)."""

    idempotency_key = fields.Str(
        data_key="Idempotency-Key",
        validate=validate.Length(min=8, max=100, error="between 8 and 100 characters"),
    )


class SubmittedSchema(Schema):
    id = fields.Int()
    reference = fields.Str()
    status = fields.Str()
    created_at = fields.AwareDateTime()
    links = fields.Dict()


class PublicUpdateSchema(Schema):
    body = fields.Str()
    created_at = fields.AwareDateTime()


class TrackSchema(Schema):
    reference = fields.Str()
    status = fields.Str()
    category = fields.Str()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    updates = fields.List(fields.Nested(PublicUpdateSchema))
    outcomes = fields.List(
        fields.Str(), metadata={"description": "every outcome given, a reopened one's too"}
    )
    language = fields.Str(allow_none=True, metadata={"description": "the reporter's language"})
    messages = fields.List(
        fields.Nested(PublicMessageSchema),
        metadata={"description": "questions to the reporter and what they wrote"},
    )
    reporter = fields.Nested(ReporterSideSchema)


class ReportListItemSchema(ReportSummarySchema):
    snippet = fields.Str(metadata={"description": SNIPPET_DESCRIPTION})


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportListItemSchema))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int()
    total_capped = fields.Bool(metadata={"description": "true: there are more than total"})


class ReportFilterSchema(Schema):
    """The report list's filters, shared by the list and its export."""

    status = fields.List(
        fields.Str(
            validate=validate.OneOf(
                ("received", "triaged", "routed", "in_progress", "resolved", "rejected", "merged")
            )
        )
    )
    category = fields.Str()
    district = fields.Int(validate=validate.Range(1, 999))
    unit = fields.Str()
    urgency = fields.Str(validate=validate.OneOf(URGENCIES))
    created_from = fields.AwareDateTime(default_timezone=UTC)
    created_to = fields.AwareDateTime(default_timezone=UTC)


class ReportListQuerySchema(ReportFilterSchema):
    q = search_field()
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


class ReportExportQuerySchema(ReportFilterSchema):
    limit = fields.Int(
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "at most this many rows; never more than the server's cap"},
    )
    lang = fields.Str(
        validate=validate.OneOf(("da", "en")),
        metadata={"description": "language of the column headers; default the site's"},
    )


class TransitionInSchema(Schema):
    status = fields.Str(required=True)
    outcome = fields.Str(validate=validate.Length(max=TEXT_MAX), load_default=None)


class NoteInSchema(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    visibility = fields.Str(required=True, validate=validate.OneOf(("internal", "public")))
    shared_with = fields.Str(
        validate=validate.OneOf(("own_unit", "all_units")),
        load_default="own_unit",
        metadata={
            "description": "an internal note's readers besides the coordinators and the author: "
            "the author's unit (own_unit, the default) or every unit on the report (all_units)"
        },
    )


class ReportTransitionInSchema(Schema):
    status = fields.Str(required=True)
    reason = fields.Str(validate=validate.Length(max=500), load_default=None)
    duplicate_of = fields.Int(load_default=None, validate=validate.Range(1, MAX_ID))


class RouteInSchema(Schema):
    units = fields.List(
        fields.Str(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    reason = fields.Str(
        validate=validate.Length(min=1, max=500), load_default="routed by hand by a coordinator"
    )
    contact_units = fields.List(
        fields.Str(validate=validate.Length(min=1, max=20)),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "of the units, those given the reporter's contact details"},
    )


class ContactShareInSchema(Schema):
    shared = fields.Bool(
        required=True, metadata={"description": "the unit may read the reporter's contact"}
    )


class ReportChangeInSchema(Schema):
    category = fields.Str(validate=validate.Length(min=1, max=20))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    district = fields.Int(validate=validate.Range(1, 999))

    @validates_schema
    def _something(self, data, **_kw):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("give both lat and lon, or neither", "location")
        if not data:
            raise ValidationError("change the category, the point or the district", "_schema")


class BulkInSchema(Schema):
    """One action on several reports (services.worklists.bulk)."""

    action = fields.Str(
        required=True,
        validate=validate.OneOf(("route", "category", "reject", "merge")),
        metadata={"description": "route, category (change it), reject, merge (into one)"},
    )
    reports = fields.List(
        fields.Int(validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the reports' ids"},
    )
    units = fields.List(
        fields.Str(validate=validate.Length(min=1, max=20)),
        validate=validate.Length(min=1, max=10),
        metadata={"description": "route: the units"},
    )
    contact_units = fields.List(
        fields.Str(validate=validate.Length(min=1, max=20)),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"description": "route: of the units, those given the reporter's contact"},
    )
    category = fields.Str(
        validate=validate.Length(min=1, max=20), metadata={"description": "category: the new one"}
    )
    reason = fields.Str(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "reject: the reason, the same for every report"},
    )
    into = fields.Int(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "merge: the id of the report the others are merged into"},
    )


class BulkResultSchema(Schema):
    id = fields.Int()
    reference = fields.Str(allow_none=True)
    ok = fields.Bool()
    code = fields.Str(allow_none=True, metadata={"description": "why not, when not ok"})
    message = fields.Str(allow_none=True)


class BulkOutSchema(Schema):
    done = fields.Int()
    refused = fields.Int()
    results = fields.List(fields.Nested(BulkResultSchema))

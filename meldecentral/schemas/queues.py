"""The work lists' and statistics' contract: query parameters and responses."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from meldecentral import clock
from meldecentral.domain import workflow
from meldecentral.schemas.reports import SNIPPET_DESCRIPTION, ReportSummarySchema, search_field


class TriageQuerySchema(Schema):
    district = fields.Int(validate=validate.Range(1, 999))
    category = fields.Str(validate=validate.Length(min=1, max=20))
    status = fields.Str(
        validate=validate.OneOf(workflow.OPEN_REPORT_STATUSES),
        metadata={"description": "one open status; default: every open status"},
    )
    unit = fields.Str(validate=validate.Length(min=1, max=20))
    overdue = fields.Bool(load_default=False, metadata={"description": "a deadline has passed"})
    unrouted = fields.Bool(load_default=False, metadata={"description": "no unit assigned"})
    q = search_field()
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=10000))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


class InboxQuerySchema(Schema):
    include_closed = fields.Bool(load_default=False)
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=100000))


class StatsQuerySchema(Schema):
    days = fields.Int(
        required=True,
        validate=validate.OneOf((30, 365)),
        metadata={"description": "the last 30 or 365 days, today included"},
    )


def _overdue(deadline) -> bool:
    return deadline is not None and deadline <= clock.now()


class TriageItemSchema(ReportSummarySchema):
    """A report in the triage queue (dumped from the Report itself)."""

    next_deadline = fields.AwareDateTime(
        allow_none=True, metadata={"description": "earliest unacknowledged deadline"}
    )
    overdue = fields.Function(lambda r: _overdue(r.next_deadline), metadata={"type": "boolean"})
    units = fields.Function(
        lambda r: [a.unit.code for a in r.assignments],
        metadata={"type": "array", "items": {"type": "string"}, "description": "assigned units"},
    )
    snippet = fields.Str(metadata={"description": SNIPPET_DESCRIPTION})


class AppliedViewSchema(Schema):
    id = fields.Int()
    name = fields.Str()


_APPLIED = {"description": "with view=...: the saved view applied, or null if none"}


class TriagePageSchema(Schema):
    items = fields.List(fields.Nested(TriageItemSchema))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int(metadata={"description": "counted up to a cap, see total_capped"})
    total_capped = fields.Bool(metadata={"description": "true: there are more than total"})
    view = fields.Nested(AppliedViewSchema, allow_none=True, metadata=_APPLIED)


class InboxItemSchema(Schema):
    """An assignment in a unit's inbox (dumped from the Assignment itself)."""

    assignment_id = fields.Int(attribute="id")
    status = fields.Str()
    ack_deadline = fields.AwareDateTime(allow_none=True)
    overdue = fields.Function(
        lambda a: a.status == workflow.ROUTED and _overdue(a.ack_deadline),
        metadata={"type": "boolean"},
    )
    escalation_level = fields.Int()
    assigned_at = fields.AwareDateTime(attribute="created_at")
    reporter_answered = fields.Function(
        lambda a: a.reporter_replied_at is not None,
        metadata={
            "type": "boolean",
            "description": "the reporter answered, added information or asked to reopen since "
            "the unit last asked or moved the assignment",
        },
    )
    report = fields.Nested(ReportSummarySchema)


class InboxSchema(Schema):
    unit = fields.Str()
    items = fields.List(fields.Nested(InboxItemSchema))
    limit = fields.Int()
    offset = fields.Int()
    view = fields.Nested(AppliedViewSchema, allow_none=True, metadata=_APPLIED)


class DistrictCountsSchema(Schema):
    number = fields.Int(allow_none=True)
    name = fields.Str()
    total = fields.Int(allow_none=True)
    categories = fields.Dict(keys=fields.Str(), values=fields.Int(allow_none=True))


class DistrictStatsSchema(Schema):
    days = fields.Int()
    first_day = fields.Date()
    last_day = fields.Date()
    districts = fields.List(fields.Nested(DistrictCountsSchema))

"""The coordinators' dashboard's contract (GET /api/v1/dashboard); docs/dashboard.md defines
each figure."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from meldecentral.services.worklists.dashboard import PERIODS


class DashboardQuerySchema(Schema):
    days = fields.Int(
        load_default=30,
        validate=validate.OneOf(PERIODS),
        metadata={"description": "the window: the last 30 or 90 local days, today included"},
    )


class CountSchema(Schema):
    key = fields.Raw(
        allow_none=True,
        metadata={"description": "a day (YYYY-MM-DD), a category code or a district number"},
    )
    name = fields.Str()
    count = fields.Int()


class UnitLoadSchema(Schema):
    code = fields.Str()
    name = fields.Str()
    open = fields.Int(metadata={"description": "assignments routed, acknowledged or in progress"})
    overdue = fields.Int(
        metadata={"description": "routed, not acknowledged, past the acknowledgement deadline"}
    )
    dead_letters = fields.Int(metadata={"description": "notifications to the unit not delivered"})


class DurationsSchema(Schema):
    unit = fields.Str()
    urgency = fields.Str()
    assigned = fields.Int(metadata={"description": "assignments created in the window"})
    acknowledged = fields.Int()
    ack_median_h = fields.Float(allow_none=True, metadata={"description": "hours"})
    ack_p90_h = fields.Float(allow_none=True, metadata={"description": "hours"})
    closed = fields.Int()
    close_median_h = fields.Float(allow_none=True, metadata={"description": "hours"})
    close_p90_h = fields.Float(allow_none=True, metadata={"description": "hours"})


class RedirectCellSchema(Schema):
    category = fields.Str()
    district = fields.Int(allow_none=True)
    count = fields.Int()


class DashboardSchema(Schema):
    days = fields.Int()
    first_day = fields.Date()
    last_day = fields.Date()
    as_of = fields.AwareDateTime(metadata={"description": "when the figures were read"})
    received = fields.Int(metadata={"description": "reports received in the window"})
    per_day = fields.List(fields.Nested(CountSchema))
    per_category = fields.List(fields.Nested(CountSchema))
    per_district = fields.List(fields.Nested(CountSchema))
    open_reports = fields.Int(metadata={"description": "reports open now"})
    units = fields.List(fields.Nested(UnitLoadSchema))
    times = fields.List(fields.Nested(DurationsSchema))
    times_as_of = fields.AwareDateTime(
        metadata={"description": "when the times were computed (the workers refresh them)"}
    )
    dead_letters = fields.Int(metadata={"description": "notifications not delivered, now"})
    redirects = fields.Int(metadata={"description": "submissions sent to 112 in the window"})
    redirects_by_category = fields.List(fields.Nested(CountSchema))
    redirects_by_district = fields.List(fields.Nested(CountSchema))
    redirect_cells = fields.List(fields.Nested(RedirectCellSchema))

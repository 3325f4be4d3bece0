from marshmallow import Schema, fields, validate


class AttemptOutSchema(Schema):
    started_at = fields.AwareDateTime()
    duration_ms = fields.Int()
    ok = fields.Bool()
    receipt = fields.Str(allow_none=True)
    error = fields.Str(allow_none=True)


class DeliveryOutSchema(Schema):
    id = fields.Int()
    report_id = fields.Int(allow_none=True)
    assignment_id = fields.Int(allow_none=True)
    unit = fields.Function(lambda d: d.unit.code if d.unit else None, allow_none=True)
    audience = fields.Str()
    channel = fields.Str()
    status = fields.Str()
    attempts = fields.Int()
    last_error = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    dead_at = fields.AwareDateTime(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOutSchema))


class RoutingDecisionOutSchema(Schema):
    trigger = fields.Str()
    units = fields.List(fields.Str())
    added_units = fields.List(fields.Str())
    unrouted = fields.Bool()
    explanation = fields.Str()
    created_at = fields.AwareDateTime()


class DeadLettersQuerySchema(Schema):
    limit = fields.Int(load_default=200, validate=validate.Range(min=1, max=500))


class AccessLogQuerySchema(Schema):
    reference = fields.Str(validate=validate.Length(max=20))
    user = fields.Str(validate=validate.Length(max=200))
    limit = fields.Int(load_default=200, validate=validate.Range(min=1, max=1000))


class AccessLogOutSchema(Schema):
    id = fields.Int()
    report_id = fields.Int(allow_none=True)
    report_reference = fields.Str(allow_none=True)
    user_id = fields.Int(allow_none=True)
    role = fields.Str()
    action = fields.Str()
    channel = fields.Str()
    request_id = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    row_count = fields.Int(
        allow_none=True, metadata={"description": "an export: the rows the file carried"}
    )
    filters = fields.Dict(
        allow_none=True,
        metadata={"description": "an export: the list, format and filter (codes only)"},
    )


class AccessLogListSchema(Schema):
    items = fields.List(fields.Nested(AccessLogOutSchema))


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliveryOutSchema))


class BacklogSchema(Schema):
    """What has not gone out yet (``services.delivery.send.backlog``)."""

    stalled_events = fields.Int(
        attribute="lag.stalled",
        metadata={
            "description": "outbox events (a report's routing, a status change) no worker has "
            "handled within stalled_after_seconds of their commit, in the whole installation: "
            "the broker or the workers are away or far behind"
        },
    )
    oldest_stalled_at = fields.AwareDateTime(
        attribute="lag.oldest", allow_none=True, metadata={"description": "the oldest's commit"}
    )
    stalled_after_seconds = fields.TimeDelta(attribute="lag.stalled_after")
    retrying = fields.List(
        fields.Nested(DeliveryOutSchema),
        metadata={
            "description": "this municipality's notifications that failed at least once and "
            "are still being tried, oldest first"
        },
    )

"""The OpenAPI 3 document, built from the marshmallow schemas with apispec."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from meldecentral.schemas import reports as s
from meldecentral.schemas.attachments import AttachmentOutSchema
from meldecentral.schemas.delivery import (
    AccessLogListSchema,
    AccessLogQuerySchema,
    DeliveryOutSchema,
)
from meldecentral.schemas.routing import RuleListSchema


class ErrorBodySchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    fields = fields.Dict(keys=fields.Str(), metadata={"description": "field -> reasons"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(s.ReportSummarySchema))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int()
    total_capped = fields.Bool(metadata={"description": "true: there are more than total"})


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliveryOutSchema))


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(s.CategoryOutSchema))


NOT_EMERGENCY = (
    "Not an emergency service: if someone is in danger or a crime is happening now, "
    "call 112; for the police when it is not urgent, call 114."
)


def _err(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


def _json(schema, description="OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _limited(description: str) -> dict:
    return {
        **_err(description),
        "headers": {
            "Retry-After": {
                "description": "seconds until the limit resets",
                "schema": {"type": "integer"},
            }
        },
    }


STAFF = [{"bearerAuth": []}]
# Ids are positive and fit PostgreSQL's integer; a larger one is simply not found.
ID_PARAM = {
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}


def build_spec() -> dict:
    spec = APISpec(
        title="Meldecentral API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Municipal incident and concern reports. " + NOT_EMERGENCY},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for name, schema in {
        "Error": ErrorSchema,
        "Attachment": AttachmentOutSchema,  # before Report, which nests it
        "ReportIn": s.ReportInSchema,
        "Submitted": s.SubmittedSchema,
        "Track": s.TrackSchema,
        "Report": s.ReportOutSchema,
        "ReportPage": ReportPageSchema,
        "TransitionIn": s.TransitionInSchema,
        "Assignment": s.AssignmentOutSchema,
        "NoteIn": s.NoteInSchema,
        "Note": s.NoteOutSchema,
        "CategoryList": CategoryListSchema,
        "ReportTransitionIn": s.ReportTransitionInSchema,
        "RouteIn": s.RouteInSchema,
    }.items():
        spec.components.schema(name, schema=schema)

    common = {
        "401": _err("invalid or missing staff token"),
        "404": _err("not found, or not yours to see"),
        "415": _err("body is not JSON"),
        "422": _err("invalid fields"),
    }
    spec.path(
        path="/reports",
        operations={
            "post": {
                "summary": "Submit a report (anonymous resident, or staff with a token)",
                "description": NOT_EMERGENCY
                + " A report that says it is happening now and involves violence, weapons, "
                "fire or a child in danger is answered 422 with code 'emergency'.",
                "operationId": "submitReport",
                "parameters": [
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {"type": "string", "minLength": 8, "maxLength": 100},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "ReportIn"}},
                },
                "responses": {
                    "201": _json("Submitted", "created"),
                    "200": _json("Submitted", "replay of an earlier submission"),
                    "400": _err("malformed JSON"),
                    "401": common["401"],
                    "409": _err("Idempotency-Key reused with another body"),
                    "413": _err("body too large"),
                    "415": common["415"],
                    "422": _err("invalid fields, or an emergency (code 'emergency')"),
                    "429": _limited("too many submissions from this address; try later"),
                },
            },
            "get": {
                "summary": "List the reports you may see",
                "operationId": "listReports",
                "security": STAFF,
                "parameters": [{"in": "query", "schema": s.ReportListQuerySchema}],
                "responses": {
                    "200": _json("ReportPage"),
                    "401": common["401"],
                    "422": common["422"],
                },
            },
        },
    )
    spec.path(
        path="/reports/{report_id}",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "get": {
                "summary": "One report with its assignments, notes and history",
                "operationId": "getReport",
                "security": STAFF,
                "responses": {"200": _json("Report"), "401": common["401"], "404": common["404"]},
            }
        },
    )
    spec.path(
        path="/reports/{report_id}/transitions",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "Coordinators: triage, reject or merge a report",
                "operationId": "transitionReport",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "ReportTransitionIn"}},
                },
                "responses": {
                    "200": _json("Report"),
                    "400": _err("malformed JSON"),
                    "403": _err("your role may not"),
                    "409": _err("not allowed from the current status"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/reports/{report_id}/assignments",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "Coordinators: route a report by hand",
                "operationId": "routeReport",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "RouteIn"}},
                },
                "responses": {
                    "201": _json("Report", "routed"),
                    "400": _err("malformed JSON"),
                    "403": _err("your role may not"),
                    "409": _err("not allowed from the current status"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/reports/{report_id}/notes",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "Add an internal note or a public update",
                "operationId": "addNote",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "NoteIn"}},
                },
                "responses": {
                    "201": _json("Note", "added"),
                    "400": _err("malformed JSON"),
                    "403": _err("your role may not"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/assignments/{assignment_id}/transitions",
        parameters=[{"name": "assignment_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "A unit acknowledges, works on, or closes its assignment",
                "operationId": "transitionAssignment",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "TransitionIn"}},
                },
                "responses": {
                    "200": _json("Assignment"),
                    "400": _err("malformed JSON"),
                    "403": _err("your role may not"),
                    "409": _err("not allowed from the current status"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/track/{reference}",
        parameters=[
            {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        operations={
            "get": {
                "summary": "Public: follow a report by its receipt reference",
                "operationId": "track",
                "responses": {
                    "200": _json("Track"),
                    "404": common["404"],
                    "429": _limited("too many look-ups from this address; try later"),
                },
            }
        },
    )
    spec.path(
        path="/categories",
        operations={
            "get": {
                "summary": "Report categories",
                "operationId": "listCategories",
                "responses": {"200": _json("CategoryList")},
            }
        },
    )
    spec.path(
        path="/districts",
        operations={
            "get": {
                "summary": "Districts as a GeoJSON FeatureCollection",
                "operationId": "listDistricts",
                "responses": {
                    "200": {
                        "description": "GeoJSON",
                        "content": {"application/geo+json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    )
    spec.components.schema("ReportChangeIn", schema=s.ReportChangeInSchema)
    spec.components.schema("Delivery", schema=DeliveryOutSchema)
    spec.components.schema("DeliveryList", schema=DeliveryListSchema)
    spec.components.schema("RuleList", schema=RuleListSchema)
    spec.path(
        path="/reports/{report_id}",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "patch": {
                "summary": "Coordinators: correct the category or the place (routes again)",
                "operationId": "changeReport",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "ReportChangeIn"}},
                },
                "responses": {
                    "200": _json("Report"),
                    "400": _err("malformed JSON"),
                    "403": _err("your role may not"),
                    "409": _err("the report is closed"),
                    **common,
                },
            }
        },
    )
    spec.path(
        path="/routing/rules",
        operations={
            "get": {
                "summary": "Administrators: the routing rules",
                "operationId": "getRules",
                "security": STAFF,
                "responses": {
                    "200": _json("RuleList"),
                    "401": common["401"],
                    "403": _err("administrators only"),
                },
            },
            "put": {
                "summary": "Administrators: replace the routing rules (validated as a whole)",
                "operationId": "putRules",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "RuleList"}},
                },
                "responses": {
                    "200": _json("RuleList"),
                    "400": _err("malformed JSON"),
                    "401": common["401"],
                    "403": _err("administrators only"),
                    "415": common["415"],
                    "422": _err("invalid rules"),
                },
            },
        },
    )
    spec.path(
        path="/deliveries/dead",
        operations={
            "get": {
                "summary": "Coordinators: notifications that could not be delivered",
                "operationId": "deadLetters",
                "security": STAFF,
                "parameters": [
                    {
                        "in": "query",
                        "name": "limit",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    }
                ],
                "responses": {
                    "200": _json("DeliveryList"),
                    "401": common["401"],
                    "403": _err("coordinators only"),
                    "422": _err("invalid limit"),
                },
            }
        },
    )
    spec.path(
        path="/deliveries/{delivery_id}/resend",
        parameters=[{"name": "delivery_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "Coordinators: send a dead-lettered notification again",
                "operationId": "resendDelivery",
                "security": STAFF,
                "responses": {
                    "200": _json("Delivery"),
                    "401": common["401"],
                    "403": _err("coordinators only"),
                    "404": common["404"],
                },
            }
        },
    )
    _attachment_paths(spec, common)
    _queue_paths(spec, common)
    spec.components.schema("AccessLogList", schema=AccessLogListSchema)
    spec.path(
        path="/access-log",
        operations={
            "get": {
                "summary": "Administrators: who viewed, exported or downloaded which report",
                "operationId": "accessLog",
                "security": STAFF,
                "parameters": [{"in": "query", "schema": AccessLogQuerySchema}],
                "responses": {
                    "200": _json("AccessLogList"),
                    "401": common["401"],
                    "403": _err("administrators only"),
                    "422": common["422"],
                },
            }
        },
    )
    return spec.to_dict()


def _attachment_paths(spec: APISpec, common: dict) -> None:
    spec.path(
        path="/reports/{report_id}/attachments",
        parameters=[{"name": "report_id", **ID_PARAM}],
        operations={
            "post": {
                "summary": "Add a photo to a report (staff who may see it)",
                "description": "JPEG, PNG or WebP, at most UPLOAD_MAX_BYTES (8 MB) and 40 "
                "megapixels. The type is read from the content; the photo is re-encoded "
                "(JPEG, or PNG with transparency) with its orientation applied and all "
                "metadata (EXIF, GPS, XMP, ICC profile, comments) removed.",
                "operationId": "addAttachment",
                "security": STAFF,
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                                "required": ["file"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json("Attachment", "stored"),
                    "401": common["401"],
                    "404": common["404"],
                    "413": _err("file too large (field 'file')"),
                    "415": _err("not multipart/form-data"),
                    "422": _err("not an accepted image, too many pixels, or no field 'file'"),
                },
            }
        },
    )
    spec.path(
        path="/attachments/{attachment_id}",
        parameters=[{"name": "attachment_id", **ID_PARAM}],
        operations={
            "get": {
                "summary": "Download a photo (as an attachment); each download is logged",
                "operationId": "getAttachment",
                "security": STAFF,
                "responses": {
                    "200": {
                        "description": "the re-encoded image",
                        "content": {
                            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                            "image/png": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "401": common["401"],
                    "404": common["404"],
                },
            }
        },
    )


def _queue_paths(spec: APISpec, common: dict) -> None:
    """The work lists and statistics (api/queues.py)."""
    from meldecentral.schemas import queues as q

    for name, schema in {
        "TriagePage": q.TriagePageSchema,
        "Inbox": q.InboxSchema,
        "DistrictStats": q.DistrictStatsSchema,
    }.items():
        spec.components.schema(name, schema=schema)
    spec.path(
        path="/triage",
        operations={
            "get": {
                "summary": "Coordinators: the triage queue",
                "description": "Open reports, the most urgent first, then the earliest "
                "acknowledgement deadline not yet met (reports with none last), then the "
                "oldest. 'total' is counted up to a cap (total_capped says there are more).",
                "operationId": "triageQueue",
                "security": STAFF,
                "parameters": [{"in": "query", "schema": q.TriageQuerySchema}],
                "responses": {
                    "200": _json("TriagePage"),
                    "401": common["401"],
                    "403": _err("coordinators only"),
                    "422": common["422"],
                },
            }
        },
    )
    spec.path(
        path="/inbox",
        operations={
            "get": {
                "summary": "Unit members: their unit's open assignments",
                "description": "Unacknowledged assignments first, by deadline; then the ones "
                "acknowledged or in progress, by deadline.",
                "operationId": "unitInbox",
                "security": STAFF,
                "parameters": [{"in": "query", "schema": q.InboxQuerySchema}],
                "responses": {
                    "200": _json("Inbox"),
                    "401": common["401"],
                    "403": _err("unit members only"),
                    "422": common["422"],
                },
            }
        },
    )
    spec.path(
        path="/stats/districts",
        operations={
            "get": {
                "summary": "Staff: reports per district and category, last 30 or 365 days",
                "description": "Reports received (rejected and merged ones left out) per "
                "local day, summed over the period. Every district is listed. Read from "
                "counts the workers keep current, at most a minute behind.",
                "operationId": "districtStats",
                "security": STAFF,
                "parameters": [{"in": "query", "schema": q.StatsQuerySchema}],
                "responses": {
                    "200": _json("DistrictStats"),
                    "401": common["401"],
                    "422": common["422"],
                },
            }
        },
    )

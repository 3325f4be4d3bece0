"""Reports: submit, track, read, list, follow up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, current_app, request, stream_with_context, url_for

from meldecentral.api.auth import current_actor, require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.errors import ApiError
from meldecentral.api.util import headers_for, json_body, load
from meldecentral.extensions import limiter
from meldecentral.schemas.attachments import AttachmentOutSchema
from meldecentral.schemas.conversation import FeedbackOutSchema, ReporterMessageOutSchema
from meldecentral.schemas.delivery import RoutingDecisionOutSchema
from meldecentral.schemas.reports import (
    AssignmentOutSchema,
    BulkInSchema,
    BulkOutSchema,
    ContactOutSchema,
    ContactShareInSchema,
    EventOutSchema,
    NoteInSchema,
    NoteOutSchema,
    ReportChangeInSchema,
    ReportExportQuerySchema,
    ReportInSchema,
    ReportListQuerySchema,
    ReportOutSchema,
    ReportSummarySchema,
    ReportTransitionInSchema,
    RouteInSchema,
    SubmitHeadersSchema,
    SubmittedSchema,
    TrackSchema,
    TransitionInSchema,
)
from meldecentral.schemas.rows import report_summaries
from meldecentral.security import count_request
from meldecentral.services.errors import NotFound
from meldecentral.services.privacy import access, audit
from meldecentral.services.reference import municipalities
from meldecentral.services.reports import (
    attachments,
    conversation,
    corrections,
    notes,
    submit,
    transitions,
    view,
)
from meldecentral.services.routing import assign
from meldecentral.services.worklists import bulk, queues, search
from meldecentral.services.worklists import export as exporting

if TYPE_CHECKING:
    from meldecentral.models import Report

# By actor.is_staff: residents and staff may each set fields the other may not.
_report_in = {False: ReportInSchema(staff=False), True: ReportInSchema(staff=True)}
_submit_headers = SubmitHeadersSchema()
_report_out = ReportOutSchema()
_submitted = SubmittedSchema()
_list_query = ReportListQuerySchema()
_export_query = ReportExportQuerySchema()


def _staff_with_token() -> bool:
    """Staff submitting with a valid token are not held to the anonymous limit; an invalid
    token counts against it (it gets a 401 anyway)."""
    try:
        return current_actor().is_staff
    except ApiError:
        return False


def _submitted_links(reference: str, report_id: int) -> dict:
    """The answer's links, from url_for's URLs built once per app with stand-ins for the
    reference and the id (two url_for calls cost about 2 % of a submission's CPU). A
    reference is letters, digits and dashes: nothing to quote. One pair per script root: a
    municipality's path prefix is part of its links."""
    cache = current_app.extensions.setdefault("mc_submitted_links", {})
    templates = cache.get(request.script_root)
    if templates is None:
        templates = cache[request.script_root] = (
            url_for("api.track", reference="REFERENCE"),
            url_for("api.get_report", report_id=2**31 - 1),
        )
    track, self_ = templates
    return {
        "track": track.replace("REFERENCE", reference),
        "self": self_.replace(str(2**31 - 1), str(report_id)),
    }


@bp.post("/reports")
@limiter.exempt  # counted in the view (security.count_request): the busiest endpoint
def submit_report():
    """Submit a report: an anonymous resident's, or a member of staff's with a token.
    ---
    post:
      summary: Submit a report (anonymous resident, or staff with a token)
      description: >-
        Not an emergency service: if someone is in danger or a crime is happening now,
        call 112; for the police when it is not urgent, call 114. A report that says it is
        happening now and involves violence, weapons, fire or a child in danger is answered
        422 with code 'emergency'.
      operationId: submitReport
      parameters:
        - {in: header, schema: SubmitHeadersSchema}
      requestBody:
        required: true
        content: {application/json: {schema: ReportInSchema}}
      responses:
        201:
          description: created
          content: {application/json: {schema: SubmittedSchema}}
        200:
          description: replay of an earlier submission
          content: {application/json: {schema: SubmittedSchema}}
        400: MalformedJson
        401: Unauthorized
        409:
          description: Idempotency-Key reused with another body
          content: {application/json: {schema: Error}}
        413:
          description: body too large
          content: {application/json: {schema: Error}}
        415: NotJson
        422:
          description: invalid fields, or an emergency (code 'emergency')
          content: {application/json: {schema: Error}}
        429:
          description: too many submissions from this address; try later
          content: {application/json: {schema: Error}}
          headers: {Retry-After: RetryAfter}
    """
    if not _staff_with_token():
        count_request("RATELIMIT_SUBMIT", "submit")
    actor = current_actor()
    body = json_body()
    data = _report_in[actor.is_staff].load(body)
    if not data.get("language"):
        # The reporter's language, for everything they are told later: the body's, else the
        # best of the site's languages that the client accepts.
        data["language"] = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    headers = load(_submit_headers, headers_for(_submit_headers), "invalid Idempotency-Key")
    key = headers.get("idempotency_key")
    submission = submit.submit_report(actor, data, idempotency_key=key)
    report = submission.report
    out = _submitted.dump(
        {
            "id": report.id,
            "reference": report.reference,
            "status": report.status,
            "created_at": report.created_at,
            "links": _submitted_links(report.reference, report.id),
        }
    )
    status = 200 if submission.replayed else 201
    headers = {"Location": out["links"]["self"]}
    if submission.replayed:
        headers["Idempotent-Replayed"] = "true"
    return out, status, headers


@bp.get("/track/<reference>")
def track(reference: str):
    """Public: follow a report by its receipt reference.
    ---
    get:
      summary: "Public: follow a report by its receipt reference"
      operationId: track
      responses:
        200:
          description: OK
          content: {application/json: {schema: TrackSchema}}
        404: NotFound
        429:
          description: too many look-ups from this address; try later
          content: {application/json: {schema: Error}}
          headers: {Retry-After: RetryAfter}
    """
    count_request("RATELIMIT_TRACK", "track")  # shared with the tracking page
    view = conversation.public_view(reference, municipalities.current().code)
    if view is None:
        raise ApiError(404, "not_found", "no report with that reference")
    return TrackSchema().dump(view)


def _dump_report(actor, report: Report) -> dict:
    out = ReportSummarySchema().dump(report)
    out.update(
        ReportOutSchema(
            only=(
                "text",
                "occurred_at",
                "lat",
                "lon",
                "address_text",
                "person_named",
                "interpreter_language",
                "language",
                "duplicate_of",
            )
        ).dump(report)
    )
    out["assignments"] = AssignmentOutSchema(many=True).dump(report.assignments)
    detail = view.report_detail(actor, report)
    out["notes"] = NoteOutSchema(many=True).dump(detail.notes)
    out["history"] = EventOutSchema(many=True).dump(detail.history)
    out["routing"] = RoutingDecisionOutSchema(many=True).dump(detail.routing)
    out["contact"] = ContactOutSchema().dump(detail.contact) if detail.contact else None
    out["attachments"] = AttachmentOutSchema(many=True).dump(
        attachments.list_attachments(report.id)
    )
    out["conversation"] = ReporterMessageOutSchema(many=True).dump(conversation.messages(report.id))
    feedback = conversation.feedback_of(report.id)
    out["feedback"] = FeedbackOutSchema().dump(feedback) if feedback else None
    return out


@bp.get("/reports/<int:report_id>")
def get_report(report_id: int):
    """One report with its assignments, notes and history.
    ---
    get:
      summary: One report with its assignments, notes and history
      operationId: getReport
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: ReportOutSchema}}
        401: Unauthorized
        404: NotFound
    """
    actor = require_staff()
    report = access.get_visible_report(actor, report_id)
    audit.record_access(actor, report, "view", "api")
    return _dump_report(actor, report)


@bp.get("/reports")
def list_reports():
    """The reports the caller may see, newest first (or, searching, the best match first), a
    page at a time.
    ---
    get:
      summary: List the reports you may see
      operationId: listReports
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: ReportListQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: ReportPageSchema}}
        401: Unauthorized
        422: InvalidFields
    """
    actor = require_staff()
    args = _list_query.load(
        {k: (request.args.getlist(k) if k == "status" else v) for k, v in request.args.items()}
    )
    page, per_page = args["page"], args["per_page"]
    rows, total, capped = queues.report_list(actor, args, page, per_page)
    items = report_summaries(rows)
    if args.get("q"):
        found = search.snippets(actor, rows, args["q"], "api")
        for item in items:
            item["snippet"] = found.get(item["id"], "")
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "total_capped": capped,
    }


def _export(fmt: str) -> Response:
    actor = require_staff()
    args = _export_query.load(
        {k: (request.args.getlist(k) if k == "status" else v) for k, v in request.args.items()}
    )
    limit = args.pop("limit", None)
    language = args.pop("lang", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    export = exporting.export_reports(
        actor, "reports", fmt, args, channel="api", language=language, limit=limit
    )
    return Response(
        stream_with_context(exporting.body(export, fmt)),
        mimetype=exporting.MIMETYPES[fmt],
        headers=exporting.response_headers(export, fmt),
    )


@bp.get("/reports/export.csv")
def export_reports_csv():
    """The report list, filtered as GET /reports is, as one CSV file.
    ---
    get:
      summary: Export the reports you may see as CSV
      description: >-
        The rows of GET /reports with the same filters, newest first, in one file: UTF-8
        with a byte order mark, ";" between cells when lang is da, "," when en; times in
        ISO 8601, local time. The columns depend on your role (docs/security.md,
        "Exports"); never report text, contact details or notes. At most EXPORT_MAX_ROWS
        rows (50,000 by default) or limit; X-Export-Capped says whether the filter matched
        more (the file then ends with a line saying so). Each export is one entry in the
        access log, with its filter and row count.
      operationId: exportReportsCsv
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: ReportExportQuerySchema}
      responses:
        200:
          description: the rows as CSV
          content: {text/csv: {schema: {type: string}}}
        401: Unauthorized
        403: Forbidden
        422: InvalidFields
    """
    return _export("csv")


@bp.get("/reports/export.xlsx")
def export_reports_xlsx():
    """The report list, filtered as GET /reports is, as one XLSX workbook.
    ---
    get:
      summary: Export the reports you may see as XLSX
      description: >-
        As /reports/export.csv, as an Excel workbook of one sheet: times as local dates,
        every text a string (never a formula).
      operationId: exportReportsXlsx
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: ReportExportQuerySchema}
      responses:
        200:
          description: the rows as an XLSX workbook
          content:
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
              schema: {type: string, format: binary}
        401: Unauthorized
        403: Forbidden
        422: InvalidFields
    """
    return _export("xlsx")


@bp.post("/assignments/<int:assignment_id>/transitions")
def transition_assignment(assignment_id: int):
    """A unit acknowledges, works on, or closes its assignment.
    ---
    post:
      summary: A unit acknowledges, works on, or closes its assignment
      operationId: transitionAssignment
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: TransitionInSchema}}
      responses:
        200:
          description: OK
          content: {application/json: {schema: AssignmentOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: NotAllowedFromStatus
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = TransitionInSchema().load(json_body())
    assignment = transitions.transition_assignment(
        actor, assignment_id, data["status"], outcome=data.get("outcome")
    )
    return AssignmentOutSchema().dump(assignment)


@bp.post("/reports/bulk")
def bulk_action():
    """Coordinators: one action on several reports.
    ---
    post:
      summary: "Coordinators: route, change the category of, reject or merge several reports"
      description: >-
        Each report is acted on as alone (its checks, its history entry), in a transaction of
        its own; one that is refused (e.g. its status does not allow it) is listed with the
        reason and the others go on. What the action needs (units, category, reason, the
        report to merge into) is checked first and refuses the whole request (422).
      operationId: bulkAction
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: BulkInSchema}}
      responses:
        200:
          description: what was done with each report
          content: {application/json: {schema: BulkOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = BulkInSchema().load(json_body())
    outcomes = bulk.apply(
        actor,
        data["action"],
        data["reports"],
        units=data.get("units"),
        contact_units=data["contact_units"],
        category=data.get("category"),
        reason=data.get("reason"),
        into=data.get("into"),
    )
    done = sum(o.ok for o in outcomes)
    return BulkOutSchema().dump(
        {
            "done": done,
            "refused": len(outcomes) - done,
            "results": [
                {
                    "id": o.report_id,
                    "reference": o.reference,
                    "ok": o.ok,
                    "code": o.code,
                    "message": o.message,
                }
                for o in outcomes
            ],
        }
    )


@bp.post("/assignments/<int:assignment_id>/contact")
def share_contact(assignment_id: int):
    """Coordinators: give an assigned unit the reporter's contact details, or take them back.
    ---
    post:
      summary: "Coordinators: share the reporter's contact with an assigned unit, or stop"
      operationId: shareContact
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: ContactShareInSchema}}
      responses:
        200:
          description: the assignment
          content: {application/json: {schema: AssignmentOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = ContactShareInSchema().load(json_body())
    assignment = assign.share_contact(actor, assignment_id, data["shared"])
    return AssignmentOutSchema().dump(assignment)


@bp.post("/reports/<int:report_id>/notes")
def add_note(report_id: int):
    """Add an internal note or a public update.
    ---
    post:
      summary: Add an internal note or a public update
      operationId: addNote
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: NoteInSchema}}
      responses:
        201:
          description: added
          content: {application/json: {schema: NoteOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = NoteInSchema().load(json_body())
    try:
        note = notes.add_note(
            actor, report_id, data["body"], data["visibility"], data["shared_with"]
        )
    except NotFound:
        raise ApiError(404, "not_found", "no such report") from None
    return NoteOutSchema().dump(note), 201


@bp.post("/reports/<int:report_id>/transitions")
def transition_report(report_id: int):
    """Coordinators: triage, reject (with a reason), merge into another report.
    ---
    post:
      summary: "Coordinators: triage, reject or merge a report"
      operationId: transitionReport
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: ReportTransitionInSchema}}
      responses:
        200:
          description: OK
          content: {application/json: {schema: ReportOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: NotAllowedFromStatus
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = ReportTransitionInSchema().load(json_body())
    report = transitions.transition_report(
        actor,
        report_id,
        data["status"],
        reason=data.get("reason"),
        duplicate_of=data.get("duplicate_of"),
    )
    return _dump_report(actor, report)


@bp.post("/reports/<int:report_id>/assignments")
def route_report(report_id: int):
    """Coordinators: route by hand to one or more units.
    ---
    post:
      summary: "Coordinators: route a report by hand"
      operationId: routeReport
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: RouteInSchema}}
      responses:
        201:
          description: routed
          content: {application/json: {schema: ReportOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: NotAllowedFromStatus
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = RouteInSchema().load(json_body())
    assign.assign_units(
        actor, report_id, data["units"], reason=data["reason"], contact_units=data["contact_units"]
    )
    report = access.get_visible_report(actor, report_id)
    return _dump_report(actor, report), 201


@bp.patch("/reports/<int:report_id>")
def change_report(report_id: int):
    """Coordinators: correct the category or the place; the report is routed again.
    ---
    patch:
      summary: "Coordinators: correct the category or the place (routes again)"
      operationId: changeReport
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: ReportChangeInSchema}}
      responses:
        200:
          description: OK
          content: {application/json: {schema: ReportOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409:
          description: the report is closed
          content: {application/json: {schema: Error}}
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    data = ReportChangeInSchema().load(json_body())
    corrections.change_category_or_place(actor, report_id, **data)
    return _dump_report(actor, access.get_visible_report(actor, report_id))

"""Reports: submit, track, read, list, follow up."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request, url_for

from meldecentral.api import bp
from meldecentral.api.auth import current_actor, require_staff
from meldecentral.api.errors import ApiError
from meldecentral.api.util import json_body
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Category,
    District,
    Note,
    Report,
    ReportEvent,
    RoutingDecision,
    Unit,
)
from meldecentral.schemas.delivery import RoutingDecisionOutSchema
from meldecentral.schemas.reports import (
    AssignmentOutSchema,
    ContactOutSchema,
    EventOutSchema,
    NoteInSchema,
    NoteOutSchema,
    ReportChangeInSchema,
    ReportInSchema,
    ReportListQuerySchema,
    ReportOutSchema,
    ReportSummarySchema,
    ReportTransitionInSchema,
    RouteInSchema,
    SubmittedSchema,
    TrackSchema,
    TransitionInSchema,
)
from meldecentral.services import access, audit, followup, reports, tracking
from meldecentral.services.errors import NotFound

_report_in = ReportInSchema()
_report_out = ReportOutSchema()
_summary = ReportSummarySchema(many=True)
_submitted = SubmittedSchema()
_list_query = ReportListQuerySchema()


@bp.post("/reports")
def submit_report():
    actor = current_actor()
    body = json_body()
    data = _report_in.load(body)
    refused = {}
    if not actor.is_staff and "urgency" in data:
        refused["urgency"] = ["set by the centre; residents cannot set it"]
    if actor.is_staff and data.get("contact"):
        refused["contact"] = ["staff reports carry no resident contact"]
    if refused:
        raise ApiError(422, "validation_error", "the request has invalid fields", refused)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (8 <= len(key) <= 100):
        raise ApiError(
            422,
            "validation_error",
            "invalid Idempotency-Key",
            {"Idempotency-Key": ["between 8 and 100 characters"]},
        )
    submission = reports.submit_report(actor, data, idempotency_key=key)
    report = submission.report
    out = _submitted.dump(
        {
            "id": report.id,
            "reference": report.reference,
            "status": report.status,
            "created_at": report.created_at,
            "links": {
                "track": url_for("api.track", reference=report.reference, _external=False),
                "self": url_for("api.get_report", report_id=report.id, _external=False),
            },
        }
    )
    status = 200 if submission.replayed else 201
    headers = {"Location": out["links"]["self"]}
    if submission.replayed:
        headers["Idempotent-Replayed"] = "true"
    return out, status, headers


@bp.get("/track/<reference>")
def track(reference: str):
    view = tracking.track(reference, current_app.config["DEFAULT_MUNICIPALITY"])
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
    notes = db.session.scalars(
        sa.select(Note).where(Note.report_id == report.id).order_by(Note.id)
    ).all()
    out["notes"] = NoteOutSchema(many=True).dump(notes)
    history = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()
    out["history"] = EventOutSchema(many=True).dump(history)
    decisions = db.session.scalars(
        sa.select(RoutingDecision)
        .where(RoutingDecision.report_id == report.id)
        .order_by(RoutingDecision.id)
    ).all()
    out["routing"] = RoutingDecisionOutSchema(many=True).dump(decisions)
    contact = report.contact if access.may_see_contact(actor, report) else None
    if contact is not None and contact.anonymised_at is None:
        out["contact"] = ContactOutSchema().dump(contact)
    else:
        out["contact"] = None
    return out


@bp.get("/reports/<int:report_id>")
def get_report(report_id: int):
    actor = require_staff()
    report = access.get_visible_report(actor, report_id)
    audit.record_access(actor, report, "view", "api")
    return _dump_report(actor, report)


@bp.get("/reports")
def list_reports():
    actor = require_staff()
    args = _list_query.load(
        {k: (request.args.getlist(k) if k == "status" else v) for k, v in request.args.items()}
    )
    query = access.visible_reports(actor)
    if args.get("status"):
        query = query.where(Report.status.in_(args["status"]))
    if args.get("category"):
        query = query.join(Category, Report.category_id == Category.id).where(
            Category.code == args["category"]
        )
    if args.get("district") is not None:
        query = query.join(District, Report.district_id == District.id).where(
            District.number == args["district"]
        )
    if args.get("unit"):
        query = query.where(
            Report.id.in_(
                sa.select(Assignment.report_id).join(Unit).where(Unit.code == args["unit"])
            )
        )
    if args.get("urgency"):
        query = query.where(Report.urgency == args["urgency"])
    if args.get("created_from"):
        query = query.where(Report.created_at >= args["created_from"])
    if args.get("created_to"):
        query = query.where(Report.created_at < args["created_to"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page, per_page = args["page"], args["per_page"]
    items = (
        db.session.scalars(
            query.order_by(Report.created_at.desc(), Report.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .all()
    )
    return {"items": _summary.dump(items), "page": page, "per_page": per_page, "total": total}


@bp.post("/assignments/<int:assignment_id>/transitions")
def transition_assignment(assignment_id: int):
    actor = require_staff()
    data = TransitionInSchema().load(json_body())
    assignment = followup.transition_assignment(
        actor, assignment_id, data["status"], outcome=data.get("outcome")
    )
    return AssignmentOutSchema().dump(assignment)


@bp.post("/reports/<int:report_id>/notes")
def add_note(report_id: int):
    actor = require_staff()
    data = NoteInSchema().load(json_body())
    try:
        note = followup.add_note(actor, report_id, data["body"], data["visibility"])
    except NotFound:
        raise ApiError(404, "not_found", "no such report") from None
    return NoteOutSchema().dump(note), 201


@bp.post("/reports/<int:report_id>/transitions")
def transition_report(report_id: int):
    """Coordinators: triage, reject (with a reason), merge into another report."""
    actor = require_staff()
    data = ReportTransitionInSchema().load(json_body())
    report = followup.transition_report(
        actor,
        report_id,
        data["status"],
        reason=data.get("reason"),
        duplicate_of=data.get("duplicate_of"),
    )
    return _dump_report(actor, report)


@bp.post("/reports/<int:report_id>/assignments")
def route_report(report_id: int):
    """Coordinators: route by hand to one or more units."""
    actor = require_staff()
    data = RouteInSchema().load(json_body())
    followup.assign_units(actor, report_id, data["units"], reason=data["reason"])
    report = access.get_visible_report(actor, report_id)
    return _dump_report(actor, report), 201


@bp.patch("/reports/<int:report_id>")
def change_report(report_id: int):
    """Coordinators: correct the category or the place; the report is routed again."""
    actor = require_staff()
    data = ReportChangeInSchema().load(json_body())
    followup.change_category_or_place(actor, report_id, **data)
    return _dump_report(actor, access.get_visible_report(actor, report_id))

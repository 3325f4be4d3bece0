"""The street worker's pages: the report form (plain POST without JavaScript; with it, a JSON
POST from an on-phone queue with an Idempotency-Key, so a report made without signal is sent
once when the signal returns) and "my reports"."""

from __future__ import annotations

import json

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from meldecentral.domain import roles
from meldecentral.services.errors import Conflict, EmergencyRedirected, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import attachments, submit
from meldecentral.services.worklists import queues
from meldecentral.web import intake
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required, say
from meldecentral.web.forms import StaffReportForm
from meldecentral.web.intake import ALIASES, fill_choices

HOME = {
    roles.STREET_WORKER: "staff.new_report",
    roles.COORDINATOR: "staff.queue",
    roles.UNIT_MEMBER: "staff.inbox",
    roles.ADMIN: "admin.users",
}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(HOME.get(current_user.role, "public.home")))


@bp.route("/report", methods=["GET", "POST"])
@roles_required(roles.STREET_WORKER)
def new_report():
    form = StaffReportForm()
    who = actor()
    extra = fill_choices(form, who)
    status = 200
    if request.method == "POST":
        status = 422
        data = intake.check(form, who, resident=False)
        if data is not None:
            try:
                submission = submit.submit_report(
                    who, data, idempotency_key=intake.idempotency_key(form)
                )
            except EmergencyRedirected:
                return render_template("public/emergency.html")
            except ValidationFailed as exc:
                apply_errors(form, intake.place_messages(exc.fields), ALIASES)
            except Conflict:
                status = 409
                intake.sent_already(form)
            else:
                report = submission.report
                # A replay has its photo already (or its reason for not having it).
                if form.photo.data and not submission.replayed:
                    _store_photo(who, report.id, form.photo.data)
                return redirect(url_for("staff.sent", report_id=report.id))
    return render_template("staff/report_form.html", form=form, **extra), status


def _store_photo(who, report_id: int, photo) -> None:
    try:
        attachments.store_attachment(who, report_id, photo)
    except ValidationFailed as exc:
        reason = "; ".join(say(m) for ms in exc.fields.values() for m in ms)
        flash(
            _("The report is sent, but not the photo: %(reason)s", reason=reason or exc.message),
            "error",
        )


@bp.get("/report/sent/<int:report_id>")
@roles_required(roles.STREET_WORKER)
def sent(report_id: int):
    report = access.get_visible_report(actor(), report_id)
    return render_template("staff/sent.html", report=report)


@bp.get("/api/csrf")
@login_required
def csrf_token():
    """A fresh token for the reports waiting on the phone (outbox.js), and who is signed in:
    the phone sends only that user's reports."""
    return jsonify({"token": generate_csrf(), "user": str(current_user.id)})


@bp.post("/api/reports")
def api_submit():
    """Same-origin JSON for the form's on-phone outbox: the session authenticates, the
    X-CSRFToken header protects, the Idempotency-Key makes a resend return the same report.
    A report with a photo comes as multipart (``report``: the JSON, ``photo``: the file)."""
    if not current_user.is_authenticated:
        return _json_error(401, "unauthorized", _("Sign in again to send the waiting reports."))
    if current_user.role != roles.STREET_WORKER:
        return _json_error(403, "forbidden", _("Your role does not give access to this page."))
    key = request.headers.get("Idempotency-Key", "")
    if not 8 <= len(key) <= 100:
        return _json_error(422, "validation_error", "Idempotency-Key: 8 to 100 characters")
    body, photo = _queued_body()
    if not isinstance(body, dict):
        return _json_error(400, "invalid_json", "the body must be a JSON object")
    # The page's own checks, so that a refused report names its problems per form field in
    # the page's language, and the phone can show them next to the fields to correct.
    form = intake.json_form(StaffReportForm, body)
    who = actor()
    fill_choices(form, who)
    data = intake.check(form, who, resident=False)
    if data is None:
        problems = {f.name: [str(e) for e in f.errors] for f in form if f.errors}
        if form.form_errors:
            problems["_"] = [str(e) for e in form.form_errors]
        return _json_error(422, "validation_error", _("Please check the report."), problems)
    try:
        submission = submit.submit_report(who, data, idempotency_key=key)
    except EmergencyRedirected:
        return _json_error(
            422, "emergency", _("Call 112 now."), redirect=url_for("public.emergency")
        )
    except Conflict as exc:
        # The key of a report already sent, with other content: said in the page's language.
        message = _("This report was already sent, with other content.")
        return _json_error(exc.status, exc.code, message)
    except ValidationFailed as exc:
        # Said in the page's language: the phone shows them next to the fields to correct.
        fields = {name: [say(r) for r in reasons] for name, reasons in exc.fields.items()}
        return _json_error(exc.status, exc.code, _("Please check the report."), fields)
    report = submission.report
    # A replay stores the photo too if the first send did not get that far (its answer lost
    # after the report was made); the service keeps it to one photo per queued report.
    photo_problem = None
    if photo:
        try:
            attachments.store_attachment(who, report.id, photo, first_only=True)
        except ValidationFailed as exc:
            photo_problem = "; ".join(say(m) for ms in exc.fields.values() for m in ms)
    out = {
        "id": report.id,
        "reference": report.reference,
        "status": report.status,
        "replayed": submission.replayed,
        "url": url_for("staff.sent", report_id=report.id),
        "photo_problem": photo_problem,
    }
    return jsonify(out), 200 if submission.replayed else 201


def _queued_body():
    """The queued report: a JSON body, or, with a photo, a multipart body whose ``report`` part
    is that JSON and whose ``photo`` part is the photo."""
    if request.mimetype != "multipart/form-data":
        return request.get_json(silent=True), None
    try:
        body = json.loads(request.form.get("report", ""))
    except ValueError:
        return None, None
    return body, request.files.get("photo") or None


def _json_error(status: int, code: str, message: str, fields=None, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


@bp.get("/mine")
@roles_required(roles.STREET_WORKER)
def mine():
    return render_template("staff/mine.html", reports=queues.my_reports(actor()))

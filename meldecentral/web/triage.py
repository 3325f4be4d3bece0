"""The coordinators' work: the triage queue, the report page (shared by every staff role, with
the actions each role may take), and undelivered notifications."""

from __future__ import annotations

import dataclasses

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from meldecentral.domain import roles, workflow
from meldecentral.domain.workflow import TransitionError
from meldecentral.pages import ActionForm
from meldecentral.schemas.views import filter_names, lenient_filters
from meldecentral.services.delivery import resend as resending
from meldecentral.services.delivery import send
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.privacy import access, audit
from meldecentral.services.reference import lookups
from meldecentral.services.reports import (
    attachments,
    conversation,
    corrections,
    notes,
    transitions,
    view,
)
from meldecentral.services.routing import assign
from meldecentral.services.worklists import bulk, queues, search, views
from meldecentral.services.worklists import export as exporting
from meldecentral.web import saved
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, apply_errors, category_label, roles_required, say
from meldecentral.web.exports import export_response
from meldecentral.web.forms import (
    AssignmentForm,
    BulkForm,
    ChangeForm,
    MergeForm,
    NoteForm,
    PhotoForm,
    QuestionForm,
    QueueFilterForm,
    RejectForm,
    RouteForm,
)
from meldecentral.web.labels import REPORT_STATUS
from meldecentral.web.trace import Names, routing_trace

STAFF = (roles.COORDINATOR, roles.UNIT_MEMBER, roles.STREET_WORKER)


@bp.get("/queue")
@roles_required(roles.COORDINATOR)
def queue():
    """The queue with the filters asked for, or a saved view's (``?view=ID``); opened without
    any argument, the user's default view."""
    who = actor()
    applied = saved.requested_view(who)
    if applied is not None:
        data = MultiDict(saved.as_form_data(saved.stored_filters("triage", applied)))
    else:
        data = request.args
    return render_queue(who, data, applied)


def render_queue(who, data, applied=None, save_form=None, status: int = 200):
    """The queue page for the filters in ``data`` (a GET form's fields); ``save_form`` a
    refused 'save as view' form to show again."""
    form, current = queue_filters(who, data)
    page_no = max(1, request.args.get("page", 1, type=int))
    page = queues.triage_queue(who, views.triage_filter(current), page=page_no)
    q = current.get("q")
    snippets = (
        search.snippets(who, [(r.id, r.reference) for r, _ in page.items], q, "web") if q else {}
    )
    pager_args = {"view": applied.id} if applied is not None else saved.as_form_data(current)
    return (
        render_template(
            "staff/queue.html",
            form=form,
            page=page,
            pager_args=pager_args,
            snippets=snippets,
            # The filters fold away unless one is set (a search alone leaves them folded).
            filters_open=any(k != "q" for k in current) and applied is None,
            panel=saved.panel(who, "staff.queue", applied, current, save_form),
            bulk_form=_bulk_form(who),
            # what the page shows (a saved view's filters too), not the query string
            export_args=saved.as_form_data(current),
            export_max=exporting.max_rows(),
            lag=send.routing_lag(who),
        ),
        status,
    )


def queue_filters(who, data) -> tuple[QueueFilterForm, dict]:
    """The queue's filter form (with its choices) for ``data``, and the filters it says."""
    form = QueueFilterForm(formdata=data)
    form.district.choices = [("", _("All"))] + [
        (str(d.number), d.name) for d in lookups.districts(who.municipality_id)
    ]
    form.category.choices = [("", _("All"))] + [
        (c.code, category_label(c)) for c in lookups.active_categories(who.municipality_id)
    ]
    form.status.choices = [("", _("All open"))] + [
        (s, str(REPORT_STATUS[s])) for s in workflow.REPORT_STATUSES
    ]
    form.unit.choices = [("", _("All"))] + [
        (u.code, u.code) for u in lookups.active_units(who.municipality_id)
    ]
    form.validate()
    raw = {
        name: form[name].data
        for name in filter_names("triage")
        if name in form and not form[name].errors and form[name].data not in (None, "", False)
    }
    return form, lenient_filters("triage", raw)


def _bulk_form(who) -> BulkForm:
    form = BulkForm(prefix="bulk")
    units = [(u.code, f"{u.code}: {u.name}") for u in lookups.active_units(who.municipality_id)]
    form.units.choices = form.contact_units.choices = units
    form.category.choices = [("", "-")] + [
        (c.code, category_label(c)) for c in lookups.active_categories(who.municipality_id)
    ]
    return form


MAX_ID = 2**31 - 1  # an id beyond the database's integer names no report

# A refusal's code from services.worklists.bulk, said on the page.
_REFUSED = {
    "not_found": _l("not found"),
    "not_allowed": _l("its status does not allow it"),
    "forbidden": _l("not allowed for you"),
    "validation_error": _l("the values do not fit this report"),
    "unknown_status": _l("its status does not allow it"),
}


@bp.post("/queue/bulk")
@roles_required(roles.COORDINATOR)
def queue_bulk():
    """The queue's bulk action on the ticked reports; back to the queue with its filters."""
    who = actor()
    form = _bulk_form(who)
    # The queue's own filters (a query string), so that the coordinator returns to their view.
    back = url_for("staff.queue") + ("?" + request.form["back"] if request.form.get("back") else "")
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "error")
        return redirect(back)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit() and int(i) <= MAX_ID]
    into = None
    if form.action.data == bulk.MERGE and (form.into.data or "").strip():
        original = view.find_visible(who, form.into.data)
        into = original.id if original is not None else 0
    try:
        outcomes = bulk.apply(
            who,
            form.action.data,
            ids,
            units=form.units.data,
            contact_units=form.contact_units.data,
            category=form.category.data or None,
            reason=(form.reason.data or "").strip() or None,
            into=into,
        )
    except ValidationFailed as exc:
        # Each problem with the name of the field it is about ("Reason for rejecting: required").
        problems = "; ".join(
            f"{form[name].label.text}: {say(r)}" if name in form else say(r)
            for name, reasons in exc.fields.items()
            for r in reasons
        )
        flash(_("Nothing was done: %(problems)s.", problems=problems), "error")
        return redirect(back)
    done = sum(o.ok for o in outcomes)
    flash(_("Done for %(done)d of %(n)d reports.", done=done, n=len(outcomes)), "ok")
    for o in outcomes:
        if not o.ok:
            why = _REFUSED.get(o.code or "", _l("refused"))
            flash(f"{o.reference or o.report_id}: {why}", "error")
    return redirect(back)


@bp.get("/queue/export.<any(csv, xlsx):fmt>")
@roles_required(roles.COORDINATOR)
def queue_export(fmt: str):
    """The queue as the page's filters show it, every page of it, as a file."""
    who = actor()
    _form, current = queue_filters(who, request.args)
    return export_response(who, "queue", fmt, dataclasses.asdict(views.triage_filter(current)))


def _forms(report, who):
    """The action forms this actor sees on this report, prefilled with its choices."""
    forms = {"note": NoteForm(prefix="note"), "question": QuestionForm(prefix="question")}
    if who.role != roles.COORDINATOR:
        if who.role == roles.STREET_WORKER:
            forms.pop("note")
            forms.pop("question")
            # (a street worker sees only their own reports: add a photo afterwards, web/photos)
            forms["photo"] = PhotoForm(prefix="photo")
        return forms
    change = ChangeForm(
        prefix="change",
        category=report.category.code,
        district=str(report.district.number) if report.district else "",
    )
    change.category.choices = [
        (c.code, category_label(c)) for c in lookups.active_categories(who.municipality_id)
    ]
    change.district.choices = [("", "-")] + [
        (str(d.number), f"{d.number}. {d.name}") for d in lookups.districts(who.municipality_id)
    ]
    route = RouteForm(prefix="route")
    assigned = {a.unit.code for a in report.assignments}
    route.units.choices = [
        (u.code, f"{u.code}: {u.name}")
        for u in lookups.active_units(who.municipality_id)
        if u.code not in assigned
    ]
    route.contact_units.choices = route.units.choices
    forms.update(
        change=change,
        route=route,
        reject=RejectForm(prefix="reject"),
        merge=MergeForm(prefix="merge"),
        triage=ActionForm(prefix="triage"),
    )
    return forms


def _render(report, who, forms, status: int = 200):
    detail = view.report_detail(who, report)
    duplicates = view.likely_duplicates(who, report) if who.role == roles.COORDINATOR else []
    can_move = {
        a.id: [
            t
            for t in workflow.allowed_assignment_targets(a.status, who.role)
            if (who.role == roles.COORDINATOR or a.unit_id == who.unit_id)
            and report.status not in (workflow.REJECTED, workflow.MERGED)
        ]
        for a in report.assignments
    }
    names = Names(report.municipality_id)
    return (
        render_template(
            "staff/report.html",
            report=report,
            detail=detail,
            unit_names=names.units,
            trace=routing_trace(names, detail.routing) if who.role != roles.STREET_WORKER else [],
            forms=forms,
            duplicates=duplicates,
            can_move=can_move,
            assignment_form=AssignmentForm(prefix="a"),
            contact_form=ActionForm(),
            report_targets=_report_targets(report, who),
            photos=attachments.photos_of(report.id),
            conversation=conversation.messages(report.id),
            feedback=conversation.feedback_of(report.id),
        ),
        status,
    )


def _report_targets(report, who) -> set[str]:
    allowed = workflow.REPORT_TRANSITIONS.get(report.status, {})
    return {t for t, who_may in allowed.items() if who.role in who_may}


def _load(report_id: int):
    who = actor()
    return who, access.get_visible_report(who, report_id)


@bp.get("/reports/<int:report_id>")
@roles_required(*STAFF)
def report(report_id: int):
    who, rep = _load(report_id)
    audit.record_access(who, rep, "view", "web")
    return _render(rep, who, _forms(rep, who))


def _back(report_id: int, message: str | None = None):
    if message:
        flash(message, "ok")
    return redirect(url_for("staff.report", report_id=report_id))


def _refused(report_id: int, exc: TransitionError):
    flash(_("That step is not possible from the current status."), "error")
    return redirect(url_for("staff.report", report_id=report_id))


def _again(report_id: int, name: str, form, fields: dict | None = None):
    """The report page again, with this form's problems next to its fields."""
    who, rep = _load(report_id)
    if fields:
        apply_errors(form, fields)
    forms = _forms(rep, who)
    forms[name] = form
    return _render(rep, who, forms, status=422)


def report_page_again(report_id: int, name: str, form, fields: dict | None = None):
    """For the report page's forms handled in other modules (web/photos.py)."""
    return _again(report_id, name, form, fields)


@bp.post("/reports/<int:report_id>/change")
@roles_required(roles.COORDINATOR)
def change(report_id: int):
    who, rep = _load(report_id)
    form = _forms(rep, who)["change"]
    if not form.validate_on_submit():
        return _again(report_id, "change", form)
    current = str(rep.district.number) if rep.district else ""
    # Only a changed district is sent: a district given replaces the report's point.
    district = form.district.data if form.district.data != current else None
    try:
        corrections.change_category_or_place(
            who,
            report_id,
            category=form.category.data,
            district=int(district) if district else None,
        )
    except ValidationFailed as exc:
        return _again(report_id, "change", form, exc.fields)
    except TransitionError as exc:
        return _refused(report_id, exc)
    return _back(report_id, _("Saved. The report is routed again."))


@bp.post("/reports/<int:report_id>/route")
@roles_required(roles.COORDINATOR)
def route(report_id: int):
    who, rep = _load(report_id)
    form = _forms(rep, who)["route"]
    if not form.validate_on_submit():
        return _again(report_id, "route", form)
    try:
        assign.assign_units(
            who,
            report_id,
            form.units.data or [],
            reason=(form.reason.data or "").strip() or "routed by hand by a coordinator",
            contact_units=form.contact_units.data or [],
        )
    except ValidationFailed as exc:
        return _again(report_id, "route", form, exc.fields)
    except TransitionError as exc:
        return _refused(report_id, exc)
    return _back(report_id, _("Sent to the chosen units."))


@bp.post("/reports/<int:report_id>/status")
@roles_required(roles.COORDINATOR)
def transition(report_id: int):
    """Triage, reject (with a reason) or merge into another report."""
    target = request.form.get("target", "")
    who, rep = _load(report_id)
    forms = _forms(rep, who)
    name = {"triaged": "triage", "rejected": "reject", "merged": "merge"}.get(target)
    if name is None:
        return _back(report_id)
    form = forms[name]
    if not form.validate_on_submit():
        return _again(report_id, name, form)
    duplicate_of = None
    if name == "merge":
        original = view.find_visible(who, form.duplicate_of.data)
        if original is None:
            return _again(report_id, name, form, {"duplicate_of": [_("No such report.")]})
        duplicate_of = original.id
    try:
        transitions.transition_report(
            who,
            report_id,
            target,
            reason=form.reason.data if name == "reject" else None,
            duplicate_of=duplicate_of,
        )
    except ValidationFailed as exc:
        return _again(report_id, name, form, exc.fields)
    except TransitionError as exc:
        return _refused(report_id, exc)
    return _back(report_id, _("Status changed."))


@bp.post("/reports/<int:report_id>/notes")
@roles_required(roles.COORDINATOR, roles.UNIT_MEMBER)
def note(report_id: int):
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _again(report_id, "note", form)
    try:
        audience = form.visibility.data
        if audience == "public":
            notes.add_note(actor(), report_id, form.body.data.strip(), "public")
        else:
            notes.add_note(actor(), report_id, form.body.data.strip(), "internal", audience)
    except ValidationFailed as exc:
        return _again(report_id, "note", form, exc.fields)
    return _back(report_id, _("Note added."))


@bp.post("/assignments/<int:assignment_id>")
@roles_required(roles.COORDINATOR, roles.UNIT_MEMBER)
def assignment(assignment_id: int):
    """A unit (or a coordinator) moves an assignment: acknowledge, in progress, close."""
    form = AssignmentForm(prefix="a")
    report_id = request.form.get("report_id", type=int)
    back = request.form.get("back")
    if not form.validate_on_submit() or report_id is None:
        return redirect(url_for("staff.inbox"))
    try:
        transitions.transition_assignment(
            actor(), assignment_id, form.status.data, outcome=form.outcome.data
        )
    except ValidationFailed:
        flash(_("Write the outcome the reporter will see, then close."), "error")
    except TransitionError as exc:
        return _refused(report_id, exc)
    else:
        flash(_("Saved."), "ok")
    if back == "inbox" and current_user.role == roles.UNIT_MEMBER:
        return redirect(url_for("staff.inbox"))
    return redirect(url_for("staff.report", report_id=report_id))


@bp.post("/assignments/<int:assignment_id>/contact")
@roles_required(roles.COORDINATOR)
def assignment_contact(assignment_id: int):
    """A coordinator gives an assigned unit the reporter's contact, or takes it back."""
    form = ActionForm()
    report_id = request.form.get("report_id", type=int)
    if not form.validate_on_submit() or report_id is None:
        return redirect(url_for("staff.queue"))
    shared = request.form.get("shared") == "1"
    assign.share_contact(actor(), assignment_id, shared)
    flash(
        _("The unit can now read the reporter's contact details.")
        if shared
        else _("The unit can no longer read the reporter's contact details."),
        "ok",
    )
    return redirect(url_for("staff.report", report_id=report_id))


@bp.get("/deliveries")
@roles_required(roles.COORDINATOR)
def deliveries():
    return render_template(
        "staff/deliveries.html",
        items=send.dead_letters(actor()),
        waiting=send.backlog(actor()),
        form=ActionForm(),
    )


@bp.post("/deliveries/<int:delivery_id>/resend")
@roles_required(roles.COORDINATOR)
def resend(delivery_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.deliveries"))
    resending.resend(actor(), delivery_id)  # a worker sends it (the outbox's event)
    flash(_("Sent again."), "ok")
    return redirect(url_for("staff.deliveries"))

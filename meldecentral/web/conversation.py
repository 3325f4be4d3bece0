"""The conversation with the reporter on the pages: the tracking page (the reporter answers a
question, adds information, asks to reopen, says whether they are satisfied) and staff's
question on the report page. The tracking page speaks the reporter's language unless the
visitor chose another one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import TooManyRequests

from meldecentral.domain import conversation as rules
from meldecentral.domain import roles
from meldecentral.security import count_request
from meldecentral.services.errors import Conflict, NotFound, ValidationFailed
from meldecentral.services.reference import municipalities
from meldecentral.services.reports import conversation
from meldecentral.web import public_bp, staff_bp
from meldecentral.web.common import actor, apply_errors, roles_required
from meldecentral.web.forms import (
    AnswerForm,
    FeedbackForm,
    InfoForm,
    QuestionForm,
    ReopenForm,
    TrackForm,
)
from meldecentral.web.triage import report_page_again

# The attachment service names its field "file"; on these forms it is the photo.
_ALIASES = {"file": "photo", "question_id": "body"}

FEEDBACK_REASONS = {"yes": rules.REASONS_SATISFIED, "no": rules.REASONS_UNSATISFIED}


def _municipality() -> str:
    return municipalities.current().code


def _language(view: dict) -> str | None:
    """The reporter's language for the page, unless the visitor chose one (the switch)."""
    if session.get("lang") in current_app.config["LANGUAGES"]:
        return None
    language = view.get("language")
    return language if language in current_app.config["LANGUAGES"] else None


def _forms(**given) -> dict:
    forms = {
        "answer": AnswerForm(prefix="answer", formdata=None),
        "info": InfoForm(prefix="info", formdata=None),
        "reopen": ReopenForm(prefix="reopen", formdata=None),
        "feedback": FeedbackForm(prefix="feedback", formdata=None),
    }
    forms.update(given)
    return forms


def _render(view: dict, **given) -> str:
    def page():
        return render_template(
            "public/track.html",
            view=view,
            forms=_forms(**given),
            feedback_reasons=FEEDBACK_REASONS,
        )

    language = _language(view)
    if language is None:
        return page()
    with force_locale(language):
        return page()


def _view_or_404(reference: str) -> dict:
    view = conversation.public_view(reference, _municipality())
    if view is None:
        raise NotFound("no report with that reference")
    return view


@public_bp.get("/track/<reference>")
def track(reference: str):
    count_request("RATELIMIT_TRACK", "track")  # shared with the API's look-ups
    view = conversation.public_view(reference, _municipality())
    if view is None:
        form = TrackForm(formdata=None, reference=reference)
        form.reference.errors = [_("No report has that reference. Check it and try again.")]
        return render_template("public/track_form.html", form=form), 404
    return _render(view)


def _reporter_post(reference: str, name: str, form, act, done: str):
    """One of the reporter's forms: counted against the submission limits (the reference is
    the key: guessing costs as much as sending reports), checked, done, and back to the page
    (what was typed kept when something is wrong)."""
    try:
        count_request("RATELIMIT_SUBMIT", "submit")
    except TooManyRequests as exc:
        _flash(reference, _l("Too many requests from this connection. Try again later."), "error")
        page = _render(_view_or_404(reference), **{name: form})
        return page, 429, {"Retry-After": exc.retry_after}
    if not form.validate_on_submit():
        return _render(_view_or_404(reference), **{name: form}), 422
    try:
        act()
    except ValidationFailed as exc:
        apply_errors(form, exc.fields, _ALIASES)
        return _render(_view_or_404(reference), **{name: form}), 422
    except Conflict:
        _flash(reference, _l("That is not possible for this report now."), "error")
    else:
        _flash(reference, done, "ok")
    return redirect(url_for("public.track", reference=reference))


def _flash(reference: str, message, category: str) -> None:
    """A message for the tracking page, in the language the page will speak."""
    language = _language({"language": conversation.language_of(reference, _municipality())})
    if language is None:
        flash(str(message), category)
        return
    with force_locale(language):
        flash(str(message), category)


def _photo(form):
    data = form.photo.data
    return data if data is not None and getattr(data, "filename", "") else None


@public_bp.post("/track/<reference>/answer")
def answer(reference: str):
    form = AnswerForm(prefix="answer")

    def act():
        question_id = form.question_id.data
        conversation.answer(
            reference,
            _municipality(),
            form.body.data,
            question_id=int(question_id) if (question_id or "").isdigit() else None,
            photo=_photo(form),
        )

    return _reporter_post(reference, "answer", form, act, _l("Thank you. Your answer was sent."))


@public_bp.post("/track/<reference>/info")
def add_info(reference: str):
    form = InfoForm(prefix="info")

    def act():
        conversation.add_info(reference, _municipality(), form.body.data, photo=_photo(form))

    return _reporter_post(
        reference, "info", form, act, _l("Thank you. Your information was added.")
    )


@public_bp.post("/track/<reference>/reopen")
def reopen(reference: str):
    form = ReopenForm(prefix="reopen")

    def act():
        conversation.request_reopen(reference, _municipality(), form.reason.data)

    return _reporter_post(reference, "reopen", form, act, _l("Your report is open again."))


@public_bp.post("/track/<reference>/feedback")
def feedback(reference: str):
    form = FeedbackForm(prefix="feedback")

    def act():
        conversation.give_feedback(
            reference,
            _municipality(),
            form.satisfied.data == "yes",
            form.reason.data or None,
            form.comment.data,
        )

    return _reporter_post(reference, "feedback", form, act, _l("Thank you for your answer."))


@staff_bp.post("/reports/<int:report_id>/question")
@roles_required(roles.COORDINATOR, roles.UNIT_MEMBER)
def ask(report_id: int):
    form = QuestionForm(prefix="question")
    if not form.validate_on_submit():
        return report_page_again(report_id, "question", form)
    try:
        conversation.ask(actor(), report_id, form.body.data)
    except ValidationFailed as exc:
        return report_page_again(report_id, "question", form, exc.fields)
    flash(_("Your question was sent to the reporter."), "ok")
    return redirect(url_for("staff.report", report_id=report_id))

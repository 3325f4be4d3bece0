"""The conversation with the reporter: staff ask, the reporter answers, adds information, asks
to reopen a resolved report, and says whether they are satisfied.

The reporter acts with the reference as the key (the tracking page or the API); the views count
those requests against the submission limits, as guessing guard. What the reporter writes lands
on the report (a message and a history row), and on the unit's assignment as "the reporter
answered" (``Assignment.reporter_replied_at``) for the inbox. A question is told to a reporter
who left an address through the outbox (event ``reporter.asked``: ids only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.db import outbox
from meldecentral.domain import conversation as rules
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.reasons import N_
from meldecentral.extensions import db
from meldecentral.models import Municipality, Report, ReporterFeedback, ReporterMessage
from meldecentral.models.conversation import ANSWER, INFO, QUESTION, REOPEN_REQUEST
from meldecentral.services.actor import RESIDENT, SYSTEM, Actor
from meldecentral.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import attachments, history, tracking
from meldecentral.services.reports.status import follow_assignments, lock_report


def _text(value: str | None, field: str, limit: int = rules.MAX_BODY) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{field} is required", {field: [N_("required")]})
    if len(text) > limit:
        raise ValidationFailed(f"{field} is too long", {field: [N_("too long")]})
    return text


# --- staff -----------------------------------------------------------------------------------


def ask(actor: Actor, report_id: int, body: str) -> ReporterMessage:
    """A coordinator, or a unit with the report, asks the reporter a question."""
    report = access.get_visible_report(actor, report_id)
    if actor.role not in (roles.COORDINATOR, roles.UNIT_MEMBER):
        raise Forbidden("only coordinators and units ask the reporter")
    if report.status in (workflow.MERGED, workflow.REJECTED):
        raise ValidationFailed(
            "the report is closed", {"body": [N_("the report is merged or rejected")]}
        )
    text = _text(body, "body")
    assignment = None
    if actor.role == roles.UNIT_MEMBER:
        assignment = next((a for a in report.assignments if a.unit_id == actor.unit_id), None)
        if assignment is None:
            raise Forbidden("the unit has no assignment on this report")
    report = lock_report(report.id)
    message = ReporterMessage(
        report_id=report.id,
        assignment_id=assignment.id if assignment else None,
        kind=QUESTION,
        body=text,
        author_id=actor.user_id,
        author_unit_id=actor.unit_id,
        created_at=clock.now(),
    )
    db.session.add(message)
    if assignment is not None:
        assignment.reporter_replied_at = None  # the unit is waiting again
    db.session.flush()
    history.append(
        report.id,
        actor,
        "reporter_question",
        assignment_id=message.assignment_id,
        data={"message_id": message.id},
    )
    outbox.record(events.REPORTER_ASKED, {"report_id": report.id, "message_id": message.id})
    db.session.commit()
    return message


def messages(report_id: int) -> list[ReporterMessage]:
    """The conversation of a report the caller has already loaded, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ReporterMessage)
            .where(ReporterMessage.report_id == report_id)
            .order_by(ReporterMessage.created_at, ReporterMessage.id)
        )
    )


def feedback_of(report_id: int) -> ReporterFeedback | None:
    return db.session.scalar(
        sa.select(ReporterFeedback).where(ReporterFeedback.report_id == report_id)
    )


# --- the reporter ----------------------------------------------------------------------------


def _by_reference(reference: str, municipality_code: str) -> Report:
    report = tracking.find(reference, municipality_code)
    if report is None:
        raise NotFound("no report with that reference")
    return report


def _mark_replied(report: Report, assignment_id: int | None, now: datetime) -> None:
    """The inbox's "the reporter answered": the asking unit's assignment, or (a coordinator's
    question, added information) every open one."""
    for a in report.assignments:
        if a.id == assignment_id or (
            assignment_id is None and a.status in workflow.OPEN_ASSIGNMENT_STATUSES
        ):
            a.reporter_replied_at = now


def _write(
    report: Report,
    kind: str,
    body: str,
    *,
    photo=None,
    question: ReporterMessage | None = None,
) -> ReporterMessage:
    """The reporter's message with its photo (through the attachment service's checks), its
    history row and the inbox mark, in one transaction."""
    now = clock.now()
    attachment = attachments.store_reporter_photo(report.id, photo) if photo else None
    try:
        message = ReporterMessage(
            report_id=report.id,
            assignment_id=question.assignment_id if question else None,
            kind=kind,
            body=body,
            question_id=question.id if question else None,
            attachment_id=attachment.id if attachment else None,
            created_at=now,
        )
        db.session.add(message)
        if question is not None:
            question.answered_at = now
        _mark_replied(report, question.assignment_id if question else None, now)
        db.session.flush()
        history.append(
            report.id,
            RESIDENT,
            f"reporter_{kind}",
            assignment_id=message.assignment_id,
            data={"message_id": message.id, "photo": attachment is not None},
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if attachment is not None:
            attachments.delete_files([attachment.storage_name])
        raise
    return message


def open_question(report_id: int) -> ReporterMessage | None:
    """The oldest question not yet answered."""
    return db.session.scalar(
        sa.select(ReporterMessage)
        .where(
            ReporterMessage.report_id == report_id,
            ReporterMessage.kind == QUESTION,
            ReporterMessage.answered_at.is_(None),
        )
        .order_by(ReporterMessage.id)
        .limit(1)
    )


def answer(
    reference: str, municipality_code: str, body: str, *, question_id: int | None = None, photo=None
) -> ReporterMessage:
    report = _by_reference(reference, municipality_code)
    text = _text(body, "body")
    report = lock_report(report.id)
    question = db.session.get(ReporterMessage, question_id) if question_id else None
    if question_id and (
        question is None or question.report_id != report.id or question.kind != QUESTION
    ):
        raise ValidationFailed("no such question", {"question_id": [N_("no such question")]})
    question = question or open_question(report.id)
    if question is None:
        raise Conflict("there is no question to answer", code="no_question")
    if question.answered_at is not None:
        raise Conflict("that question is answered already", code="answered")
    return _write(report, ANSWER, text, photo=photo, question=question)


def add_info(reference: str, municipality_code: str, body: str, *, photo=None) -> ReporterMessage:
    """More information on a report still being handled (a merged one is not: its reporter
    follows the report it was merged into)."""
    report = _by_reference(reference, municipality_code)
    text = _text(body, "body")
    report = lock_report(report.id)
    if not rules.may_add_info(report.status):
        raise Conflict("the report is no longer open", code="not_open")
    return _write(report, INFO, text, photo=photo)


def reopen_until(report: Report) -> datetime | None:
    days = db.session.scalar(
        sa.select(Municipality.reopen_days).where(Municipality.id == report.municipality_id)
    )
    return rules.reopen_until(report.status, report.closed_at, days or 0)


def request_reopen(reference: str, municipality_code: str, reason: str) -> ReporterMessage:
    """Within the municipality's period, a resolved report is reopened on the reporter's
    request: the assignments its units closed go back to them, marked in their inbox; the
    earlier outcomes stay in the history and on the tracking page."""
    report = _by_reference(reference, municipality_code)
    text = _text(reason, "reason")
    report = lock_report(report.id)
    until = reopen_until(report)
    if until is None or clock.now() > until:
        raise Conflict("the report can no longer be reopened", code="not_reopenable")
    for a in report.assignments:
        if a.status != workflow.CLOSED:
            continue
        workflow.check_assignment_transition(a.status, workflow.IN_PROGRESS, SYSTEM.role)
        a.status = workflow.IN_PROGRESS
        a.closed_at = None
        history.append(
            report.id,
            RESIDENT,
            "assignment_status",
            assignment_id=a.id,
            from_status=workflow.CLOSED,
            to_status=workflow.IN_PROGRESS,
            data={"unit": a.unit.code, "cause": "reopen_request"},
        )
        outbox.record(
            events.ASSIGNMENT_STATUS_CHANGED,
            {
                "report_id": report.id,
                "assignment_id": a.id,
                "from": workflow.CLOSED,
                "to": workflow.IN_PROGRESS,
                "cause": "reopen_request",
            },
        )
    db.session.flush()
    follow_assignments(report)
    return _write(report, REOPEN_REQUEST, text)


def give_feedback(
    reference: str,
    municipality_code: str,
    satisfied: bool,
    reason: str | None = None,
    comment: str | None = None,
) -> ReporterFeedback:
    report = _by_reference(reference, municipality_code)
    if not rules.reason_fits(satisfied, reason):
        raise ValidationFailed("unknown reason", {"reason": [N_("not a reason for that answer")]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > rules.MAX_COMMENT:
        raise ValidationFailed("comment is too long", {"comment": [N_("too long")]})
    report = lock_report(report.id)
    view = tracking.view_of(report)
    if not rules.may_give_feedback(
        report.status, bool(view["outcomes"]), feedback_of(report.id) is not None
    ):
        raise Conflict("no feedback can be given on this report now", code="no_feedback")
    row = ReporterFeedback(
        report_id=report.id,
        satisfied=satisfied,
        reason=reason,
        comment=comment,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    history.append(report.id, RESIDENT, "reporter_feedback", data={"satisfied": satisfied})
    db.session.commit()
    return row


@dataclass(frozen=True)
class ReporterSide:
    """What the tracking page offers the reporter now."""

    question: ReporterMessage | None
    may_add_info: bool
    reopen_until: datetime | None
    may_reopen: bool
    may_give_feedback: bool
    feedback: ReporterFeedback | None


def public_view(reference: str, municipality_code: str) -> dict | None:
    """The tracking page's and the API's view: the public facts (tracking.view_of), the
    conversation, and what the reporter may do now. None: no such reference."""
    report = tracking.find(reference, municipality_code)
    if report is None:
        return None
    view = tracking.view_of(report)
    view["messages"] = messages(report.id)
    view["reporter"] = reporter_side(report, bool(view["outcomes"]))
    return view


def language_of(reference: str, municipality_code: str) -> str | None:
    """The language the reporter used (None: not said, or no such reference)."""
    report = tracking.find(reference, municipality_code)
    return report.language if report else None


def reporter_side(report: Report, has_outcome: bool) -> ReporterSide:
    until = reopen_until(report)
    feedback = feedback_of(report.id)
    return ReporterSide(
        question=open_question(report.id),
        may_add_info=rules.may_add_info(report.status),
        reopen_until=until,
        may_reopen=until is not None and clock.now() <= until,
        may_give_feedback=rules.may_give_feedback(report.status, has_outcome, feedback is not None),
        feedback=feedback,
    )

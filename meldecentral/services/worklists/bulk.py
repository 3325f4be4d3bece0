"""Bulk actions on a selection of the triage queue: route, change the category, reject with
one reason, merge into one report. Each report goes through the same service as when acted on
alone (its checks, its history entry, its events), in a transaction of its own: one that is
refused (another coordinator moved it, its status does not allow the action) is reported with
the reason and the others go on."""

from __future__ import annotations

from dataclasses import dataclass

from meldecentral.domain import roles, workflow
from meldecentral.domain.reasons import N_
from meldecentral.domain.workflow import TransitionError
from meldecentral.extensions import db
from meldecentral.models import Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, ServiceError, ValidationFailed
from meldecentral.services.privacy import access
from meldecentral.services.reports import corrections, transitions
from meldecentral.services.routing import assign

ROUTE, CATEGORY, REJECT, MERGE = "route", "category", "reject", "merge"
ACTIONS = (ROUTE, CATEGORY, REJECT, MERGE)
MAX_REPORTS = 100  # per request: a page of the queue is 50


@dataclass(frozen=True)
class Outcome:
    report_id: int
    reference: str | None  # None: no such report for this actor
    ok: bool
    code: str | None = None  # why not: not_found, not_allowed, validation_error, ...
    message: str | None = None


def apply(
    actor: Actor,
    action: str,
    report_ids: list[int],
    *,
    units: list[str] | None = None,
    contact_units: list[str] | None = None,
    category: str | None = None,
    reason: str | None = None,
    into: int | None = None,
) -> list[Outcome]:
    """Apply ``action`` to each report (in the order given, each once); one Outcome per report.
    What the action itself needs is checked first, for all: a missing reason, unit or
    category, or a merge target one may not see, refuses the whole request
    (ValidationFailed) and changes nothing."""
    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators act on several reports at once")
    ids = list(dict.fromkeys(report_ids))
    _check(actor, action, ids, units, category, reason, into)
    out = []
    for report_id in ids:
        if action == MERGE and report_id == into:
            continue  # the one the others are merged into
        out.append(_one(actor, action, report_id, units, contact_units, category, reason, into))
    return out


def _check(actor, action, ids, units, category, reason, into) -> None:
    problems: dict[str, list] = {}
    if action not in ACTIONS:
        problems["action"] = [N_("unknown action")]
    if not ids:
        problems["reports"] = [N_("choose at least one report")]
    elif len(ids) > MAX_REPORTS:
        problems["reports"] = [N_("at most 100 reports at once")]
    if action == ROUTE and not units:
        problems["units"] = [N_("choose at least one unit")]
    if action == CATEGORY and not category:
        problems["category"] = [N_("required")]
    if action == REJECT and not (reason or "").strip():
        problems["reason"] = [N_("required")]
    if action == MERGE:
        if into is None:
            problems["into"] = [N_("required")]
        elif db.session.scalar(access.visible_reports(actor).where(Report.id == into)) is None:
            problems["into"] = [N_("no such report")]
    if problems:
        raise ValidationFailed("invalid bulk action", problems)


def _one(actor, action, report_id, units, contact_units, category, reason, into) -> Outcome:
    try:
        report = access.get_visible_report(actor, report_id)
    except ServiceError as exc:
        return Outcome(report_id, None, False, exc.code, exc.message)
    reference = report.reference
    try:
        if action == ROUTE:
            assign.assign_units(
                actor,
                report_id,
                units or [],
                reason="routed by hand by a coordinator (several at once)",
                contact_units=contact_units or (),
            )
        elif action == CATEGORY:
            corrections.change_category_or_place(actor, report_id, category=category)
        elif action == REJECT:
            transitions.transition_report(actor, report_id, workflow.REJECTED, reason=reason)
        else:
            transitions.transition_report(actor, report_id, workflow.MERGED, duplicate_of=into)
    except (TransitionError, ServiceError) as exc:  # both carry a code and a message
        db.session.rollback()
        return Outcome(report_id, reference, False, exc.code, exc.message)
    return Outcome(report_id, reference, True)

"""Need-to-know: which reports an actor may see. One query builder used by the API and pages."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound


def visible_reports(actor: Actor) -> sa.Select:
    query = sa.select(Report).where(Report.municipality_id == actor.municipality_id)
    if actor.role == roles.COORDINATOR:
        return query
    if actor.role == roles.UNIT_MEMBER and actor.unit_id is not None:
        assigned = sa.select(Assignment.report_id).where(Assignment.unit_id == actor.unit_id)
        return query.where(Report.id.in_(assigned))
    if actor.role == roles.STREET_WORKER:
        return query.where(Report.reporter_user_id == actor.user_id)
    return query.where(sa.false())


def readable_notes(actor: Actor) -> sa.ColumnElement[bool]:
    """Which notes of a report ``actor`` may see (a condition on ``Note``): the report page and
    the search both apply it. Today every note of a report one may see: internal notes are
    internal to the staff who have the report, not hidden among them."""
    del actor  # the rule does not depend on the role yet; the callers pass it for when it does
    return sa.true()


def get_visible_report(actor: Actor, report_id: int) -> Report:
    """The report, or NotFound: a report one may not see does not exist for them."""
    report = db.session.scalar(visible_reports(actor).where(Report.id == report_id))
    if report is None:
        raise NotFound("no such report")
    return report


def may_see_contact(actor: Actor, report: Report) -> bool:
    """Contact details only for those who must reply: coordinators, and a unit that has the
    report assigned."""
    if actor.role == roles.COORDINATOR:
        return True
    return actor.role == roles.UNIT_MEMBER and any(
        a.unit_id == actor.unit_id for a in report.assignments
    )

"""Need-to-know: which reports an actor may see. One query builder used by the API and pages."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import Assignment, Hotspot, HotspotReport, Note, Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound


def visible_reports(actor: Actor) -> sa.Select:
    query = sa.select(Report).where(Report.municipality_id == actor.municipality_id)
    if actor.role == roles.COORDINATOR:
        return query
    if actor.role == roles.UNIT_MEMBER and actor.unit_id is not None:
        assigned = sa.select(Assignment.report_id).where(Assignment.unit_id == actor.unit_id)
        if not _is_chief(actor):  # the lists' plain query for everyone else
            return query.where(Report.id.in_(assigned))
        # A hotspot's chief also sees the reports routed to the hotspot.
        chief_of = (
            sa.select(HotspotReport.report_id)
            .join(Hotspot, Hotspot.id == HotspotReport.hotspot_id)
            .where(Hotspot.chief_user_id == actor.user_id)
        )
        return query.where(sa.or_(Report.id.in_(assigned), Report.id.in_(chief_of)))
    if actor.role == roles.STREET_WORKER:
        return query.where(Report.reporter_user_id == actor.user_id)
    return query.where(sa.false())


def _is_chief(actor: Actor) -> bool:
    return actor.user_id is not None and bool(
        db.session.scalar(
            sa.select(sa.literal(1)).where(Hotspot.chief_user_id == actor.user_id).limit(1)
        )
    )


def get_visible_report(actor: Actor, report_id: int) -> Report:
    """The report, or NotFound: a report one may not see does not exist for them."""
    report = db.session.scalar(visible_reports(actor).where(Report.id == report_id))
    if report is None:
        raise NotFound("no such report")
    return report


def may_see_contact(actor: Actor, report: Report) -> bool:
    """Contact details only for those who must reply: coordinators, and a unit the report is
    assigned to whose rule, or a coordinator, gave it the contact (``contact_shared``)."""
    if actor.role == roles.COORDINATOR:
        return True
    return actor.role == roles.UNIT_MEMBER and any(
        a.unit_id == actor.unit_id and a.contact_shared for a in report.assignments
    )


# Who reads an internal note besides the coordinators and its author.
OWN_UNIT, ALL_UNITS = "own_unit", "all_units"
NOTE_AUDIENCES = (OWN_UNIT, ALL_UNITS)


def readable_notes(actor: Actor) -> sa.ColumnElement[bool]:
    """The notes ``actor`` may read on a report they may see (a condition on Note, for the
    report page, the API and search alike): public updates; internal notes of their own; as
    a coordinator every note; as a unit member the notes shared with every unit on the
    report, and those kept to their unit."""
    if actor.role == roles.COORDINATOR:
        return sa.true()
    readable = [Note.visibility == "public"]
    if actor.user_id is not None:
        readable.append(Note.author_id == actor.user_id)
    if actor.role == roles.UNIT_MEMBER and actor.unit_id is not None:
        readable.append(Note.shared_with == ALL_UNITS)
        readable.append(sa.and_(Note.shared_with == OWN_UNIT, Note.author_unit_id == actor.unit_id))
    return sa.or_(*readable)

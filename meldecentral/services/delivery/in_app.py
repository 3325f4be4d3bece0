"""The notification centre: in-app notifications stored for a unit (the in-app channel's
store), shown to its members (coordinators: the COORD unit's), read per user.

Read state is a row per (user, notification) read (``InAppRead``), not per-user copies of each
notification: an alert to a unit stays one write however many members it has or gets later,
and the unread count is one indexed query (the unit's notifications by ``ix_in_app_unit``
without a read row, probed by its primary key), over the latest ones only, so that it stays
cheap however long the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import InAppNotification, InAppRead, Report, Unit
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound
from meldecentral.services.privacy import access

COORDINATORS = "COORD"
# The header counts among the units' latest notifications only, so that its cost does not grow
# with their history (an index scan, a primary-key probe of each); "mark all" reaches older ones.
COUNT_WINDOW = 500
RECEIVERS = (roles.COORDINATOR, roles.UNIT_MEMBER)
OVERDUE = "assignment.overdue"


def store_in_app(message) -> None:
    """The in-app channel's store: one row per delivery (idempotent). ``message`` is the
    channel's (notifications.Message): its message_id, recipient (the unit's id), subject and
    payload (link, report, urgency, kind) are kept."""
    delivery_id = int(message.message_id.removeprefix("msg_"))
    exists = db.session.scalar(
        sa.select(InAppNotification.id).where(InAppNotification.delivery_id == delivery_id)
    )
    if exists:
        return
    payload = message.payload or {}
    kind = payload.get("type")
    db.session.add(
        InAppNotification(
            unit_id=int(message.recipient),
            delivery_id=delivery_id,
            report_id=payload.get("report_id"),
            urgent=payload.get("urgency") == "high" or kind == OVERDUE,
            kind=kind,
            subject=message.subject,
            link=payload.get("link"),
        )
    )
    db.session.flush()


def _units(actor: Actor) -> sa.Select | list[int]:
    """The units whose notifications the actor sees: a member's own unit; for a coordinator the
    municipality's COORD unit (a subquery: the count stays one statement)."""
    if actor.role == roles.COORDINATOR:
        return sa.select(Unit.id).where(
            Unit.municipality_id == actor.municipality_id, Unit.code == COORDINATORS
        )
    if actor.role == roles.UNIT_MEMBER and actor.unit_id is not None:
        return [actor.unit_id]
    return []


def _mine(actor: Actor) -> sa.ColumnElement[bool]:
    """The actor's units' notifications, and those for the actor alone (a hotspot's chief)."""
    return sa.or_(
        InAppNotification.unit_id.in_(_units(actor)), InAppNotification.user_id == actor.user_id
    )


def _unread(actor: Actor) -> sa.ColumnElement[bool]:
    return ~sa.exists().where(
        InAppRead.user_id == actor.user_id, InAppRead.notification_id == InAppNotification.id
    )


def receives(actor: Actor) -> bool:
    return actor.role in RECEIVERS and actor.user_id is not None


class Unread(NamedTuple):
    count: int  # among the latest COUNT_WINDOW
    urgent: int  # of them, the urgent ones


def unread(actor: Actor) -> Unread:
    """The header's figures, in one query: the actor's unread notifications among their units'
    latest ``COUNT_WINDOW``, and how many of them are urgent."""
    if not receives(actor):
        return Unread(0, 0)
    recent = (
        sa.select(InAppNotification.id, InAppNotification.urgent)
        .where(_mine(actor))
        .order_by(InAppNotification.id.desc())
        .limit(COUNT_WINDOW)
        .cte("recent")
    )
    # Only the user's reads within the window (a range of the read table's primary key):
    # otherwise the planner reads all of them, which grow with every notification ever read.
    reads = sa.select(InAppRead.notification_id).where(
        InAppRead.user_id == actor.user_id,
        InAppRead.notification_id >= sa.select(sa.func.min(recent.c.id)).scalar_subquery(),
    )
    fresh = recent.c.id.not_in(reads)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((fresh, 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(fresh, recent.c.urgent), 1), else_=0)), 0
            ),
        ).select_from(recent)
    ).one()
    return Unread(int(row[0]), int(row[1]))


@dataclass(frozen=True)
class Item:
    id: int
    kind: str | None
    subject: str
    urgent: bool
    unread: bool
    created_at: datetime
    report_id: int | None  # None when the actor may not open the report (or it is gone)
    reference: str | None
    # The report, only where the actor may see it: the page says what it is about in the
    # reader's language rather than the subject as it was sent.
    report: Report | None = None
    # Where a notification without a report leads (a detected hotspot, a hotspot's page).
    link: str | None = None


def notifications(actor: Actor, limit: int = 100) -> list[Item]:
    """The actor's notifications, newest first, each with whether this user has read it and a
    report to open only where the actor may see it (the report page checks again)."""
    if not receives(actor):
        return []
    read = (
        sa.select(InAppRead.notification_id)
        .where(
            InAppRead.user_id == actor.user_id,
            InAppRead.notification_id == InAppNotification.id,
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(InAppNotification, read)
        .where(_mine(actor))
        .order_by(InAppNotification.id.desc())
        .limit(limit)
    ).all()
    report_ids = {n.report_id for n, _ in rows if n.report_id is not None}
    visible = (
        {
            r.id: r
            for r in db.session.scalars(
                access.visible_reports(actor)
                .where(Report.id.in_(report_ids))
                .options(joinedload(Report.category), joinedload(Report.district))
            )
        }
        if report_ids
        else {}
    )
    return [
        Item(
            id=n.id,
            kind=n.kind,
            subject=n.subject,
            urgent=n.urgent,
            unread=not was_read,
            created_at=n.created_at,
            report_id=n.report_id if n.report_id in visible else None,
            reference=visible[n.report_id].reference if n.report_id in visible else None,
            report=visible.get(n.report_id),
            link=n.link if n.report_id is None and (n.link or "").startswith("/staff/") else None,
        )
        for n, was_read in rows
    ]


def mark_read(actor: Actor, notification_id: int) -> None:
    """One notification read by this user; one not for the actor's units does not exist."""
    found = (
        db.session.scalar(
            sa.select(InAppNotification.id).where(
                InAppNotification.id == notification_id,
                _mine(actor),
            )
        )
        if receives(actor)
        else None
    )
    if found is None:
        raise NotFound("no such notification")
    _insert_reads(actor, sa.select(sa.literal(found)))


def mark_all_read(actor: Actor) -> None:
    """Every unread notification of the actor's units read by this user."""
    if not receives(actor):
        return
    unread = sa.select(InAppNotification.id).where(_mine(actor), _unread(actor))
    _insert_reads(actor, unread)


def _insert_reads(actor: Actor, ids: sa.Select) -> None:
    """Read rows for ``ids`` in one INSERT ... SELECT that skips those already there (a second
    click), then commit. Two tabs racing: the loser's rows exist already, which is the point."""
    chosen = ids.subquery()
    notification_id = chosen.c[0]
    fresh = (
        sa.select(
            sa.literal(actor.user_id),
            notification_id,
            sa.literal(clock.now(), type_=InAppRead.__table__.c.read_at.type),
        )
        .select_from(chosen)
        .where(
            ~sa.exists().where(
                InAppRead.user_id == actor.user_id,
                InAppRead.notification_id == notification_id,
            )
        )
    )
    try:
        db.session.execute(
            sa.insert(InAppRead).from_select(["user_id", "notification_id", "read_at"], fresh)
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()

"""Notifications: one Delivery per (reason, recipient, channel), with every attempt logged."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


class Delivery(Model):
    __tablename__ = "delivery"
    __table_args__ = (sa.Index("ix_delivery_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # What it is about and why: the dedupe key makes a redelivered event a no-op.
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report.id", ondelete="SET NULL"), index=True
    )
    assignment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment.id", ondelete="SET NULL")
    )
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    audience: Mapped[str] = mapped_column(sa.String(20))  # unit | reporter
    channel: Mapped[str] = mapped_column(sa.String(20))
    # A unit's address is stored; a reporter's is looked up at send time, never copied here.
    recipient: Mapped[str | None] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # no report text, no personal data
    payload: Mapped[dict] = mapped_column(sa.JSON)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit = relationship("Unit")
    attempt_log = relationship(
        "DeliveryAttempt", order_by="DeliveryAttempt.id", lazy="selectin", viewonly=True
    )


class DeliveryAttempt(Model):
    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    duration_ms: Mapped[int]
    ok: Mapped[bool]
    receipt: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str | None] = mapped_column(sa.String(500))


class InAppNotification(Model):
    """An alert for a unit, shown in the app to every member (coordinators: the COORD unit's).
    Read state is per user (``InAppRead``): one row per reader, not per member and alert, so a
    unit's alert is one write whoever joins the unit later."""

    __tablename__ = "in_app_notification"
    # The unread count and the list: a unit's notifications, newest first.
    __table_args__ = (
        sa.Index("ix_in_app_unit", "unit_id", "id"),
        sa.Index("ix_in_app_user", "user_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # A unit's alert; or (unit None) one for a single user, e.g. a hotspot's chief.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery.id"), unique=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))
    # A high-urgency report's alert, or an overdue assignment's: shown apart.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    kind: Mapped[str | None] = mapped_column(sa.String(40))  # the payload's type
    subject: Mapped[str] = mapped_column(sa.String(200))
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InAppRead(Model):
    """A user has read a notification."""

    __tablename__ = "in_app_read"
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    notification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("in_app_notification.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

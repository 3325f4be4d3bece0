"""The access log: every view, export or print of a report. Append-only; no report text."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime, utcnow


class AccessLog(Model):
    __tablename__ = "access_log"
    __table_args__ = (
        sa.Index("ix_access_log_report", "report_id", "created_at"),
        sa.Index("ix_access_log_user", "user_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # When retention deletes a report, ON DELETE SET NULL nulls report_id and the row keeps
    # report_reference. That is the one UPDATE the PostgreSQL append-only trigger lets through
    # (migration 'attachments, retention'): the FK keeps the ids honest while the report exists,
    # and no other column of a logged access can ever change.
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))
    report_reference: Mapped[str | None] = mapped_column(sa.String(16))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(20))  # view | export | print | track | download
    channel: Mapped[str] = mapped_column(sa.String(10))  # api | web
    request_id: Mapped[str | None] = mapped_column(sa.String(40))
    # An export (action "export") is one entry for the whole list, without a report: the
    # list's name, format and filter (codes only, never personal data), and its rows.
    row_count: Mapped[int | None] = mapped_column(sa.Integer)
    filters: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

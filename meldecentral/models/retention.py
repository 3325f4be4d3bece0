"""What is left of a report deleted by the retention job: enough to count it and to answer
"what happened to MC-XXXX-XXXX", nothing about the case or the people in it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime, utcnow


class ReportTombstone(Model):
    __tablename__ = "report_tombstone"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(unique=True)  # the deleted report's id; no FK
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    category_code: Mapped[str] = mapped_column(sa.String(20))
    district_number: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(200))

"""Hotspots: areas found by the scan (``DetectedHotspot``), and temporary hotspots a coordinator
sets up with a chief (``Hotspot``), with the reports routed to them (``HotspotReport``)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow


class DetectedHotspot(Model):
    """One region the scan flagged (services.hotspots.detect, domain.scan): its H3 cells, the
    window, the evidence. Status: new, accepted (a temporary hotspot was made of it),
    dismissed."""

    __tablename__ = "detected_hotspot"
    __table_args__ = (sa.Index("ix_detected_hotspot_m_status", "municipality_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    centre_cell: Mapped[str] = mapped_column(sa.String(16))
    radius: Mapped[int]  # the k-ring's k
    cells: Mapped[list] = mapped_column(sa.JSON)
    resolution: Mapped[int]
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    baseline_weeks: Mapped[int]
    observed: Mapped[int]
    expected: Mapped[float]
    statistic: Mapped[float]  # the log-likelihood ratio
    p_value: Mapped[float]
    alpha: Mapped[float]
    replicas: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12), default="new")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    hotspot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hotspot.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Hotspot(Model):
    """A temporary hotspot: an area (GeoJSON polygon, WGS 84, with its bounding box), the days
    it is active (local dates, inclusive; ``starts_at``/``ends_at`` are their UTC bounds, end
    exclusive) and its chief, who gets the reports inside while it is active."""

    __tablename__ = "hotspot"
    __table_args__ = (sa.Index("ix_hotspot_active", "municipality_id", "status", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    area: Mapped[str] = mapped_column(sa.Text)  # GeoJSON geometry
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    chief_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="open")  # open | closed
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    chief = relationship("User", foreign_keys=[chief_user_id], lazy="joined")


class HotspotReport(Model):
    """A report routed to a hotspot's chief (the chief's inbox for that hotspot)."""

    __tablename__ = "hotspot_report"
    hotspot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hotspot.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

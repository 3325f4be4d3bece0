"""Routing rules (data, admin-editable) and the decisions taken with them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime, utcnow


class RoutingRule(Model):
    """One rule; ``definition`` is the dict that ``domain.routing.parse_rules`` reads."""

    __tablename__ = "routing_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    position: Mapped[int]  # order in the imported list
    definition: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoutingDecision(Model):
    """Why a report went where it went: the matched rules and the facts they matched on."""

    __tablename__ = "routing_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(sa.String(20))  # created | changed
    units: Mapped[list] = mapped_column(sa.JSON)
    added_units: Mapped[list] = mapped_column(sa.JSON)
    matched: Mapped[list] = mapped_column(sa.JSON)
    unrouted: Mapped[bool]
    explanation: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

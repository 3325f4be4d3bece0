"""Transactional outbox: events written in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime, utcnow

PENDING_SQL = "published_at IS NULL AND handled_at IS NULL"


class OutboxEvent(Model):
    __tablename__ = "outbox_event"
    __table_args__ = (
        sa.Index("ix_outbox_unhandled", "handled_at", "created_at"),
        # What the relay claims each round (and mc_outbox_unpublished counts): small
        # however long the table grows or however many published events wait in a queue.
        sa.Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=sa.text(PENDING_SQL),
            sqlite_where=sa.text(PENDING_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict] = mapped_column(sa.JSON)  # ids only, never personal data
    urgent: Mapped[bool] = mapped_column(default=False)
    request_id: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publish_attempts: Mapped[int] = mapped_column(default=0)
    # Set by the consumer when done; a published event never handled (its task was lost, e.g.
    # with a Redis restart) is published again by the sweeper.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

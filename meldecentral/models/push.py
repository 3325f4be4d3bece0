"""Web Push subscriptions: a staff user's browsers that take alerts (one row per browser)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model, UTCDateTime, utcnow


class PushSubscription(Model):
    __tablename__ = "push_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The push service's URL for this browser; unique: a browser subscribing again (or
    # another user signing in on it) takes the row over.
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

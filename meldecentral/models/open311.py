"""Open311 client applications: the api_key a civic app or a neighbouring city system sends
with each POST of a service request (GeoReport v2). Only the key's hash is kept."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow


class Open311Client(Model):
    __tablename__ = "open311_client"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The key submits reports to this municipality only.
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # to tell keys apart in lists
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User")

"""Staff users and their API tokens (stored as hashes only)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow


class User(UserMixin, Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))  # see domain.roles
    # Besides the role in their own municipality: may create municipalities and say where
    # they are reached (services.staff.platform). Sees nothing else of another one.
    platform_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The time step of the last code that signed in: a code is used once (services.staff.signin).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on logout/password change: sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit = relationship("Unit")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active


class ApiToken(Model):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

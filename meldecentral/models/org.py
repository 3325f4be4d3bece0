"""Units (who receives reports) and categories (what a report is about)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model


class Unit(Model):
    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "code", name="uq_unit_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    # Channels per urgency, e.g. {"high": ["webhook", "sms"], "normal": ["email"]}.
    channels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    email: Mapped[str | None] = mapped_column(sa.String(200))
    sms_number: Mapped[str | None] = mapped_column(sa.String(40))
    webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    # Addresses (and secrets) of the channels without a column above, by the field each channel
    # declares (notifications/): a new channel needs no migration.
    addresses: Mapped[dict | None] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(default=True)


class CategoryGroup(Model):
    """Categories grouped for the public figures (violence and threats, drugs, ...): residents
    read groups, which are large enough to publish more often than single categories."""

    __tablename__ = "category_group"
    __table_args__ = (
        sa.UniqueConstraint("municipality_id", "code", name="uq_category_group_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    label_da: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    # The weight of one report of this group in the safety index (docs/safety-index.md).
    severity: Mapped[float] = mapped_column(default=1.0)
    position: Mapped[int] = mapped_column(default=0)

    def label(self, language: str) -> str:
        return self.label_da if language == "da" else self.label_en


class Category(Model):
    __tablename__ = "category"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "code", name="uq_category_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    label_da: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    # Labels in the other resident languages ({"ar": "...", "tr": "..."}): data like the two
    # above, so a municipality names its own categories in each language.
    labels: Mapped[dict | None] = mapped_column(sa.JSON)
    kind: Mapped[str] = mapped_column(sa.String(10))  # crime | concern
    default_urgency: Mapped[str] = mapped_column(sa.String(10))
    # Happening now + this category = an emergency: the reporter is sent to 112.
    emergency_when_now: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The group the public figures count it in; None: counted in no group (left out).
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category_group.id"))

    def label(self, language: str) -> str:
        """The label in ``language``; English for any language without its own."""
        if language == "da":
            return self.label_da
        return (self.labels or {}).get(language) or self.label_en

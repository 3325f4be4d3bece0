"""Saved views: a user's named filter set for a work list, private or shared with a unit, and
each user's default view per list."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow

# The work lists a view can filter (services.worklists.views: which role has which).
LIST_KINDS = ("triage", "inbox")
NAME_MAX = 80


class SavedView(Model):
    """A filter set with a name. ``unit_id`` set: shared with that unit's members (for the
    coordinators, the COORD unit); None: the owner's alone. ``filters`` is a JSON object whose
    keys are the list's query parameters, checked against the list's schema when stored."""

    __tablename__ = "saved_view"
    __table_args__ = (
        sa.CheckConstraint("list_kind IN ('triage', 'inbox')", name="list_kind"),
        # The views shared with a unit, per list.
        sa.Index("ix_saved_view_unit", "unit_id", "list_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    owner_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    list_kind: Mapped[str] = mapped_column(sa.String(10))
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner = relationship("User")
    unit = relationship("Unit")


# Names unique per owner and list, whatever the case ("Mine" and "mine" are one name).
sa.Index(
    "uq_saved_view_owner_name",
    SavedView.owner_user_id,
    SavedView.list_kind,
    sa.func.lower(SavedView.name),
    unique=True,
)


class SavedViewDefault(Model):
    """The view a user's list opens on (one per user and list); it may be a view shared with
    the user's unit. Goes with the view."""

    __tablename__ = "saved_view_default"
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    list_kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    view_id: Mapped[int] = mapped_column(
        sa.ForeignKey("saved_view.id", ondelete="CASCADE"), index=True
    )

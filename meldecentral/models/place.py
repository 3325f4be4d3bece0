"""Municipalities and their districts (polygons stored as GeoJSON, with a bounding box)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from meldecentral.models.base import Model


class Municipality(Model):
    __tablename__ = "municipality"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # A new value with every edit of the routing rules: the workers' cache of the parsed rules
    # compares it (services.routing.rulebook). Random, not a counter or the rules' ids, which a
    # database may hand out again (SQLite reuses ids once the rows are gone).
    rules_version: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    # How many days after a report is resolved its reporter may ask to reopen it.
    reopen_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # Where its residents and staff reach it (services.reference.municipalities resolves each
    # request): host names (lower case, no port), and a path prefix, /k/<path_prefix>/...
    # A host is in one municipality's list only (checked by the service that saves it).
    hosts: Mapped[list | None] = mapped_column(sa.JSON)
    path_prefix: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    # Resident languages (config LANGUAGES) this municipality does not offer, e.g. until its
    # catalogue has been reviewed; its administrator switches them on and off.
    languages_off: Mapped[list | None] = mapped_column(sa.JSON)


class District(Model):
    __tablename__ = "district"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "number", name="uq_district_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(100))
    # GeoJSON geometry, WGS 84. Deferred: a report loads its district (joined) for the name and
    # number, and should not drag a few kilobytes of polygon along each time.
    geometry: Mapped[str] = mapped_column(sa.Text, deferred=True)
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]

"""The report aggregate: the report, its reporter's contact (kept apart), assignments,
notes and the append-only history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow

# The triage queue's order and the statuses it lists, as literal SQL: the partial index below
# and the queries in services/queues.py must use the very same expressions for the planner to
# match them (a bound parameter would not match an index expression or predicate).
URGENCY_RANK_SQL = "CASE urgency WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END"
OPEN_STATUSES_SQL = "status IN ('received', 'triaged', 'routed', 'in_progress')"
UNROUTED_STATUSES_SQL = "status IN ('received', 'triaged')"  # a report without assignments
OPEN_ASSIGNMENT_SQL = "status IN ('routed', 'acknowledged', 'in_progress')"


class Report(Model):
    __tablename__ = "report"
    __table_args__ = (
        sa.Index("ix_report_status_created", "status", "created_at"),
        sa.Index("ix_report_district_created", "district_id", "created_at"),
        sa.Index("ix_report_category_created", "category_id", "created_at"),
        # The staff list, newest first; on PostgreSQL also the dashboard's window of reports,
        # index-only (it carries what the dashboard reads of them).
        sa.Index(
            "ix_report_created",
            "created_at",
            "id",
            postgresql_include=["municipality_id", "urgency"],
        ),
        # The hotspot scan's one aggregate query: counts per H3 cell over a period (an
        # index-only scan on PostgreSQL).
        sa.Index("ix_report_cell_created", "municipality_id", "created_at", "h3_cell"),
        # The triage queue: open reports by urgency, nearest deadline, age (the municipality
        # first, so that counting the queue can be an index-only scan).
        sa.Index(
            "ix_report_triage",
            "municipality_id",
            sa.text(f"({URGENCY_RANK_SQL})"),
            "next_deadline",
            "created_at",
            "id",
            postgresql_where=sa.text(OPEN_STATUSES_SQL),
            sqlite_where=sa.text(OPEN_STATUSES_SQL),
        ),
        # The same order for the "unrouted" filter, over the few reports it can match.
        sa.Index(
            "ix_report_triage_unrouted",
            "municipality_id",
            sa.text(f"({URGENCY_RANK_SQL})"),
            "next_deadline",
            "created_at",
            "id",
            postgresql_where=sa.text(UNROUTED_STATUSES_SQL),
            sqlite_where=sa.text(UNROUTED_STATUSES_SQL),
        ),
        # The triage queue filtered by district (and status, category).
        sa.Index(
            "ix_report_open_place",
            "municipality_id",
            "district_id",
            "status",
            "category_id",
            postgresql_where=sa.text(OPEN_STATUSES_SQL),
            sqlite_where=sa.text(OPEN_STATUSES_SQL),
        ),
        # The staff list of open reports of a category, newest first, and its count: an
        # index-only scan (the status is carried along for the status filter).
        sa.Index(
            "ix_report_open_category",
            "municipality_id",
            "category_id",
            "created_at",
            "id",
            postgresql_include=["status"],
            postgresql_where=sa.text(OPEN_STATUSES_SQL),
            sqlite_where=sa.text(OPEN_STATUSES_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # the category's kind, e.g. crime | concern
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    text: Mapped[str] = mapped_column(sa.Text)  # never changes after submission
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # The point's H3 cell at domain.hotspots.RESOLUTION (set on intake), what the scan counts.
    h3_cell: Mapped[str | None] = mapped_column(sa.String(16))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    address_text: Mapped[str | None] = mapped_column(sa.String(300))
    minor_involved: Mapped[bool] = mapped_column(default=False)
    person_named: Mapped[bool] = mapped_column(default=False)
    interpreter_language: Mapped[str | None] = mapped_column(sa.String(20))
    housing_estate: Mapped[bool] = mapped_column(default=False)
    urgency: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), default="received")
    source: Mapped[str] = mapped_column(sa.String(10))  # staff | resident
    language: Mapped[str | None] = mapped_column(sa.String(10))
    reporter_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))
    # sha256 of the client's Idempotency-Key, and of the body it came with.
    idempotency_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The earliest acknowledgement deadline among its unacknowledged assignments (None when
    # there is none); kept by services.reports.status, so that the triage queue is an index
    # scan.
    next_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category = relationship("Category", lazy="joined")
    district = relationship("District", lazy="joined")
    reporter_user = relationship("User")
    assignments = relationship(
        "Assignment", back_populates="report", order_by="Assignment.id", lazy="selectin"
    )
    contact = relationship("ReporterContact", uselist=False, back_populates="report")


class ReporterContact(Model):
    """A resident's optional contact details, in their own table so that access to them can be
    granted and audited separately, and anonymised without touching the report."""

    __tablename__ = "reporter_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    wants_updates: Mapped[bool] = mapped_column(default=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    report = relationship("Report", back_populates="contact")


class Assignment(Model):
    __tablename__ = "assignment"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "unit_id", name="uq_assignment_report_unit"),
        sa.Index("ix_assignment_unit_status", "unit_id", "status", "ack_deadline"),
        # A unit's inbox: open assignments, unacknowledged first, by deadline.
        sa.Index(
            "ix_assignment_inbox",
            "unit_id",
            sa.text("(status <> 'routed')"),
            "ack_deadline",
            "id",
            postgresql_where=sa.text(OPEN_ASSIGNMENT_SQL),
            sqlite_where=sa.text(OPEN_ASSIGNMENT_SQL),
        ),
        # The dashboard's times to acknowledge and to close: the assignments of a window.
        # (index-only on PostgreSQL: it carries every column the dashboard reads)
        sa.Index(
            "ix_assignment_created",
            "created_at",
            postgresql_include=["report_id", "unit_id", "acknowledged_at", "closed_at"],
        ),
        # Overdue assignments (escalation, the overdue filter, the metrics gauge).
        sa.Index(
            "ix_assignment_routed_deadline",
            "ack_deadline",
            postgresql_where=sa.text("status = 'routed'"),
            sqlite_where=sa.text("status = 'routed'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="routed")
    outcome: Mapped[str | None] = mapped_column(sa.Text)  # visible to the reporter
    reason: Mapped[str | None] = mapped_column(sa.String(500))  # why it was routed here
    ack_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(default=0)  # 1 unit reminded, 2 coordinators
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The unit may read the reporter's contact: its rule said so, or a coordinator decided.
    contact_shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The reporter answered the unit's question, added information or asked to reopen since the
    # unit last acted on it: the inbox marks it (cleared by the unit's next question or move).
    reporter_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    report = relationship("Report", back_populates="assignments")
    unit = relationship("Unit", lazy="joined")


class Note(Model):
    __tablename__ = "note"
    # The Open311 updates feed reads notes by time (services/open311/updates.py).
    __table_args__ = (sa.Index("ix_note_created", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignment.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    visibility: Mapped[str] = mapped_column(sa.String(10))  # internal | public
    # An internal note's readers besides the coordinators and its author: the author's unit
    # (own_unit) or every unit on the report (all_units). None for a public note.
    shared_with: Mapped[str | None] = mapped_column(sa.String(10))
    author_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author = relationship("User")


class ReportEvent(Model):
    """History: one row per change, appended and never edited (enforced in the service layer
    and by a database trigger on PostgreSQL)."""

    __tablename__ = "report_event"
    # The Open311 updates feed reads status changes by time (services/open311/updates.py).
    __table_args__ = (sa.Index("ix_report_event_created", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignment.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str | None] = mapped_column(sa.String(20))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User")


class EmergencyRedirect(Model):
    """A submission turned away to 112. Only what is needed to count them: no text, no person."""

    __tablename__ = "emergency_redirect"
    # The dashboard counts a municipality's redirects of a window.
    __table_args__ = (sa.Index("ix_emergency_redirect_created", "municipality_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

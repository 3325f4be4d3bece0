"""The conversation with the reporter: staff's questions, the reporter's answers, added
information and reopen requests (``ReporterMessage``), and their satisfaction with the outcome
(``ReporterFeedback``). Both belong to the report aggregate and go when it goes (retention)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldecentral.models.base import Model, UTCDateTime, utcnow

QUESTION = "question"
ANSWER = "answer"
INFO = "info"
REOPEN_REQUEST = "reopen_request"
MESSAGE_KINDS = (QUESTION, ANSWER, INFO, REOPEN_REQUEST)


class ReporterMessage(Model):
    __tablename__ = "reporter_message"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('question', 'answer', 'info', 'reopen_request')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), index=True)
    # The assignment of the unit that asked (None: a coordinator asked, or the reporter wrote).
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignment.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    body: Mapped[str] = mapped_column(sa.Text)
    # An answer's question.
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reporter_message.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    author_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    # A photo the reporter sent with an answer or added information.
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A question's: when the reporter answered it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author_unit = relationship("Unit", lazy="joined")


class ReporterFeedback(Model):
    """Whether the reporter is satisfied with the outcome: once per report."""

    __tablename__ = "reporter_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), unique=True)
    satisfied: Mapped[bool]
    # One of domain.feedback.REASONS (optional).
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

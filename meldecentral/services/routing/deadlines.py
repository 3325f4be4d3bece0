"""The acknowledgement deadline of a new assignment (the calendar rules are in domain)."""

from __future__ import annotations

from datetime import datetime

from meldecentral.domain import deadlines
from meldecentral.models import Report

CHILD_CATEGORIES = ("UNG", "FAMILIE")
CHILD_UNIT = "BBU"


def deadline_for(report: Report, unit_code: str, now: datetime) -> datetime:
    due = deadlines.ack_deadline(now, report.urgency)
    if unit_code == CHILD_UNIT and (
        report.minor_involved or report.category.code in CHILD_CATEGORIES
    ):
        # A concern about a child is screened by children's services within 24 hours.
        due = min(due, deadlines.child_screening_deadline(now))
    return due

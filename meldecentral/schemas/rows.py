"""The work lists' items, dumped straight from database rows.

The contract stays in marshmallow (``ReportSummarySchema``, ``TriageItemSchema``,
``InboxItemSchema``: the OpenAPI document is made from them); these functions give the very
same dictionaries from the plain rows of ``services.worklists.queues`` (``SUMMARY_COLUMNS`` and what
follows them), without ORM objects and without marshmallow's per-field machinery, which cost
most of a list request's time. tests/integration/test_list_rows.py holds them to the schemas.
"""

from __future__ import annotations

from datetime import datetime

from meldecentral.domain import workflow

_ROUTED = workflow.ROUTED


def _iso(value: datetime | None) -> str | None:
    # fields.AwareDateTime dumps with datetime.isoformat (values are aware UTC already).
    return None if value is None else value.isoformat()


def report_summary(row) -> dict:
    """ReportSummarySchema from the 12 columns of ``services.worklists.queues.SUMMARY_COLUMNS``."""
    (
        id_,
        reference,
        kind,
        category,
        district,
        urgency,
        status,
        source,
        minor_involved,
        housing_estate,
        created_at,
        updated_at,
    ) = row[:12]
    return {
        "id": id_,
        "reference": reference,
        "kind": kind,
        "category": category,
        "district": district,
        "urgency": urgency,
        "status": status,
        "source": source,
        "minor_involved": bool(minor_involved),
        "housing_estate": bool(housing_estate),
        "created_at": None if created_at is None else created_at.isoformat(),
        "updated_at": None if updated_at is None else updated_at.isoformat(),
    }


def report_summaries(rows) -> list[dict]:
    return [report_summary(row) for row in rows]


def triage_item(row, units: list[str], now: datetime) -> dict:
    """TriageItemSchema from SUMMARY_COLUMNS followed by next_deadline; ``units`` as
    ``queues.assigned_units`` gives them, ``now`` the moment that decides "overdue"."""
    out = report_summary(row)
    deadline = row[12]
    out["next_deadline"] = _iso(deadline)
    out["overdue"] = deadline is not None and deadline <= now
    out["units"] = units
    return out


def inbox_item(row, now: datetime) -> dict:
    """InboxItemSchema from SUMMARY_COLUMNS (the report) followed by the assignment's id,
    status, ack_deadline, escalation_level, created_at and reporter_replied_at."""
    assignment_id, status, ack_deadline, escalation_level, assigned_at, replied = row[12:18]
    return {
        "assignment_id": assignment_id,
        "status": status,
        "ack_deadline": _iso(ack_deadline),
        "overdue": status == _ROUTED and ack_deadline is not None and ack_deadline <= now,
        "escalation_level": escalation_level,
        "assigned_at": _iso(assigned_at),
        "reporter_answered": replied is not None,
        "report": report_summary(row),
    }

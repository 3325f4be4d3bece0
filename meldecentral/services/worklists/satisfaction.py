"""The reporters' satisfaction per unit: each answer counts once for every unit the report was
assigned to (answers come only after the outcome: those units closed it; a merged report's
answer counts for the units of the report it was merged into), over the answers given in the
last days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from meldecentral import clock
from meldecentral.domain import workflow
from meldecentral.domain.conversation import Satisfaction, satisfaction_by_unit
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report, ReporterFeedback, Unit


@dataclass(frozen=True)
class SatisfactionStats:
    days: int
    units: list[Satisfaction]


def by_unit(municipality_id: int, days: int) -> SatisfactionStats:
    since = clock.now() - timedelta(days=days)
    # The report the units worked on: a merged report's original (one step: its outcome is
    # the original's, tracking.view_of).
    handled = sa.case(
        (Report.status == workflow.MERGED, Report.duplicate_of_id), else_=Report.id
    ).label("handled")
    answers = (
        sa.select(ReporterFeedback.id, ReporterFeedback.satisfied, ReporterFeedback.reason, handled)
        .join(Report, Report.id == ReporterFeedback.report_id)
        .where(Report.municipality_id == municipality_id, ReporterFeedback.created_at >= since)
        .subquery()
    )
    unit = orm.aliased(Unit)
    rows = db.session.execute(
        sa.select(unit.code, answers.c.satisfied, answers.c.reason)
        .select_from(answers)
        .join(Assignment, Assignment.report_id == answers.c.handled)
        .join(unit, unit.id == Assignment.unit_id)
    ).all()
    return SatisfactionStats(days=days, units=satisfaction_by_unit([tuple(r) for r in rows]))

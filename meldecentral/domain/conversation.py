"""The reporter's side of a report, as rules: what they may do in which state, the reopen
period, and the satisfaction form's fixed answers (Signalen's reporter feedback has the same
shape: yes or no, a reason from a short list, an optional comment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from meldecentral.domain import workflow

# The satisfaction form's reasons, by answer. Codes are stored; the pages translate them.
REASONS_SATISFIED = ("handled_quickly", "kept_informed", "problem_solved", "friendly")
REASONS_UNSATISFIED = ("too_slow", "not_informed", "problem_remains", "not_taken_seriously")
REASONS = REASONS_SATISFIED + REASONS_UNSATISFIED

MAX_BODY = 2000  # a question, an answer or added information
MAX_COMMENT = 1000


def may_add_info(status: str) -> bool:
    """Information is added to a report that is still being handled."""
    return status in workflow.OPEN_REPORT_STATUSES


def reopen_until(status: str, closed_at: datetime | None, days: int) -> datetime | None:
    """Until when the reporter may ask to reopen: only a resolved report (a rejected or merged
    one was a coordinator's decision), ``days`` after it was resolved. None: not at all."""
    if status != workflow.RESOLVED or closed_at is None or days <= 0:
        return None
    return closed_at + timedelta(days=days)


def may_request_reopen(status: str, closed_at: datetime | None, days: int, now: datetime) -> bool:
    until = reopen_until(status, closed_at, days)
    return until is not None and now <= until


def may_give_feedback(status: str, has_outcome: bool, given: bool) -> bool:
    """Once, after an outcome: the report is resolved, or merged into one with an outcome."""
    return not given and has_outcome and status in (workflow.RESOLVED, workflow.MERGED)


def reason_fits(satisfied: bool, reason: str | None) -> bool:
    if reason is None:
        return True
    return reason in (REASONS_SATISFIED if satisfied else REASONS_UNSATISFIED)


@dataclass(frozen=True)
class Satisfaction:
    """One unit's answers: how many, how many satisfied, and the reasons given."""

    unit: str
    answers: int
    satisfied: int
    reasons: dict[str, int]

    @property
    def share(self) -> float | None:
        return round(self.satisfied / self.answers, 3) if self.answers else None


def satisfaction_by_unit(rows: list[tuple[str, bool, str | None]]) -> list[Satisfaction]:
    """(unit code, satisfied, reason) per answer and unit that closed the report; units in
    order of their code."""
    acc: dict[str, list] = {}
    for unit, satisfied, reason in rows:
        entry = acc.setdefault(unit, [0, 0, {}])
        entry[0] += 1
        entry[1] += 1 if satisfied else 0
        if reason:
            entry[2][reason] = entry[2].get(reason, 0) + 1
    return [Satisfaction(u, a, s, dict(sorted(r.items()))) for u, (a, s, r) in sorted(acc.items())]

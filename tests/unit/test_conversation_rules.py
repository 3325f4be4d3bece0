"""The reporter's side as rules (domain/conversation.py): what they may do in which state, the
reopen period, the satisfaction form's reasons, and the per-unit tally."""

from datetime import UTC, datetime, timedelta

import pytest

from meldecentral.domain import conversation as rules

T = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("received", True),
        ("triaged", True),
        ("routed", True),
        ("in_progress", True),
        ("resolved", False),
        ("rejected", False),
        ("merged", False),
    ],
)
def test_information_is_added_to_open_reports_only(status, allowed):
    assert rules.may_add_info(status) is allowed


@pytest.mark.parametrize(
    ("status", "closed_at", "days", "now", "allowed"),
    [
        ("resolved", T, 30, T + timedelta(days=29), True),
        ("resolved", T, 30, T + timedelta(days=30), True),  # the last moment of the period
        ("resolved", T, 30, T + timedelta(days=30, seconds=1), False),
        ("resolved", T, 0, T, False),  # a municipality without reopening
        ("resolved", None, 30, T, False),
        ("rejected", T, 30, T, False),  # a coordinator's decision, not the reporter's
        ("merged", T, 30, T, False),
        ("in_progress", None, 30, T, False),
    ],
)
def test_reopen_within_the_municipalitys_period(status, closed_at, days, now, allowed):
    assert rules.may_request_reopen(status, closed_at, days, now) is allowed


@pytest.mark.parametrize(
    ("status", "has_outcome", "given", "allowed"),
    [
        ("resolved", True, False, True),
        ("merged", True, False, True),  # the outcome of the report it was merged into
        ("resolved", True, True, False),  # once
        ("merged", False, False, False),
        ("rejected", True, False, False),
        ("in_progress", True, False, False),  # reopened: after its next outcome
    ],
)
def test_feedback_once_after_an_outcome(status, has_outcome, given, allowed):
    assert rules.may_give_feedback(status, has_outcome, given) is allowed


def test_reasons_belong_to_their_answer():
    assert rules.reason_fits(True, None) and rules.reason_fits(False, None)
    assert all(rules.reason_fits(True, r) for r in rules.REASONS_SATISFIED)
    assert all(rules.reason_fits(False, r) for r in rules.REASONS_UNSATISFIED)
    assert not rules.reason_fits(True, "too_slow")
    assert not rules.reason_fits(False, "friendly")
    assert not rules.reason_fits(True, "made_up")


def test_satisfaction_by_unit():
    rows = [
        ("SSP", True, "friendly"),
        ("POLICE", False, "too_slow"),
        ("POLICE", True, None),
        ("POLICE", False, "too_slow"),
    ]
    police, ssp = rules.satisfaction_by_unit(rows)
    assert (police.unit, police.answers, police.satisfied) == ("POLICE", 3, 1)
    assert police.reasons == {"too_slow": 2} and police.share == 0.333
    assert (ssp.unit, ssp.share, ssp.reasons) == ("SSP", 1.0, {"friendly": 1})
    assert rules.satisfaction_by_unit([]) == []

"""Every (from, to, role) triple of both workflows, against an explicit table of what is
allowed. Anything not listed here must be refused."""

import itertools

import pytest

from meldecentral.domain import workflow as wf
from meldecentral.domain.roles import ALL_ACTORS
from meldecentral.domain.workflow import TransitionError

C, U, S = "coordinator", "unit_member", "system"

REPORT_ALLOWED = {
    ("received", "triaged", C),
    ("received", "routed", C),
    ("received", "routed", S),
    ("received", "rejected", C),
    ("received", "merged", C),
    ("triaged", "routed", C),
    ("triaged", "routed", S),
    ("triaged", "rejected", C),
    ("triaged", "merged", C),
    ("routed", "in_progress", S),
    ("routed", "resolved", S),
    ("routed", "triaged", C),
    ("routed", "rejected", C),
    ("routed", "merged", C),
    ("in_progress", "resolved", S),
    ("in_progress", "merged", C),
    ("resolved", "in_progress", S),
    ("rejected", "triaged", C),
}

ASSIGNMENT_ALLOWED = {
    ("routed", "acknowledged", U),
    ("routed", "acknowledged", C),
    ("routed", "closed", C),
    ("acknowledged", "in_progress", U),
    ("acknowledged", "in_progress", C),
    ("acknowledged", "closed", U),
    ("acknowledged", "closed", C),
    ("in_progress", "closed", U),
    ("in_progress", "closed", C),
    ("closed", "in_progress", C),
    ("closed", "in_progress", U),  # a unit reopens its own assignment
    ("closed", "in_progress", S),  # the reporter asked to reopen, within the period
}


def _cases(statuses, allowed) -> list:
    return list(_gen(statuses, allowed))


def _gen(statuses, allowed):
    for current, target, role in itertools.product(statuses, statuses, ALL_ACTORS):
        yield pytest.param(
            current,
            target,
            role,
            (current, target, role) in allowed,
            id=f"{current}->{target}:{role}",
        )


@pytest.mark.parametrize("current,target,role,ok", _cases(wf.REPORT_STATUSES, REPORT_ALLOWED))
def test_report_transitions(current, target, role, ok):
    if ok:
        wf.check_report_transition(current, target, role)
    else:
        with pytest.raises(TransitionError) as exc:
            wf.check_report_transition(current, target, role)
        # A move no one may make is "not_allowed"; one only others may make is "forbidden".
        anyone = any((current, target, r) in REPORT_ALLOWED for r in ALL_ACTORS)
        assert exc.value.code == ("forbidden" if anyone else "not_allowed")


@pytest.mark.parametrize(
    "current,target,role,ok", _cases(wf.ASSIGNMENT_STATUSES, ASSIGNMENT_ALLOWED)
)
def test_assignment_transitions(current, target, role, ok):
    if ok:
        wf.check_assignment_transition(current, target, role)
    else:
        with pytest.raises(TransitionError) as exc:
            wf.check_assignment_transition(current, target, role)
        anyone = any((current, target, r) in ASSIGNMENT_ALLOWED for r in ALL_ACTORS)
        assert exc.value.code == ("forbidden" if anyone else "not_allowed")


def test_unknown_status_is_named():
    with pytest.raises(TransitionError) as exc:
        wf.check_assignment_transition("routed", "done", C)
    assert exc.value.code == "unknown_status"


@pytest.mark.parametrize(
    "current,assignments,expected",
    [
        ("routed", ["routed"], "routed"),
        ("routed", ["routed", "acknowledged"], "in_progress"),
        ("routed", ["closed", "routed"], "in_progress"),
        ("in_progress", ["closed", "in_progress"], "in_progress"),
        ("in_progress", ["closed", "closed"], "resolved"),
        ("routed", ["closed"], "resolved"),
        ("resolved", ["closed", "in_progress"], "in_progress"),
        ("resolved", ["closed", "routed"], "in_progress"),
        ("rejected", ["closed"], "rejected"),
        ("merged", ["closed"], "merged"),
        ("received", ["routed"], "received"),
        ("routed", [], "routed"),
    ],
)
def test_report_follows_its_assignments(current, assignments, expected):
    assert wf.derived_report_status(current, assignments) == expected


def test_allowed_targets_for_a_unit_member():
    assert wf.allowed_assignment_targets("acknowledged", U) == ["in_progress", "closed"]
    assert wf.allowed_assignment_targets("closed", U) == ["in_progress"]

"""The status workflow as data, enforced in one place.

A report moves received -> triaged -> routed -> in_progress -> resolved (or rejected, or merged
into another report). Each unit a report is routed to follows it up in its own assignment:
routed -> acknowledged -> in_progress -> closed (with an outcome). The report's own
in_progress/resolved follow from its assignments (``derived_report_status``): a report routed to
two units is resolved only when both have closed.
"""

from __future__ import annotations

from collections.abc import Iterable

from meldecentral.domain.roles import COORDINATOR, SYSTEM, UNIT_MEMBER

# Report statuses
RECEIVED = "received"
TRIAGED = "triaged"
ROUTED = "routed"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
REJECTED = "rejected"
MERGED = "merged"
REPORT_STATUSES = (RECEIVED, TRIAGED, ROUTED, IN_PROGRESS, RESOLVED, REJECTED, MERGED)
OPEN_REPORT_STATUSES = (RECEIVED, TRIAGED, ROUTED, IN_PROGRESS)
FINAL_REPORT_STATUSES = (RESOLVED, REJECTED, MERGED)

# Assignment statuses (ROUTED and IN_PROGRESS share names with report statuses on purpose)
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"
ASSIGNMENT_STATUSES = (ROUTED, ACKNOWLEDGED, IN_PROGRESS, CLOSED)
OPEN_ASSIGNMENT_STATUSES = (ROUTED, ACKNOWLEDGED, IN_PROGRESS)

# from -> to -> roles allowed to make the move
REPORT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    RECEIVED: {
        TRIAGED: frozenset({COORDINATOR}),
        ROUTED: frozenset({COORDINATOR, SYSTEM}),
        REJECTED: frozenset({COORDINATOR}),
        MERGED: frozenset({COORDINATOR}),
    },
    TRIAGED: {
        ROUTED: frozenset({COORDINATOR, SYSTEM}),
        REJECTED: frozenset({COORDINATOR}),
        MERGED: frozenset({COORDINATOR}),
    },
    ROUTED: {
        IN_PROGRESS: frozenset({SYSTEM}),
        RESOLVED: frozenset({SYSTEM}),
        TRIAGED: frozenset({COORDINATOR}),  # taken back for re-triage
        REJECTED: frozenset({COORDINATOR}),
        MERGED: frozenset({COORDINATOR}),
    },
    IN_PROGRESS: {
        RESOLVED: frozenset({SYSTEM}),
        MERGED: frozenset({COORDINATOR}),
    },
    RESOLVED: {
        IN_PROGRESS: frozenset({SYSTEM}),  # an assignment was reopened
    },
    REJECTED: {
        TRIAGED: frozenset({COORDINATOR}),  # rejection undone
    },
    MERGED: {},
}

ASSIGNMENT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    ROUTED: {
        ACKNOWLEDGED: frozenset({UNIT_MEMBER, COORDINATOR}),
        CLOSED: frozenset({COORDINATOR}),  # withdrawn by the centre, with a reason
    },
    ACKNOWLEDGED: {
        IN_PROGRESS: frozenset({UNIT_MEMBER, COORDINATOR}),
        CLOSED: frozenset({UNIT_MEMBER, COORDINATOR}),
    },
    IN_PROGRESS: {
        CLOSED: frozenset({UNIT_MEMBER, COORDINATOR}),
    },
    CLOSED: {
        # Reopened: by the centre, by the unit (its own), or on the reporter's request.
        IN_PROGRESS: frozenset({COORDINATOR, UNIT_MEMBER, SYSTEM}),
    },
}

# A move into these needs text: the outcome the reporter sees, or the reason for a rejection.
ASSIGNMENT_NEEDS_TEXT = {CLOSED: "outcome"}
REPORT_NEEDS_TEXT = {REJECTED: "reason", MERGED: "duplicate_of"}


class TransitionError(Exception):
    """A refused move. ``code`` is machine-readable: unknown_status, not_allowed, forbidden."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _check(table: dict, kind: str, current: str, target: str, role: str) -> None:
    if target not in table:
        raise TransitionError("unknown_status", f"{target!r} is not a {kind} status")
    allowed = table.get(current, {})
    if target not in allowed:
        raise TransitionError("not_allowed", f"a {kind} cannot go from {current!r} to {target!r}")
    if role not in allowed[target]:
        raise TransitionError(
            "forbidden", f"role {role!r} may not move a {kind} from {current!r} to {target!r}"
        )


def check_report_transition(current: str, target: str, role: str) -> None:
    _check(REPORT_TRANSITIONS, "report", current, target, role)


def check_assignment_transition(current: str, target: str, role: str) -> None:
    _check(ASSIGNMENT_TRANSITIONS, "assignment", current, target, role)


def allowed_assignment_targets(current: str, role: str) -> list[str]:
    return [t for t, roles in ASSIGNMENT_TRANSITIONS.get(current, {}).items() if role in roles]


def derived_report_status(current: str, assignment_statuses: Iterable[str]) -> str:
    """The report status that its assignments imply, or ``current`` if they imply no change.

    Only reports that are routed or further along follow their assignments; a report a
    coordinator rejected or merged stays so.
    """
    statuses = list(assignment_statuses)
    if current not in (ROUTED, IN_PROGRESS, RESOLVED) or not statuses:
        return current
    if all(s == CLOSED for s in statuses):
        return RESOLVED
    if any(s in (ACKNOWLEDGED, IN_PROGRESS, CLOSED) for s in statuses):
        return IN_PROGRESS
    return current if current != RESOLVED else IN_PROGRESS

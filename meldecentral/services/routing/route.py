"""Routing reports by their municipality's rules: one path for one report or many.

``route_reports`` locks the reports, decides each by the rules, stores the decision with its
trace, assigns the units the rules name that the report does not have yet (``assign.plan_row``,
the plan routing by hand uses too), and writes the history, the events (handled here), the
reports' status and next deadline (``reports.status``) and the units' alerts
(``delivery.plan``): one statement per table for all the reports together, where an ORM unit of
work per report cost most of a routed report's CPU (bench/README.md).

It runs inside the caller's unit of work (``db.tx.worker_transaction``: a worker handling
``report.created`` or ``report.changed`` events), which commits everything together or nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from meldecentral import clock, metrics
from meldecentral.db import bulk, outbox, tx
from meldecentral.domain import events, hotspots, workflow
from meldecentral.domain.reasons import Reason
from meldecentral.domain.routing import Decision, decide
from meldecentral.extensions import db
from meldecentral.logs import request_id_var
from meldecentral.models import Assignment, Delivery, Report, RoutingDecision, Unit
from meldecentral.services.actor import SYSTEM
from meldecentral.services.delivery import plan
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.hotspots import chiefs
from meldecentral.services.reports import history, status
from meldecentral.services.routing import assign
from meldecentral.services.routing.rulebook import facts_of, load_rules

CREATED, CHANGED = "created", "changed"

# What routing reads of a report, loaded by the statement that locks it: the assignments too
# (not a selectin load after it: one round trip less per routed report).
ROUTING_LOADS = (
    joinedload(Report.category),
    joinedload(Report.district),
    joinedload(Report.assignments),
)

_assignment = Assignment.__table__
_insert_many = sa.insert(_assignment).returning(_assignment.c.id, sort_by_parameter_order=True)


def route_reports(
    report_ids: Iterable[int],
    trigger: str = CREATED,
    request_ids: dict[int, str | None] | None = None,
    *,
    alerts: bool = True,
) -> dict[int, list[Delivery]]:
    """Route these reports (``trigger``: ``created``, or ``changed`` when a coordinator
    corrected the category or place). Idempotent: a report routed on creation is not routed
    again by a redelivered event; a change routes again and only adds units not yet assigned; a
    rejected or merged report is left alone. A rule that names an unknown or inactive unit fails
    the whole call (ValidationFailed, naming the unit), as routing by hand does.

    ``request_ids``: report id -> the id of the request that caused it, carried on the rows
    written for that report (else the current one). ``alerts``: plan the units' alerts (the
    demo's past routes without). Returns, per report, the deliveries planned (claimed for this
    worker to send after the commit)."""
    if tx.collecting() is None:
        raise RuntimeError("route_reports runs inside a worker's unit of work (db.tx)")
    locked = _lock(report_ids)
    units = _units({report.municipality_id for report, _ in locked.values()})
    # Held, with the deliveries planned, until the worker has sent them: the identity map holds
    # objects weakly, and an alert's webhook secret is its unit's (no query per delivery).
    db.session.info.setdefault(plan.PLANNED_KEY, []).extend(units.active.values())
    now = clock.now()
    open_hotspots = chiefs.OpenHotspots({report.municipality_id for report, _ in locked.values()})
    rows: list[dict] = []  # the new assignments, in order
    routed: list[tuple[Report, list[Unit], str, set[str]]] = []
    chief_alerts: list[dict] = []  # deliveries to hotspots' chiefs
    for report_id in sorted(locked):
        report, routed_before = locked[report_id]
        if report.status in (workflow.REJECTED, workflow.MERGED):
            continue
        if trigger == CREATED and routed_before:
            continue
        # Inside an active temporary hotspot: to its chief as well, whatever the rules say.
        inside = chiefs.matches(report, open_hotspots)
        found = chiefs.not_linked(report, inside) if routed_before else inside
        chosen, why, contact, quiet = _decide(report, trigger, units, found, inside)
        chiefs.route_to_chiefs(report, found)
        if alerts:
            chief_alerts += plan.chief_rows(report, found)
        if chosen:
            rows += [
                assign.plan_row(report, unit, why, now, contact=unit.code in contact)
                for unit in chosen
            ]
            routed.append((report, chosen, why, quiet))
    if not rows:
        return _planned(chief_alerts)
    ids = iter(_insert_assignments(rows))
    new_rows = iter(rows)
    changes, alert_rows = [], []
    for report, chosen, why, quiet in routed:
        written = [(unit, next(ids), next(new_rows)) for unit in chosen]
        change = status.after_routing(report, [row["ack_deadline"] for _, _, row in written])
        with _request_of(report.id, request_ids):
            for unit, assignment_id, row in written:
                history.append(
                    report.id,
                    SYSTEM,
                    "assigned",
                    assignment_id=assignment_id,
                    to_status=workflow.ROUTED,
                    data={"unit": unit.code, "reason": why, "contact": row["contact_shared"]},
                )
                # Its handler's work (the unit's alert) is done here, set-wise, below.
                outbox.record_handled(
                    events.ASSIGNMENT_STATUS_CHANGED,
                    {
                        "report_id": report.id,
                        "assignment_id": assignment_id,
                        "from": None,
                        "to": workflow.ROUTED,
                    },
                    urgent=report.urgency == "high",
                )
                if alerts and unit.code not in quiet:
                    alert_rows += plan.alert_rows(report, unit, assignment_id, row["ack_deadline"])
            if change.status != change.old:
                # Handed to the caller's loop (its handler recounts the statistics if needed).
                status.record_change(
                    report.id,
                    change.old,
                    change.status,
                    SYSTEM,
                    staff_author=report.reporter_user_id is not None,
                )
        changes.append(change)
        # What the ORM holds of the report agrees with the row; nothing of it is flushed.
        set_committed_value(report, "status", change.status)
        set_committed_value(report, "next_deadline", change.next_deadline)
        set_committed_value(report, "closed_at", change.closed_at)
        db.session.expire(report, ["assignments", "updated_at"])
        if trigger == CREATED:  # report created -> assignments stored
            metrics.observe_routing((now - report.created_at).total_seconds())
    status.write_routed(changes)
    return _planned(alert_rows + chief_alerts)


def _planned(rows: list[dict]) -> dict[int, list[Delivery]]:
    planned: dict[int, list[Delivery]] = {}
    for delivery in plan.insert_planned(rows):
        planned.setdefault(delivery.report_id, []).append(delivery)
    return planned


def _decide(
    report: Report,
    trigger: str,
    units: _Units,
    found: list[chiefs.ChiefMatch] = (),
    inside: list[chiefs.ChiefMatch] = (),
) -> tuple[list[Unit], str, tuple[str, ...], set[str]]:
    """The report's decision, stored with its trace (and the hotspots ``found``, whose chiefs
    it goes to as well now; ``inside``: every active hotspot holding it); the units it adds,
    the codes of those given the reporter's contact, and of those not alerted (a need's
    chief's unit: the chief is told personally)."""
    decision = decide(load_rules(report.municipality_id), facts_of(report))
    assigned = {units.code_of.get(a.unit_id) for a in report.assignments}
    wanted, why, quiet = list(decision.units), decision.explain(), set()
    chief_units = _chief_units(report, units, inside)
    if chief_units:
        # A need inside a hotspot is for its chief to act on: assigned to the chief's unit
        # (where they acknowledge and close it), not where the rules send needs elsewhere.
        wanted, quiet = chief_units, set(chief_units)
        why = (
            f"a need inside a hotspot: to its chief's unit {', '.join(chief_units)}, "
            f"not by the rules ({why})"
        )
    added = [code for code in wanted if code not in assigned]
    unknown = sorted(c for c in added if (report.municipality_id, c) not in units.active)
    if unknown:
        raise ValidationFailed(
            "unknown unit", {"units": [Reason("unknown unit %(code)r", code=c) for c in unknown]}
        )
    chosen = [units.active[report.municipality_id, code] for code in added]
    store_decision(
        report,
        decision,
        "; ".join([why, *(match.explain() for match in found)]),
        trigger,
        [unit.code for unit in chosen],
        [m.trace() for m in found],
    )
    if not chosen and decision.unrouted and not chief_units:
        history.append(report.id, SYSTEM, "unrouted", data={"why": why})
    return chosen, why, decision.contact_units, quiet


def _chief_units(report: Report, units: _Units, found: list[chiefs.ChiefMatch]) -> list[str]:
    """A need inside hotspots: the active units of their chiefs (none for a chief without a
    unit, a coordinator: the rules send needs to the coordinators)."""
    if report.kind != hotspots.NEED:
        return []
    codes = []
    for match in found:
        code = units.code_of.get(match.chief_unit_id)
        if (report.municipality_id, code) in units.active and code not in codes:
            codes.append(code)
    return codes


class _request_of:
    """The id of the request behind a report, for the rows written for it."""

    def __init__(self, report_id: int, request_ids: dict[int, str | None] | None):
        self.request_id = request_ids.get(report_id) if request_ids is not None else None
        self.set = request_ids is not None
        self.token = None

    def __enter__(self):
        if self.set:
            self.token = request_id_var.set(self.request_id)

    def __exit__(self, *exc):
        if self.token is not None:
            request_id_var.reset(self.token)


def _lock(report_ids: Iterable[int]) -> dict[int, tuple[Report, bool]]:
    """The reports, locked in id order (two batches never wait for each other in a circle),
    with their category, district and assignments, and whether each was routed before."""
    decided = sa.select(RoutingDecision.id).where(RoutingDecision.report_id == Report.id).exists()
    rows = (
        db.session.execute(
            sa.select(Report, decided)
            .where(Report.id.in_(sorted(set(report_ids))))
            .order_by(Report.id)
            .options(*ROUTING_LOADS)
            .with_for_update(of=Report)  # only the reports' rows
        )
        .unique()
        .all()
    )
    return {report.id: (report, bool(routed)) for report, routed in rows}


class _Units(NamedTuple):
    active: dict[tuple[int, str], Unit]  # the units rules may name, by (municipality, code)
    code_of: dict[int, str]  # every unit's code, by id (a report's units, inactive ones too)


def _units(municipality_ids: set[int]) -> _Units:
    units = db.session.scalars(
        sa.select(Unit).where(Unit.municipality_id.in_(municipality_ids))
    ).all()
    return _Units(
        {(u.municipality_id, u.code): u for u in units if u.active}, {u.id: u.code for u in units}
    )


def _insert_assignments(rows: list[dict]) -> list[int]:
    """Insert the assignments; their ids in the order of ``rows``."""
    if db.engine.dialect.name != "postgresql":
        return list(db.session.execute(_insert_many, rows).scalars())
    columns = tuple(rows[0])
    got = {
        (report_id, unit_id): assignment_id
        for assignment_id, report_id, unit_id in db.session.execute(
            _insert_from_arrays(columns), bulk.params(columns, rows)
        )
    }  # (report, unit) is unique: no order of RETURNING is relied on
    return [got[row["report_id"], row["unit_id"]] for row in rows]


@functools.cache
def _insert_from_arrays(columns: tuple[str, ...]) -> sa.Insert:
    return (
        sa.insert(_assignment)
        .from_select(columns, bulk.rows_from_arrays(_assignment, columns))
        .returning(_assignment.c.id, _assignment.c.report_id, _assignment.c.unit_id)
    )


def store_decision(
    report: Report,
    decision: Decision,
    why: str,
    trigger: str,
    added: list[str],
    hotspots: list[dict] = (),
) -> None:
    """The decision with its trace, a Core row written with the unit of work."""
    tx.defer_insert(
        RoutingDecision.__table__,
        {
            "report_id": report.id,
            "trigger": trigger,
            "units": list(decision.units),
            "added_units": added,
            "matched": [asdict(m) for m in decision.matched] + list(hotspots),
            "unrouted": decision.unrouted,
            "explanation": why,
        },
    )

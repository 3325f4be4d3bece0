"""Routing a batch of new reports set-wise: what a busy worker does with the report.created
events of one ``handle_events`` task (workers.handlers.handle_created).

It writes the rows that routing each report alone writes (``route.route_report``,
``assign.assign_units``, ``plan.plan_assignment_alert``): the decision with its trace, the
assignments with their deadlines, the history, the events handled in the transaction, the
report's new status and next deadline, and the units' alerts. But it writes them as one
statement per table for the whole batch, where routing each report alone runs an ORM unit of
work per report (most of a routed report's CPU, bench/README.md). The caller's transaction
(db.tx.one_transaction) commits them together.

Only a plainly new report takes this way: received or triaged, no assignment yet, every unit
its rules name known and active. Any other is routed by ``route.route_report``, in the same
transaction; ``route_created`` returns those for the caller.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from meldecentral import clock, metrics
from meldecentral.db import bulk, outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.routing import decide
from meldecentral.extensions import db
from meldecentral.logs import request_id_var
from meldecentral.models import Assignment, Delivery, Report, RoutingDecision, Unit
from meldecentral.services.actor import SYSTEM
from meldecentral.services.delivery import plan
from meldecentral.services.reports import history
from meldecentral.services.routing import deadlines, route

NEW = (workflow.RECEIVED, workflow.TRIAGED)

_assignment = Assignment.__table__
_insert_many = sa.insert(_assignment).returning(_assignment.c.id, sort_by_parameter_order=True)
_report = Report.__table__
_update_reports = (
    sa.update(_report)
    .where(_report.c.id == sa.bindparam("rid"))
    .values(status=sa.bindparam("new_status"), next_deadline=sa.bindparam("new_deadline"))
)


@dataclass
class Result:
    # report id -> the deliveries planned for its alerts (claimed for this worker)
    planned: dict[int, list[Delivery]]
    # reports to route the ordinary way (route.route_report), in this transaction
    others: list[int]


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


def lock_reports(report_ids: Iterable[int]) -> dict[int, tuple[Report, bool]]:
    """The reports, locked in id order (two batches never wait for each other in a circle),
    with their category, district and assignments, and whether each was routed before."""
    decided = sa.select(RoutingDecision.id).where(RoutingDecision.report_id == Report.id).exists()
    rows = (
        db.session.execute(
            sa.select(Report, decided)
            .where(Report.id.in_(sorted(set(report_ids))))
            .order_by(Report.id)
            .options(*route.ROUTING_LOADS)
            .with_for_update(of=Report)
        )
        .unique()
        .all()
    )
    return {report.id: (report, bool(routed)) for report, routed in rows}


def _active_units(municipality_ids: set[int]) -> dict[tuple[int, str], Unit]:
    units = db.session.scalars(
        sa.select(Unit).where(Unit.municipality_id.in_(municipality_ids), Unit.active.is_(True))
    ).all()
    return {(u.municipality_id, u.code): u for u in units}


def route_created(report_ids: list[int], request_ids: dict[int, str | None]) -> Result:
    """Route these newly created reports (``request_ids``: report id -> the id of the request
    that created it, carried on the events recorded for it)."""
    locked = lock_reports(report_ids)
    result = Result(planned={}, others=[])
    units = _active_units({report.municipality_id for report, _ in locked.values()})
    # Held, with the deliveries planned, until the worker has sent them: the identity map holds
    # objects weakly, and an alert's webhook secret is its unit's (no query per delivery).
    db.session.info.setdefault(plan.PLANNED_KEY, []).extend(units.values())
    now = clock.now()
    new_rows: list[dict] = []  # the assignments, in order
    routed: list[tuple[Report, list[Unit], str]] = []
    for report_id in sorted(locked):
        report, routed_before = locked[report_id]
        if report.status in (workflow.REJECTED, workflow.MERGED) or routed_before:
            continue  # as route_report: nothing to do, the event is handled
        if report.status not in NEW or report.assignments:
            result.others.append(report_id)
            continue
        decision = decide(route.load_rules(report.municipality_id), route.facts_of(report))
        chosen = [units.get((report.municipality_id, code)) for code in decision.units]
        if None in chosen:
            result.others.append(report_id)  # route_report says which unit is unknown
            continue
        why = decision.explain()
        route.store_decision(report, decision, why, "created", list(decision.units))
        if not chosen:
            if decision.unrouted:
                history.append(report.id, SYSTEM, "unrouted", data={"why": why})
            continue
        workflow.check_report_transition(report.status, workflow.ROUTED, roles.SYSTEM)
        for unit in chosen:
            new_rows.append(
                {
                    "report_id": report.id,
                    "unit_id": unit.id,
                    "status": workflow.ROUTED,
                    "reason": why,
                    "created_at": now,
                    "ack_deadline": deadlines.deadline_for(report, unit.code, now),
                    "escalation_level": 0,
                }
            )
        routed.append((report, chosen, why))
    if not new_rows:
        return result
    ids = iter(_insert_assignments(new_rows))
    rows = iter(new_rows)
    updates, alerts = [], []
    for report, chosen, why in routed:
        token = request_id_var.set(request_ids.get(report.id))
        try:
            deadlines_waiting = []
            for unit in chosen:
                assignment_id, row = next(ids), next(rows)
                deadlines_waiting.append(row["ack_deadline"])
                history.append(
                    report.id,
                    SYSTEM,
                    "assigned",
                    assignment_id=assignment_id,
                    to_status=workflow.ROUTED,
                    data={"unit": unit.code, "reason": why},
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
                alerts += plan.alert_rows(report, unit, assignment_id, row["ack_deadline"])
            old = report.status
            history.append(report.id, SYSTEM, "status", from_status=old, to_status=workflow.ROUTED)
            # Handed to the caller's loop, as status.set_status's event is.
            outbox.record(
                events.REPORT_STATUS_CHANGED,
                {"report_id": report.id, "from": old, "to": workflow.ROUTED},
            )
        finally:
            request_id_var.reset(token)
        waiting = [d for d in deadlines_waiting if d is not None]
        next_deadline = min(waiting) if waiting else None
        updates.append(
            {"rid": report.id, "new_status": workflow.ROUTED, "new_deadline": next_deadline}
        )
        # What the ORM holds of the report agrees with the row; nothing of it is flushed.
        set_committed_value(report, "status", workflow.ROUTED)
        set_committed_value(report, "next_deadline", next_deadline)
        db.session.expire(report, ["assignments", "updated_at"])
        metrics.observe_routing((now - report.created_at).total_seconds())
    db.session.execute(_update_reports, updates)
    for delivery in plan.insert_planned(alerts):
        result.planned.setdefault(delivery.report_id, []).append(delivery)
    return result

"""Routing a report: apply the municipality's rules, store the decision with its trace, and
assign the units (with acknowledgement deadlines)."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from meldecentral import clock, metrics
from meldecentral.db import tx
from meldecentral.domain import workflow
from meldecentral.domain.routing import Decision, decide
from meldecentral.extensions import db
from meldecentral.models import Report, RoutingDecision
from meldecentral.services.actor import SYSTEM
from meldecentral.services.reports import history
from meldecentral.services.routing import assign
from meldecentral.services.routing.rulebook import facts_of, load_rules

# What routing reads of a report, loaded by the statement that locks it: the assignments too
# (not a selectin load after it: one round trip less per routed report).
ROUTING_LOADS = (
    joinedload(Report.category),
    joinedload(Report.district),
    joinedload(Report.assignments),
)


def route_report(report_id: int, trigger: str = "created") -> RoutingDecision | None:
    """Idempotent: a report already routed on creation is not routed again by a redelivered
    event; a change (category, place) routes again and only adds units not yet assigned.
    Returns the decision stored (None in a worker's one transaction, or if not routed)."""
    # Lock the report: two deliveries of one event must not route it twice.
    decided = sa.select(RoutingDecision.id).where(RoutingDecision.report_id == report_id).exists()
    row = (
        db.session.execute(
            sa.select(Report, decided)
            .where(Report.id == report_id)
            .options(*ROUTING_LOADS)
            .with_for_update(of=Report)  # only the report's row
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    report, routed_before = row
    if report.status in (workflow.REJECTED, workflow.MERGED):
        return None
    if trigger == "created" and routed_before:
        return None
    decision = decide(load_rules(report.municipality_id), facts_of(report))
    assigned = {a.unit.code for a in report.assignments}
    added = [u for u in decision.units if u not in assigned]
    why = decision.explain()
    row = store_decision(report, decision, why, trigger, added)
    if added:
        created_at = report.created_at
        assign.assign_units(SYSTEM, report.id, added, reason=why, locked=report)
        if trigger == "created":  # report created -> assignments stored
            metrics.observe_routing((clock.now() - created_at).total_seconds())
    else:
        if decision.unrouted:
            history.append(report.id, SYSTEM, "unrouted", data={"why": why})
        tx.commit()
    return row


def store_decision(
    report: Report, decision: Decision, why: str, trigger: str, added: list[str]
) -> RoutingDecision | None:
    """The decision with its trace; in a worker's one transaction a Core row (db.tx),
    and None is returned."""
    values = {
        "report_id": report.id,
        "trigger": trigger,
        "units": list(decision.units),
        "added_units": added,
        "matched": [asdict(m) for m in decision.matched],
        "unrouted": decision.unrouted,
        "explanation": why,
    }
    if tx.defer_insert(RoutingDecision.__table__, values):
        return None
    row = RoutingDecision(**values)
    db.session.add(row)  # flushed with the assignments
    return row

"""Routing: apply the municipality's rules to a report, store the decision with its trace, and
assign the units (with acknowledgement deadlines)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from meldecentral import clock, metrics
from meldecentral.domain import workflow
from meldecentral.domain.routing import Decision, ReportFacts, Rule, decide, parse_rules
from meldecentral.extensions import db
from meldecentral.models import Report, RoutingDecision, RoutingRule, Unit
from meldecentral.services import followup, history, tx
from meldecentral.services.actor import SYSTEM
from meldecentral.services.errors import ValidationFailed

# Parsed rule sets per (database, municipality), with the version they were parsed from:
# replace_rules writes new rows, so (count, max id) changes with every edit. Checking it is one
# index-only query; parsing (areas become shapely polygons) is done once per edit and process.
_rules_cache: dict[tuple[str, int], tuple[tuple, list[Rule]]] = {}


# Within a batch of events (workers.tasks.handle_events) the version is checked once per
# municipality: an edit takes effect from the next batch, and a busy worker saves a query per
# report. Outside a batch (None) it is checked every time.
_batch_versions: ContextVar[dict | None] = ContextVar("routing_rule_versions", default=None)


@contextmanager
def one_rule_check():
    """Check the rule set's version once for the events handled inside."""
    token = _batch_versions.set({})
    try:
        yield
    finally:
        _batch_versions.reset(token)


def load_rules(municipality_id: int) -> list[Rule]:
    key = (str(db.engine.url), municipality_id)
    checked = _batch_versions.get()
    version = checked.get(key) if checked is not None else None
    if version is None:
        version = tuple(
            db.session.execute(
                sa.select(sa.func.count(RoutingRule.id), sa.func.max(RoutingRule.id)).where(
                    RoutingRule.municipality_id == municipality_id
                )
            ).one()
        )
        if checked is not None:
            checked[key] = version
    cached = _rules_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = db.session.scalars(
        sa.select(RoutingRule.definition)
        .where(RoutingRule.municipality_id == municipality_id)
        .order_by(RoutingRule.position)
    ).all()
    rules = parse_rules(list(rows)) if rows else []
    _rules_cache[key] = (version, rules)
    return rules


def replace_rules(municipality_id: int, definitions: list[dict]) -> list[Rule]:
    """Validate and store a whole rule set (the admin API and the CLI import use this)."""
    known = db.session.scalars(
        sa.select(Unit.code).where(Unit.municipality_id == municipality_id)
    ).all()
    try:
        rules = parse_rules(definitions, known_units=known)
    except ValueError as exc:
        field = getattr(exc, "field", None) or "rules"
        raise ValidationFailed("invalid routing rules", {field: [str(exc)]}) from None
    db.session.execute(sa.delete(RoutingRule).where(RoutingRule.municipality_id == municipality_id))
    for position, definition in enumerate(definitions):
        db.session.add(
            RoutingRule(municipality_id=municipality_id, position=position, definition=definition)
        )
    db.session.commit()
    return rules


def facts_of(report: Report) -> ReportFacts:
    return ReportFacts(
        category=report.category.code,
        district=report.district.number if report.district else None,
        lat=report.lat,
        lon=report.lon,
        minor_involved=report.minor_involved,
        person_named=report.person_named,
        housing_estate=report.housing_estate,
        interpreter_language=report.interpreter_language,
        urgency=report.urgency,
        kind=report.kind,
        created_at=report.created_at,
    )


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
        followup.assign_units(SYSTEM, report.id, added, reason=why, locked=report)
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
    """The decision with its trace; in a worker's one transaction a Core row (services.tx),
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


def dry_run(
    municipality_id: int, definitions: list[dict] | None, since: datetime, limit: int = 100_000
) -> list[dict]:
    """Replays ``definitions`` (or the stored rules) over past reports and lists each report
    whose units would differ from the units it has now. Changes nothing."""
    rules = parse_rules(definitions) if definitions is not None else load_rules(municipality_id)
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.municipality_id == municipality_id, Report.created_at >= since)
        .order_by(Report.id)
        .limit(limit)
    ).all()
    changes = []
    for report in reports:
        now_units = sorted({a.unit.code for a in report.assignments})
        decision = decide(rules, facts_of(report))
        would = sorted(decision.units)
        if would != now_units:
            changes.append(
                {
                    "report_id": report.id,
                    "reference": report.reference,
                    "category": report.category.code,
                    "now": now_units,
                    "would": would,
                    "why": decision.explain(),
                }
            )
    return changes

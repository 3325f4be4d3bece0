"""A municipality's routing rules: stored, validated, cached per process, replayed."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

import sqlalchemy as sa

from meldecentral.domain.routing import ReportFacts, Rule, decide, parse_rules
from meldecentral.extensions import db
from meldecentral.models import Municipality, Report, RoutingRule, Unit
from meldecentral.services.errors import ValidationFailed

# Parsed rule sets per (database, municipality), with the version they were parsed from:
# replace_rules gives the municipality a new rules_version with every edit. Checking it is one
# primary-key lookup; parsing (areas become shapely polygons) is done once per edit and process.
_rules_cache: dict[tuple[str, int], tuple[str | None, list[Rule]]] = {}


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
        version = db.session.scalar(
            sa.select(Municipality.rules_version).where(Municipality.id == municipality_id)
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
        raise ValidationFailed(
            "invalid routing rules", {field: [getattr(exc, "reason", None) or str(exc)]}
        ) from None
    db.session.execute(sa.delete(RoutingRule).where(RoutingRule.municipality_id == municipality_id))
    for position, definition in enumerate(definitions):
        db.session.add(
            RoutingRule(municipality_id=municipality_id, position=position, definition=definition)
        )
    db.session.execute(
        sa.update(Municipality)
        .where(Municipality.id == municipality_id)
        .values(rules_version=uuid.uuid4().hex)
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

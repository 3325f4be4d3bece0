"""Submitting a report: validate against the database, store, record history and the event."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from meldecentral import clock, metrics
from meldecentral.domain import roles, workflow
from meldecentral.domain.emergency import is_emergency
from meldecentral.domain.reference import new_reference
from meldecentral.extensions import db
from meldecentral.models import Category, District, EmergencyRedirect, Report, ReporterContact
from meldecentral.services import events, geo, history
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Conflict, EmergencyRedirected, ValidationFailed

log = logging.getLogger(__name__)

EMERGENCY_MESSAGE = (
    "This is not an emergency service. If something is happening now and someone is in danger, "
    "call 112. For the police when it is not urgent, call 114."
)


@dataclass
class Submission:
    report: Report
    replayed: bool  # True when an Idempotency-Key returned an earlier report


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_hash(actor: Actor, key: str) -> str:
    # Scoped to the submitter, so one client's key can never fetch another's report.
    return _hash(f"{actor.user_id or 'anonymous'}:{key}")


def request_fingerprint(data: dict) -> str:
    return _hash(json.dumps(data, sort_keys=True, default=str))


def resolve_category(municipality_id: int, code: str) -> Category:
    category = db.session.scalar(
        sa.select(Category).filter_by(municipality_id=municipality_id, code=code, active=True)
    )
    if category is None:
        raise ValidationFailed("invalid report", {"category": [f"unknown category {code!r}"]})
    return category


def resolve_district(municipality_id: int, data: dict) -> int | None:
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None:
        district_id = geo.district_for_point(municipality_id, lon, lat)
        if district_id is None:
            raise ValidationFailed(
                "invalid report", {"location": ["the point is outside every district"]}
            )
        return district_id
    if data.get("district") is not None:
        district_id = db.session.scalar(
            sa.select(District.id).filter_by(
                municipality_id=municipality_id, number=data["district"]
            )
        )
        if district_id is None:
            raise ValidationFailed("invalid report", {"district": ["unknown district"]})
        return district_id
    return None


def _find_by_idempotency(key_hash: str) -> Report | None:
    return db.session.scalar(sa.select(Report).filter_by(idempotency_hash=key_hash))


def _replay(existing: Report, fingerprint: str) -> Submission:
    if existing.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different report",
            {"Idempotency-Key": ["already used with a different body"]},
            code="idempotency_key_reused",
        )
    return Submission(existing, replayed=True)


def _written_columns(report: Report) -> dict:
    return {
        c.key: getattr(report, c.key)
        for c in sa.inspect(Report).column_attrs
        if c.key in report.__dict__
    }


def _keep_loaded(report: Report, values: dict) -> None:
    """The commit expired the report; what was just written is known, so mark it loaded
    rather than read it back (one SELECT less per submission)."""
    for key, value in values.items():
        set_committed_value(report, key, value)


def submit_report(actor: Actor, data: dict, *, idempotency_key: str | None = None) -> Submission:
    """``data`` has passed the API schema. Raises ValidationFailed, EmergencyRedirected,
    Conflict."""
    municipality_id = actor.municipality_id
    key_hash = idempotency_hash(actor, idempotency_key) if idempotency_key else None
    fingerprint = request_fingerprint(data)
    if key_hash:
        existing = _find_by_idempotency(key_hash)
        if existing is not None:
            return _replay(existing, fingerprint)

    category = resolve_category(municipality_id, data["category"])
    district_id = resolve_district(municipality_id, data)

    if is_emergency(
        happening_now=data.get("happening_now", False),
        category_is_emergency=category.emergency_when_now,
        child_in_danger=data.get("child_in_danger", False),
    ):
        db.session.add(
            EmergencyRedirect(
                municipality_id=municipality_id, category_id=category.id, district_id=district_id
            )
        )
        db.session.commit()
        raise EmergencyRedirected(EMERGENCY_MESSAGE)

    urgency = category.default_urgency
    if actor.is_staff and data.get("urgency"):
        urgency = data["urgency"]

    for _attempt in range(5):
        report = Report(
            municipality_id=municipality_id,
            reference=new_reference(),
            kind=data.get("kind") or category.kind,
            category_id=category.id,
            text=data["text"],
            occurred_at=data.get("occurred_at"),
            lat=data.get("lat"),
            lon=data.get("lon"),
            district_id=district_id,
            address_text=data.get("address_text"),
            minor_involved=data.get("minor_involved", False),
            person_named=data.get("person_named", False),
            interpreter_language=data.get("interpreter_language"),
            housing_estate=data.get("housing_estate", False),
            urgency=urgency,
            status=workflow.RECEIVED,
            source="staff" if actor.is_staff else "resident",
            language=data.get("language"),
            reporter_user_id=actor.user_id if actor.is_staff else None,
            idempotency_hash=key_hash,
            request_hash=fingerprint if key_hash else None,
            created_at=clock.now(),
        )
        db.session.add(report)
        contact = data.get("contact") or {}
        if actor.role == roles.RESIDENT and any(contact.get(k) for k in ("name", "email", "phone")):
            report.contact = ReporterContact(
                name=contact.get("name"),
                email=contact.get("email"),
                phone=contact.get("phone"),
                wants_updates=contact.get("wants_updates", True),
            )
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if key_hash:
                existing = _find_by_idempotency(key_hash)
                if existing is not None:  # a concurrent retry won the race
                    return _replay(existing, fingerprint)
            continue  # reference collision: draw another
        history.append(report.id, actor, "created", to_status=workflow.RECEIVED)
        events.record(events.REPORT_CREATED, {"report_id": report.id}, urgent=urgency == "high")
        written = _written_columns(report)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if key_hash and (existing := _find_by_idempotency(key_hash)) is not None:
                return _replay(existing, fingerprint)
            continue
        _keep_loaded(report, written)
        metrics.report_submitted(report.source)
        log.info("report %s submitted (%s, %s)", report.id, category.code, urgency)
        return Submission(report, replayed=False)
    raise RuntimeError("could not allocate a unique reference")

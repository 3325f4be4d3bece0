"""Submitting a report: validate against the database, store, record history and the event."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meldecentral import clock, metrics
from meldecentral.db import driver, outbox
from meldecentral.domain import emergency, events, hotspots, roles, workflow
from meldecentral.domain.reasons import N_, Reason
from meldecentral.domain.reference import new_reference
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    EmergencyRedirect,
    OutboxEvent,
    Report,
    ReporterContact,
    ReportEvent,
)
from meldecentral.services.actor import Actor
from meldecentral.services.errors import (
    ConfirmationNeeded,
    Conflict,
    EmergencyRedirected,
    ValidationFailed,
)
from meldecentral.services.reference import catalogue, geo

log = logging.getLogger(__name__)

EMERGENCY_MESSAGE = (
    "This is not an emergency service. If something is happening now and someone is in danger, "
    "call 112. For the police when it is not urgent, call 114."
)
CONFIRM_MESSAGE = (
    "Is someone in danger right now? Call 112. If not, send the report again with "
    "confirm_not_emergency set to true."
)


@dataclass(frozen=True)
class Stored:
    """A report as just written: what the caller answers with, without an ORM object (its
    construction and unit-of-work bookkeeping cost more than the rest of the answer)."""

    id: int
    reference: str
    status: str
    created_at: datetime
    municipality_id: int


@dataclass
class Submission:
    report: Report | Stored  # Stored when new; the earlier Report when replayed
    replayed: bool  # True when an Idempotency-Key returned an earlier report


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_hash(actor: Actor, key: str) -> str:
    # Scoped to the submitter, so one client's key can never fetch another's report.
    return _hash(f"{actor.user_id or 'anonymous'}:{key}")


def request_fingerprint(data: dict) -> str:
    return _hash(json.dumps(data, sort_keys=True, default=str))


def active_category(municipality_id: int, code: str) -> catalogue.CategoryInfo:
    category = catalogue.active_category(municipality_id, code)
    if category is None:
        raise ValidationFailed(
            "invalid report", {"category": [Reason("unknown category %(code)r", code=code)]}
        )
    return category


def _check_kind(actor: Actor, category: catalogue.CategoryInfo, kind: str | None) -> None:
    """The kind is one the municipality's categories carry (data, not a list in code); a need
    ("what is needed here") is filed by staff in the field, never by a resident."""
    if kind is not None and kind not in catalogue.kinds(actor.municipality_id):
        raise ValidationFailed(
            "invalid report", {"kind": [Reason("unknown kind %(kind)r", kind=kind)]}
        )
    if not actor.is_staff and hotspots.NEED in (category.kind, kind):
        raise ValidationFailed(
            "invalid report",
            {"category": [Reason(N_("needs are filed by staff; choose another category"))]},
        )


def resolve_category(municipality_id: int, code: str) -> Category:
    """The active category as an ORM object (changing a report's category assigns it)."""
    return db.session.get(Category, active_category(municipality_id, code).id)


def resolve_district(municipality_id: int, data: dict) -> int | None:
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None:
        district_id = geo.district_for_point(municipality_id, lon, lat)
        if district_id is None:
            raise ValidationFailed(
                "invalid report", {"location": [N_("the point is outside every district")]}
            )
        return district_id
    if data.get("district") is not None:
        district_id = catalogue.district_id(municipality_id, data["district"])
        if district_id is None:
            raise ValidationFailed("invalid report", {"district": [N_("unknown district")]})
        return district_id
    return None


def _find_by_idempotency(key_hash: str) -> Report | None:
    return db.session.scalar(sa.select(Report).filter_by(idempotency_hash=key_hash))


def _replay(existing: Report, fingerprint: str) -> Submission:
    if existing.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different report",
            {"Idempotency-Key": [N_("already used with a different body")]},
            code="idempotency_key_reused",
        )
    return Submission(existing, replayed=True)


def _store(values: dict, actor: Actor, contact: dict | None) -> tuple[int, int]:
    """Insert the report, its first history entry, its outbox event and the reporter's contact
    together; commit. Returns (report id, event id).

    On PostgreSQL they are one statement (``_insert_cte``), and a statement is atomic on its
    own: it runs in autocommit, without BEGIN and COMMIT, two round trips fewer per submission
    (each a message for PostgreSQL to handle and a wait in the web process)."""
    now = values["created_at"]
    event = {
        "actor_id": actor.user_id,
        "actor_role": actor.role,
        "action": "created",
        "from_status": None,
        "to_status": workflow.RECEIVED,
        "data": {},
        "created_at": now,
    }
    event_row = outbox.row(events.REPORT_CREATED, urgent=values["urgency"] == "high")
    # Go on in the session's transaction if there is one (a staff token was looked up, say).
    # No session is made just to ask: an anonymous submission has none, and one made costs
    # its teardown.
    if db.session.registry.has() and db.session().in_transaction():
        ids = _write(db.session.connection(), values, event, event_row, contact)
        db.session.commit()
        return ids
    # The ORM session holds nothing of this request's: a connection of its own, without the
    # session's transaction bookkeeping (its cost: bench/README.md).
    if db.engine.dialect.name == "postgresql":
        # On the driver's connection itself (db.driver): the statement is compiled once.
        statement, params = _insert_cte_params(values, event, event_row, contact)
        return driver.fetch_one_autocommit(db.engine, statement, params)
    with db.engine.begin() as conn:
        return _write(conn, values, event, event_row, contact)


def _write(
    conn: sa.Connection, values: dict, event: dict, event_row: dict, contact: dict | None
) -> tuple[int, int]:
    """The rows of a new report, with Core on ``conn``; the caller commits."""
    if conn.dialect.name == "postgresql":
        return _insert_cte(conn, values, event, event_row, contact)
    report_id = conn.execute(sa.insert(Report).values(values).returning(Report.id)).scalar_one()
    conn.execute(sa.insert(ReportEvent).values(report_id=report_id, **event))
    event_id = conn.execute(
        sa.insert(OutboxEvent)
        .values(payload={"report_id": report_id}, **event_row)
        .returning(OutboxEvent.id)
    ).scalar_one()
    if contact:
        conn.execute(sa.insert(ReporterContact).values(report_id=report_id, **contact))
    return report_id, event_id


_INSERT_CTE: dict[tuple, sa.Select] = {}
_INSERT_CTE_DRIVER: dict[tuple, driver.DriverStatement] = {}


def _shape_and_params(values: dict, event: dict, event_row: dict, contact: dict) -> tuple:
    shape = (tuple(values), tuple(event), tuple(event_row), tuple(contact))
    params = {f"r_{k}": v for k, v in values.items()}
    params |= {f"h_{k}": v for k, v in event.items()}
    params |= {f"o_{k}": v for k, v in event_row.items()}
    params |= {f"c_{k}": v for k, v in contact.items()}
    return shape, params


def _insert_cte(
    conn: sa.Connection, values: dict, event: dict, event_row: dict, contact: dict | None
) -> tuple[int, int]:
    """One statement: the report, its history entry, its outbox event (whose payload holds the
    new report's id) and the contact if given. Built once per set of columns, then only
    executed."""
    shape, params = _shape_and_params(values, event, event_row, contact or {})
    stmt = _INSERT_CTE.get(shape)
    if stmt is None:
        stmt = _INSERT_CTE[shape] = _build_insert_cte(*shape)
    return tuple(conn.execute(stmt, params).one())


def _insert_cte_params(
    values: dict, event: dict, event_row: dict, contact: dict | None
) -> tuple[driver.DriverStatement, dict]:
    """``_insert_cte``'s statement compiled for the driver (once per set of columns), and its
    parameters."""
    shape, params = _shape_and_params(values, event, event_row, contact or {})
    statement = _INSERT_CTE_DRIVER.get(shape)
    if statement is None:
        built = _build_insert_cte(*shape)
        statement = _INSERT_CTE_DRIVER[shape] = driver.DriverStatement(built, db.engine.dialect)
    return statement, params


def _build_insert_cte(report_cols, event_cols, outbox_cols, contact_cols) -> sa.Select:
    def params(prefix: str, table: sa.Table, names) -> list:
        return [sa.bindparam(f"{prefix}_{k}", type_=table.c[k].type) for k in names]

    def child(model, prefix: str, cols) -> sa.Insert:
        """A row of ``model`` for the new report: its id and the given columns."""
        return sa.insert(model).from_select(
            ["report_id", *cols],
            sa.select(report.c.id, *params(prefix, model.__table__, cols)),
        )

    report_table = Report.__table__
    report = (
        sa.insert(report_table)
        .values(dict(zip(report_cols, params("r", report_table, report_cols), strict=True)))
        .returning(report_table.c.id)
        .cte("new_report")
    )
    payload = sa.func.json_build_object("report_id", report.c.id).cast(OutboxEvent.payload.type)
    new_event = (
        sa.insert(OutboxEvent)
        .from_select(
            ["payload", *outbox_cols],
            sa.select(payload, *params("o", OutboxEvent.__table__, outbox_cols)),
        )
        .returning(OutboxEvent.id)
        .cte("new_event")
    )
    stmt = (
        sa.select(report.c.id, new_event.c.id)
        .select_from(report.join(new_event, sa.true()))  # one row each
        .add_cte(child(ReportEvent, "h", event_cols).cte("new_history"))
    )
    if contact_cols:
        stmt = stmt.add_cte(child(ReporterContact, "c", contact_cols).cte("new_contact"))
    return stmt


def submit_report(actor: Actor, data: dict, *, idempotency_key: str | None = None) -> Submission:
    """``data`` has passed the API schema. Raises ValidationFailed, EmergencyRedirected,
    ConfirmationNeeded, Conflict."""
    municipality_id = actor.municipality_id
    key_hash = idempotency_hash(actor, idempotency_key) if idempotency_key else None
    fingerprint = request_fingerprint(data) if key_hash else None
    if key_hash:
        existing = _find_by_idempotency(key_hash)
        if existing is not None:
            return _replay(existing, fingerprint)

    category = active_category(municipality_id, data["category"])
    _check_kind(actor, category, data.get("kind"))
    district_id = resolve_district(municipality_id, data)

    guard = emergency.assess(
        happening_now=data.get("happening_now", False),
        category_is_emergency=category.emergency_when_now,
        child_in_danger=data.get("child_in_danger", False),
        minor_involved=data.get("minor_involved", False),
        text=data["text"],
    )
    if guard.level == emergency.EMERGENCY:
        db.session.add(
            EmergencyRedirect(
                municipality_id=municipality_id, category_id=category.id, district_id=district_id
            )
        )
        db.session.commit()
        raise EmergencyRedirected(EMERGENCY_MESSAGE)
    # Staff file reports after the fact as their job ("the knife was found"); only residents
    # are asked to confirm on words alone.
    if guard.level == emergency.CONFIRM and not actor.is_staff:
        if not data.get("confirm_not_emergency"):
            raise ConfirmationNeeded(
                CONFIRM_MESSAGE,
                {"confirm_not_emergency": [N_("confirm that nobody is in danger right now")]},
                guard.signals,
            )

    urgency = category.default_urgency
    if any(s.startswith("words:") for s in guard.signals):
        urgency = "high"  # violence, weapons or fire named: seen first, whatever the category
    if actor.is_staff and data.get("urgency"):
        urgency = data["urgency"]
    contact = None
    given = data.get("contact") or {}
    if actor.role == roles.RESIDENT and any(given.get(k) for k in ("name", "email", "phone")):
        contact = {
            "name": given.get("name"),
            "email": given.get("email"),
            "phone": given.get("phone"),
            "wants_updates": given.get("wants_updates", True),
        }
    now = clock.now()
    values = {
        "municipality_id": municipality_id,
        "kind": data.get("kind") or category.kind,
        "category_id": category.id,
        "text": data["text"],
        "occurred_at": data.get("occurred_at"),
        "lat": data.get("lat"),
        "lon": data.get("lon"),
        "h3_cell": hotspots.cell_of(data.get("lat"), data.get("lon")),
        "district_id": district_id,
        "address_text": data.get("address_text"),
        "minor_involved": data.get("minor_involved", False),
        "person_named": data.get("person_named", False),
        "interpreter_language": data.get("interpreter_language"),
        "housing_estate": data.get("housing_estate", False),
        "urgency": urgency,
        "status": workflow.RECEIVED,
        "source": "staff" if actor.is_staff else "resident",
        "language": data.get("language"),
        "reporter_user_id": actor.user_id if actor.is_staff else None,
        "idempotency_hash": key_hash,
        "request_hash": fingerprint,
        "created_at": now,
        "updated_at": now,
    }
    for _attempt in range(5):
        values["reference"] = new_reference()
        try:
            report_id, event_id = _store(values, actor, contact)
        except IntegrityError:
            db.session.rollback()
            if key_hash and (existing := _find_by_idempotency(key_hash)) is not None:
                return _replay(existing, fingerprint)  # a concurrent retry won the race
            continue  # reference collision: draw another
        outbox.committed([event_id], urgent=urgency == "high")
        metrics.report_submitted(values["source"])
        log.debug("report %s submitted (%s, %s)", report_id, category.code, urgency)
        stored = Stored(
            report_id, values["reference"], values["status"], now, values["municipality_id"]
        )
        return Submission(stored, replayed=False)
    raise RuntimeError("could not allocate a unique reference")

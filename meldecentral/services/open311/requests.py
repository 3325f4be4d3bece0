"""The public read side of Open311: requests by query, by id, by token. What anyone may read
without a key: the category, the Open311 status, the public updates, the units responsible,
the deadline, the district and a coarse point; never the text, the reporter, internal notes
or attachments (docs/open311.md, "What a GET shows")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from meldecentral import clock
from meldecentral.domain import open311
from meldecentral.domain.reference import normalise_reference
from meldecentral.extensions import db
from meldecentral.models import Assignment, Category, District, Note, Report, Unit
from meldecentral.services.actor import RESIDENT
from meldecentral.services.privacy import audit
from meldecentral.services.reference import catalogue

CHANNEL = "open311"


@dataclass(frozen=True)
class Query:
    """GET requests' parameters, parsed by the door's schema."""

    service_request_ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None  # "open", "closed", "open,closed"
    page: int = 1
    page_size: int | None = None


def _agencies():
    """The names of the units a report is routed to, in one string (a correlated subquery:
    the list is one statement)."""
    names = (
        sa.select(Unit.name)
        .join(Assignment, Assignment.unit_id == Unit.id)
        .where(Assignment.report_id == Report.id)
        .order_by(Assignment.id)
        .correlate(Report)
        .subquery()
    )
    return (
        sa.select(sa.func.aggregate_strings(names.c.name, ", ")).scalar_subquery().label("agencies")
    )


def _latest_public_note():
    """The report's newest public update: what its reporter reads on the tracking page.
    Internal notes never."""
    return (
        sa.select(Note.body)
        .where(Note.report_id == Report.id, Note.visibility == "public")
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(1)
        .correlate(Report)
        .scalar_subquery()
        .label("status_notes")
    )


def _columns():
    return (
        Report.id,
        Report.reference,
        Report.status,
        Report.kind,
        Report.lat,
        Report.lon,
        Report.created_at,
        Report.updated_at,
        Report.next_deadline,
        Category.code.label("category_code"),
        Category.label_da,
        Category.label_en,
        District.name.label("district_name"),
        _agencies(),
        _latest_public_note(),
    )


def _base(municipality_id: int) -> sa.Select:
    return (
        sa.select(*_columns())
        .join(Category, Report.category_id == Category.id)
        .outerjoin(District, Report.district_id == District.id)
        .where(Report.municipality_id == municipality_id)
    )


def find(municipality_id: int, query: Query, language: str) -> list[dict]:
    """Requests as the spec lists them, newest first. service_request_id overrides every
    other parameter (as the spec says); otherwise the requested_datetime window applies
    (open311.window: 90 days at most). Raises open311.QueryError."""
    if query.service_request_ids:
        if len(query.service_request_ids) > open311.MAX_IDS:
            raise open311.QueryError("service_request_id", "at most 100 ids")
        stmt = _base(municipality_id).where(Report.id.in_(query.service_request_ids))
        stmt = stmt.order_by(Report.created_at.desc(), Report.id.desc())
    else:
        start, end = open311.window(query.start, query.end, clock.now())
        stmt = _base(municipality_id).where(Report.created_at >= start, Report.created_at <= end)
        statuses = open311.statuses(query.status)
        if statuses is not None:
            stmt = stmt.where(Report.status.in_(statuses))
        if query.service_codes:
            # By id, from the cached catalogue: a condition on report's own column, which its
            # (category, created_at) index serves.
            known = (catalogue.active_category(municipality_id, c) for c in query.service_codes)
            stmt = stmt.where(Report.category_id.in_([c.id for c in known if c is not None]))
        size = _page_size(query.page_size)
        stmt = (
            stmt.order_by(Report.created_at.desc(), Report.id.desc())
            .limit(size)
            .offset((max(query.page, 1) - 1) * size)
        )
    # A list is not written to the access log (a single request is): it shows only what
    # anyone may read, as the public statistics do, and a write per public GET would cost
    # more than the query (docs/open311.md, "What a GET shows").
    return _requests(db.session.execute(stmt).all(), language)


def _page_size(asked: int | None) -> int:
    limit = current_app.config["OPEN311_MAX_REQUESTS"]
    default = current_app.config["OPEN311_PAGE_SIZE"]
    if asked is None:
        return default
    if not 1 <= asked <= limit:
        raise open311.QueryError("page_size", f"between 1 and {limit}")
    return asked


def by_id(municipality_id: int, service_request_id: int, language: str) -> dict | None:
    row = db.session.execute(_base(municipality_id).where(Report.id == service_request_id)).first()
    if row is None:
        return None
    audit.record_accesses(RESIDENT, [(row.id, row.reference)], "view", CHANNEL)
    return _requests([row], language)[0]


def by_token(municipality_id: int, token: str) -> dict | None:
    """The token the POST answered with is the report's receipt reference."""
    reference = normalise_reference(token)
    if reference is None:
        return None
    row = db.session.execute(
        sa.select(Report.id, Report.reference).where(
            Report.municipality_id == municipality_id, Report.reference == reference
        )
    ).first()
    if row is None:
        return None
    audit.record_accesses(RESIDENT, [(row.id, row.reference)], "track", CHANNEL)
    return {"service_request_id": row.id, "token": row.reference}


def _requests(rows, language: str) -> list[dict]:
    decimals = current_app.config["OPEN311_COORD_DECIMALS"]
    out = []
    for row in rows:
        lat, lon = open311.public_point(row.kind, row.lat, row.lon, decimals)
        out.append(
            {
                "service_request_id": row.id,
                "status": open311.open311_status(row.status),
                "status_notes": row.status_notes,
                "service_name": row.label_da if language == "da" else row.label_en,
                "service_code": row.category_code,
                "description": None,  # the text may name people: never public
                "agency_responsible": row.agencies,
                "service_notice": None,
                "requested_datetime": row.created_at,
                "updated_datetime": row.updated_at,
                "expected_datetime": row.next_deadline,
                "address": row.district_name,  # the district, never the address given
                "address_id": None,
                "zipcode": None,
                "lat": lat,
                "long": lon,
                "media_url": None,  # photos are never public
            }
        )
    return out

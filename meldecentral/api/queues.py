"""Work lists and statistics: the triage queue (coordinators), a unit's inbox (its members),
reports per district and category (staff). The queries are in services.queues and
services.stats, shared with the HTML pages."""

from __future__ import annotations

from flask import request

from meldecentral.api import bp
from meldecentral.api.auth import require_staff
from meldecentral.api.errors import ApiError
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import Unit
from meldecentral.schemas.queues import (
    DistrictStatsSchema,
    InboxItemSchema,
    InboxQuerySchema,
    StatsQuerySchema,
    TriageItemSchema,
    TriageQuerySchema,
)
from meldecentral.services import queues, stats

# "units" comes from one query for the whole page (queues.assigned_units), not the ORM.
_triage_items = TriageItemSchema(many=True, exclude=("units",))
_inbox_items = InboxItemSchema(many=True)


def _require_role(role: str, what: str):
    actor = require_staff()
    if actor.role != role:
        raise ApiError(403, "forbidden", f"only {what}")
    return actor


@bp.get("/triage")
def triage():
    actor = _require_role(roles.COORDINATOR, "coordinators see the triage queue")
    args = TriageQuerySchema().load(request.args.to_dict())
    page = queues.triage_queue(
        actor,
        queues.QueueFilter(
            district=args.get("district"),
            category=args.get("category"),
            status=args.get("status"),
            unit=args.get("unit"),
            overdue=args["overdue"],
            unrouted=args["unrouted"],
        ),
        page=args["page"],
        per_page=args["per_page"],
        with_assignments=False,
    )
    reports = [report for report, _deadline in page.items]
    units = queues.assigned_units([r.id for r in reports])
    items = _triage_items.dump(reports)
    for item in items:
        item["units"] = units[item["id"]]
    return {
        "items": items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_capped": page.total_capped,
    }


@bp.get("/inbox")
def inbox():
    actor = _require_role(roles.UNIT_MEMBER, "a unit's members see its inbox")
    args = InboxQuerySchema().load(request.args.to_dict())
    assignments = queues.unit_inbox(
        actor, include_closed=args["include_closed"], limit=args["limit"], offset=args["offset"]
    )
    unit = db.session.get(Unit, actor.unit_id)
    return {
        "unit": unit.code if unit else None,
        "items": _inbox_items.dump(assignments),
        "limit": args["limit"],
        "offset": args["offset"],
    }


@bp.get("/stats/districts")
def district_stats():
    actor = require_staff()
    args = StatsQuerySchema().load(request.args.to_dict())
    return DistrictStatsSchema().dump(stats.district_counts(actor.municipality_id, args["days"]))

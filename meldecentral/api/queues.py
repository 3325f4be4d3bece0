"""Work lists and statistics: the triage queue (coordinators), a unit's inbox (its members),
reports per district and category (staff). The queries are in services.worklists.queues and
services.worklists.stats, shared with the HTML pages."""

from __future__ import annotations

from flask import request

from meldecentral import clock
from meldecentral.api.auth import require_role, require_staff
from meldecentral.api.blueprint import bp
from meldecentral.domain import roles
from meldecentral.schemas import rows as dump
from meldecentral.schemas.conversation import SatisfactionStatsSchema
from meldecentral.schemas.periods import PeriodsQuerySchema, PeriodStatsSchema
from meldecentral.schemas.queues import (
    DistrictStatsSchema,
    InboxQuerySchema,
    StatsQuerySchema,
    TriageQuerySchema,
)
from meldecentral.schemas.views import ViewParamSchema, filter_names, lenient_filters
from meldecentral.services.worklists import periods, queues, satisfaction, search, stats, views

# The items are TriageItemSchema and InboxItemSchema (the contract, in the OpenAPI document),
# dumped from plain rows by schemas.rows: ORM objects and marshmallow cost most of the time.
_triage_query = TriageQuerySchema()
_inbox_query = InboxQuerySchema()
_view_param = ViewParamSchema()


def _with_view(actor, kind: str, schema) -> tuple[dict, dict, dict]:
    """The query's arguments; ``{"view": {id, name} or None}`` when a saved view was asked for
    (``view``: an id, or "default"), else {} (the answer as it was before views); and the
    filters: the view's, then those given in the query."""
    raw = request.args.to_dict()
    choice = _view_param.load({"view": raw.pop("view")} if "view" in raw else {}).get("view")
    args = schema.load(raw)
    view = views.resolve(actor, choice)
    given = {k: args[k] for k in filter_names(kind) if k in raw}
    filters = {**(lenient_filters(kind, view.filters) if view else {}), **given}
    applied = {"view": {"id": view.id, "name": view.name} if view else None} if choice else {}
    return args, applied, filters


@bp.get("/triage")
def triage():
    """Coordinators: the triage queue.
    ---
    get:
      summary: "Coordinators: the triage queue"
      description: >-
        Open reports, the most urgent first, then the earliest acknowledgement deadline not
        yet met (reports with none last), then the oldest. 'total' is counted up to a cap
        (total_capped says there are more).
      operationId: triageQueue
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: TriageQuerySchema}
        - {in: query, schema: ViewParamSchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: TriagePageSchema}}
        401: Unauthorized
        403: CoordinatorsOnly
        404:
          description: no such saved view (of yours or your unit's)
          content: {application/json: {schema: Error}}
        422: InvalidFields
    """
    actor = require_role(roles.COORDINATOR, "only coordinators see the triage queue")
    args, view, filters = _with_view(actor, "triage", _triage_query)
    page = queues.triage_rows(
        actor, views.triage_filter(filters), page=args["page"], per_page=args["per_page"]
    )
    now = clock.now()
    items = [dump.triage_item(row, units, now) for row, units in page.items]
    if args.get("q"):
        found = search.snippets(actor, [row for row, _units in page.items], args["q"], "api")
        for item in items:
            item["snippet"] = found.get(item["id"], "")
    return {
        "items": items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_capped": page.total_capped,
        **view,
    }


@bp.get("/inbox")
def inbox():
    """Unit members: their unit's open assignments.
    ---
    get:
      summary: "Unit members: their unit's open assignments"
      description: >-
        Unacknowledged assignments first, by deadline; then the ones acknowledged or in
        progress, by deadline.
      operationId: unitInbox
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: InboxQuerySchema}
        - {in: query, schema: ViewParamSchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: InboxSchema}}
        401: Unauthorized
        403:
          description: unit members only
          content: {application/json: {schema: Error}}
        404:
          description: no such saved view (of yours or your unit's)
          content: {application/json: {schema: Error}}
        422: InvalidFields
    """
    actor = require_role(roles.UNIT_MEMBER, "only a unit's members see its inbox")
    args, view, filters = _with_view(actor, "inbox", _inbox_query)
    unit, rows = queues.unit_inbox_rows(
        actor,
        include_closed=bool(filters.get("include_closed")),
        limit=args["limit"],
        offset=args["offset"],
    )
    now = clock.now()
    return {
        "unit": unit,
        "items": [dump.inbox_item(row, now) for row in rows],
        "limit": args["limit"],
        "offset": args["offset"],
        **view,
    }


@bp.get("/stats/districts")
def district_stats():
    """Staff: reports per district and category, last 30 or 365 days.
    ---
    get:
      summary: "Staff: reports per district and category, last 30 or 365 days"
      description: >-
        Reports received (rejected and merged ones left out) per local day, summed over the
        period. Every district is listed. Read from counts the workers keep current, at most
        a minute behind.
      operationId: districtStats
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: StatsQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: DistrictStatsSchema}}
        401: Unauthorized
        422: InvalidFields
    """
    actor = require_staff()
    args = StatsQuerySchema().load(request.args.to_dict())
    return DistrictStatsSchema().dump(stats.district_counts(actor.municipality_id, args["days"]))


@bp.get("/stats/periods")
def period_stats():
    """Staff: reports per kind per week or month, and per district in one period.
    ---
    get:
      summary: "Staff: reports per kind per week or month, and per district in one period"
      description: >-
        The last 13 local calendar months (or ISO weeks) up to the current one, reports per
        kind (rejected and merged ones left out), each against the same period a year before;
        and for one period (``at``; default the last complete one) every district: per kind,
        per 1,000 residents, against the same period a year before and against the city. Read
        from counts the workers keep current, at most a minute behind.
      operationId: periodStats
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: PeriodsQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: PeriodStatsSchema}}
        401: Unauthorized
        422: InvalidFields
    """
    actor = require_staff()
    args = PeriodsQuerySchema().load(request.args.to_dict())
    found = periods.period_stats(actor.municipality_id, args["unit"], args["at"])
    return PeriodStatsSchema().dump(found)


@bp.get("/stats/satisfaction")
def satisfaction_stats():
    """Staff: the reporters' satisfaction per unit, last 30 or 365 days.
    ---
    get:
      summary: "Staff: the reporters' satisfaction per unit, last 30 or 365 days"
      description: >-
        The answers reporters gave after the outcome (tracking page or API), each counted for
        every unit the report was assigned to; the reasons they chose, by code.
      operationId: satisfactionStats
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: StatsQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: SatisfactionStatsSchema}}
        401: Unauthorized
        422: InvalidFields
    """
    actor = require_staff()
    args = StatsQuerySchema().load(request.args.to_dict())
    found = satisfaction.by_unit(actor.municipality_id, args["days"])
    return SatisfactionStatsSchema().dump(found)

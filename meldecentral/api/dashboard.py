"""The coordinators' dashboard as JSON: the figures the page shows (services/worklists/
dashboard.py; docs/dashboard.md)."""

from __future__ import annotations

from flask import request

from meldecentral.api.auth import require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.errors import ApiError
from meldecentral.schemas.dashboard import DashboardQuerySchema, DashboardSchema
from meldecentral.services.worklists import dashboard as figures

_query = DashboardQuerySchema()
_out = DashboardSchema()


@bp.get("/dashboard")
def dashboard():
    """Coordinators and administrators: the dashboard's figures.
    ---
    get:
      summary: "Coordinators and administrators: the dashboard's figures"
      description: >-
        Over the last 30 or 90 local days: reports received per day, category and district;
        open reports by urgency; each unit's open and overdue assignments and undelivered
        notifications; the median and 90th percentile of the hours from assignment to
        acknowledgement and to closing per unit and urgency; the submissions sent to 112 by
        category and district. The figures may be up to a minute old (as_of).
      operationId: dashboard
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: DashboardQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: DashboardSchema}}
        401: Unauthorized
        403:
          description: coordinators and administrators only
          content: {application/json: {schema: Error}}
        422: InvalidFields
    """
    actor = require_staff()
    if actor.role not in figures.READERS:
        raise ApiError(403, "forbidden", "only coordinators and administrators see the dashboard")
    args = _query.load(request.args.to_dict())
    return _out.dump(figures.dashboard(actor, args["days"]))

"""The coordinators' dashboard and the staff map. Both pages are drawn in the browser (Chart.js,
Leaflet and Leaflet.markercluster, from npm) from data the server gives: the dashboard's figures
in a data- attribute (the CSP allows no inline script), the map's points from a JSON endpoint
that applies the triage queue's filters and the reader's access rules."""

from __future__ import annotations

import dataclasses

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from meldecentral.schemas.dashboard import DashboardQuerySchema, DashboardSchema
from meldecentral.schemas.periods import PeriodsQuerySchema, PeriodStatsSchema
from meldecentral.services.facts import read as facts_read
from meldecentral.services.reference import lookups
from meldecentral.services.worklists import dashboard as figures
from meldecentral.services.worklists import mapping, periods, views
from meldecentral.web import labels
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, category_label, roles_required
from meldecentral.web.formatting import period_name
from meldecentral.web.triage import queue_filters

_dump = DashboardSchema()
_query = DashboardQuerySchema()


def _category_names(municipality_id: int) -> dict[str, str]:
    return {c.code: category_label(c) for c in lookups.active_categories(municipality_id)}


@bp.get("/dashboard")
@roles_required(*figures.READERS)
def dashboard():
    """The figures of the last 30 or 90 days (``?days=``; anything else is the default)."""
    who = actor()
    try:
        days = _query.load(request.args.to_dict())["days"]
    except ValidationError:
        days = figures.PERIODS[0]
    data = figures.dashboard(who, days)
    names = _category_names(who.municipality_id)
    dumped = _dump.dump(data)
    # The categories in the page's language (a copy: ``data`` may be the cache's, shared).
    for key in ("per_category", "redirects_by_category"):
        dumped[key] = [{**c, "name": names.get(str(c["key"]), c["name"])} for c in dumped[key]]
    chart_data = {
        **dumped,
        "labels": {
            "received": _("Reports received"),
            "open": _("Open assignments"),
            "overdue": _("Overdue"),
            "ack_median": _("Median hours to acknowledge"),
            "redirects": _("Sent to 112"),
            "urgency": {k: str(v) for k, v in labels.URGENCY.items()},
        },
    }
    # The safety index per district, with its parts: as published (the public facts page
    # explains how it is computed), not recomputed here.
    published = facts_read.facts(who.municipality_id)
    safety = published.document["districts"] if published else []
    return render_template(
        "staff/dashboard.html",
        data=data,
        safety=safety,
        safety_as_of=published.built_at if published else None,
        chart_data=chart_data,
        periods=figures.PERIODS,
        category_names=names,
        districts_url=url_for("api.districts"),
        cache_seconds=current_app.config.get("DASHBOARD_CACHE_SECONDS", 60),
    )


@bp.get("/statistics")
@roles_required(*figures.READERS)
def statistics():
    """Reports per kind per month or week, and per district in one period (``?unit=``,
    ``?at=``; anything unreadable is the default)."""
    who = actor()
    try:
        args = PeriodsQuerySchema().load(request.args.to_dict())
    except ValidationError:
        args = PeriodsQuerySchema().load({})
    data = periods.period_stats(who.municipality_id, args["unit"], args["at"])
    kind_names = {k: labels.label(labels.KIND, k) for k in data.kinds}
    chart_data = {
        **PeriodStatsSchema().dump(data),
        "labels": {
            "kinds": kind_names,
            "periods": [period_name(p.start, data.unit) for p in data.periods],
            "last_year": _("Same period a year before"),
        },
    }
    series = data.periods
    chosen = next((i for i, p in enumerate(series) if p.start == data.start), None)
    return render_template(
        "staff/statistics.html",
        data=data,
        kind_names=kind_names,
        chart_data=chart_data,
        units=tuple(periods.UNITS),
        earlier=series[chosen - 1].start if chosen else None,
        later=series[chosen + 1].start if chosen is not None and chosen + 1 < len(series) else None,
    )


MAP_READERS = mapping.READERS


@bp.get("/map")
@roles_required(*MAP_READERS)
def staff_map():
    """Open reports on a map, with the triage queue's filters (a GET form)."""
    who = actor()
    form, current = queue_filters(who, request.args)
    point_args = {k: v for k, v in request.args.items() if k in form or k == "q"}
    names = _category_names(who.municipality_id)
    return render_template(
        "staff/map.html",
        form=form,
        filters_open=any(k != "q" for k in current),
        points_url=url_for("staff.map_points", **point_args),
        # the report page of id 0, whose 0 the script replaces by each point's id
        report_url=url_for("staff.report", report_id=0),
        map_labels={
            "category": names,
            "urgency": {k: str(v) for k, v in labels.URGENCY.items()},
            "status": {k: str(v) for k, v in labels.REPORT_STATUS.items()},
            "open": _("Open the report"),
            "more": _(
                "Only the %(n)s most urgent reports are shown: narrow the filters to see the rest."
            ),
            "none": _("No open report with a place matches these filters."),
            "failed": _("The reports could not be loaded. Reload the page to try again."),
        },
    )


@bp.get("/map/points")
@roles_required(*MAP_READERS)
def map_points():
    """The map's points as JSON: no text, no person (services/worklists/mapping.py)."""
    who = actor()
    _form, current = queue_filters(who, request.args)
    limit = int(current_app.config.get("MAP_MAX_POINTS", 2000))
    found = mapping.map_points(who, views.triage_filter(current), limit)
    return jsonify(
        {
            "points": [dataclasses.asdict(p) for p in found.points],
            "limit": found.limit,
            "more": found.more,
        }
    )

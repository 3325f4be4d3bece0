"""A coordinator corrects a report's category or place; the report is routed again."""

from __future__ import annotations

from meldecentral.db import outbox
from meldecentral.domain import events, roles, workflow
from meldecentral.domain.workflow import TransitionError
from meldecentral.extensions import db
from meldecentral.models import Report
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden
from meldecentral.services.privacy import access
from meldecentral.services.reports import history
from meldecentral.services.reports.status import lock_report


def change_category_or_place(
    actor: Actor,
    report_id: int,
    *,
    category: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    district: int | None = None,
) -> Report:
    """A coordinator corrects the category or the place; the report is routed again. The
    submitted text stays as it was."""
    from meldecentral.services.reports.submit import resolve_category, resolve_district

    if actor.role != roles.COORDINATOR:
        raise Forbidden("only coordinators change a report's category or place")
    access.get_visible_report(actor, report_id)
    report = lock_report(report_id)
    if report.status in workflow.FINAL_REPORT_STATUSES:
        raise TransitionError("not_allowed", f"a {report.status} report cannot be changed")
    changes: dict = {}
    if category and category != report.category.code:
        new = resolve_category(report.municipality_id, category)
        changes["category"] = [report.category.code, new.code]
        report.category_id, report.category = new.id, new
        report.kind = new.kind
        # The urgency is the category's: a report corrected to violence is seen first.
        if new.default_urgency != report.urgency:
            changes["urgency"] = [report.urgency, new.default_urgency]
            report.urgency = new.default_urgency
    if (lat is not None and lon is not None) or district is not None:
        place = {"lat": lat, "lon": lon, "district": district}
        district_id = resolve_district(report.municipality_id, place)
        if (lat, lon) != (report.lat, report.lon) or district_id != report.district_id:
            changes["district_id"] = [report.district_id, district_id]
            changes["point_changed"] = lat is not None
            report.lat, report.lon, report.district_id = lat, lon, district_id
    if not changes:
        return report
    history.append(report.id, actor, "changed", data=changes)
    outbox.record(events.REPORT_CHANGED, {"report_id": report.id}, urgent=report.urgency == "high")
    db.session.commit()
    return report

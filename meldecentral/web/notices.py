"""The notification centre: the alerts for the user's unit (coordinators: the centre's), the
unread count in every page's header, marking one or all as read."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_login import current_user

from meldecentral.domain import roles
from meldecentral.pages import ActionForm
from meldecentral.services.delivery import in_app
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, roles_required

RECEIVERS = (roles.COORDINATOR, roles.UNIT_MEMBER)


@bp.get("/notifications")
@roles_required(*RECEIVERS)
def notifications():
    return render_template(
        "staff/notifications.html", items=in_app.notifications(actor()), form=ActionForm()
    )


@bp.post("/notifications/<int:notification_id>/read")
@roles_required(*RECEIVERS)
def mark_read(notification_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        in_app.mark_read(actor(), notification_id)  # NotFound (404) if not the user's
    return redirect(url_for("staff.notifications"))


@bp.post("/notifications/read")
@roles_required(*RECEIVERS)
def mark_all_read():
    form = ActionForm()
    if form.validate_on_submit():
        in_app.mark_all_read(actor())
    return redirect(url_for("staff.notifications"))


def unread_notifications() -> in_app.Unread | None:
    """For the header: computed once per request, and only where a page shows it."""
    if not current_user.is_authenticated or current_user.role not in RECEIVERS:
        return None
    if "unread_notifications" not in g:
        g.unread_notifications = in_app.unread(actor())
    return g.unread_notifications


@bp.app_context_processor
def _notification_globals():
    return {"unread_notifications": unread_notifications}

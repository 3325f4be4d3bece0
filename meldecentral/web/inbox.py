"""A unit's inbox: only its own assignments, the most pressing first, with the deadline said
plainly. The actions themselves are on the report page (and "acknowledge" right here)."""

from __future__ import annotations

from flask import render_template, request

from meldecentral.domain import roles
from meldecentral.services.worklists import export as exporting
from meldecentral.services.worklists import queues
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, roles_required
from meldecentral.web.exports import export_response
from meldecentral.web.forms import AssignmentForm


@bp.get("/inbox")
@roles_required(roles.UNIT_MEMBER)
def inbox():
    include_closed = request.args.get("closed") == "1"
    items = queues.unit_inbox(actor(), include_closed=include_closed)
    return render_template(
        "staff/inbox.html",
        items=items,
        include_closed=include_closed,
        form=AssignmentForm(prefix="a"),
        export_max=exporting.max_rows(),
    )


@bp.get("/inbox/export.<any(csv, xlsx):fmt>")
@roles_required(roles.UNIT_MEMBER)
def inbox_export(fmt: str):
    """The inbox as the page shows it (open only, or closed too), as a file."""
    include_closed = request.args.get("closed") == "1"
    return export_response(actor(), "inbox", fmt, {"include_closed": include_closed})

"""A unit's inbox: only its own assignments, the most pressing first, with the deadline said
plainly. The actions themselves are on the report page (and "acknowledge" right here)."""

from __future__ import annotations

from flask import render_template, request

from meldecentral.domain import roles
from meldecentral.services.delivery import send
from meldecentral.services.worklists import export as exporting
from meldecentral.services.worklists import queues, search
from meldecentral.web import saved
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, roles_required
from meldecentral.web.exports import export_response
from meldecentral.web.forms import AssignmentForm, SearchForm


@bp.get("/inbox")
@roles_required(roles.UNIT_MEMBER)
def inbox():
    """Open assignments (``?closed=1``: closed too), or a saved view's (``?view=ID``); opened
    without any argument, the user's default view."""
    who = actor()
    applied = saved.requested_view(who)
    if applied is not None:
        filters = saved.stored_filters("inbox", applied)
    else:
        filters = {"include_closed": True} if request.args.get("closed") == "1" else {}
    return render_inbox(who, filters, applied)


def render_inbox(who, filters: dict, applied=None, save_form=None, status: int = 200):
    include_closed = bool(filters.get("include_closed"))
    search_form = SearchForm(request.args)
    search_form.validate()
    q = search_form.words
    items = queues.unit_inbox(who, include_closed=include_closed, q=q or None)
    shown = [(a.report.id, a.report.reference) for a in items]
    snippets = search.snippets(who, shown, q, "web") if q else {}
    return (
        render_template(
            "staff/inbox.html",
            items=items,
            lag=send.routing_lag(who),
            include_closed=include_closed,
            form=AssignmentForm(prefix="a"),
            search_form=search_form,
            snippets=snippets,
            panel=saved.panel(who, "staff.inbox", applied, filters, save_form),
            export_max=exporting.max_rows(),
        ),
        status,
    )


@bp.get("/inbox/export.<any(csv, xlsx):fmt>")
@roles_required(roles.UNIT_MEMBER)
def inbox_export(fmt: str):
    """The inbox as the page shows it (open only, or closed too), as a file."""
    include_closed = request.args.get("closed") == "1"
    return export_response(actor(), "inbox", fmt, {"include_closed": include_closed})

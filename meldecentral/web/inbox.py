"""A unit's inbox: only its own assignments, the most pressing first, with the deadline said
plainly. The actions themselves are on the report page (and "acknowledge" right here)."""

from __future__ import annotations

from flask import render_template, request

from meldecentral.domain import roles
from meldecentral.services.worklists import queues, search
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, roles_required
from meldecentral.web.forms import AssignmentForm, SearchForm


@bp.get("/inbox")
@roles_required(roles.UNIT_MEMBER)
def inbox():
    include_closed = request.args.get("closed") == "1"
    who = actor()
    search_form = SearchForm(request.args)
    search_form.validate()
    q = search_form.words
    items = queues.unit_inbox(who, include_closed=include_closed, q=q or None)
    shown = [(a.report.id, a.report.reference) for a in items]
    snippets = search.snippets(who, shown, q, "web") if q else {}
    return render_template(
        "staff/inbox.html",
        items=items,
        include_closed=include_closed,
        form=AssignmentForm(prefix="a"),
        search_form=search_form,
        snippets=snippets,
    )

"""Saved views on the list pages (the triage queue, the inbox): which view a request asks for
(``?view=ID``; none at all: the user's default; ``?all=1``: none), and what the page shows to
pick one, save the current filters as one, make one the default or delete it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, request
from flask_babel import gettext as _

from meldecentral.pages import ActionForm
from meldecentral.schemas.views import filter_names, lenient_filters
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound
from meldecentral.services.worklists import views
from meldecentral.web.forms import SaveViewForm

FILTER_PREFIX = "filter-"


@dataclass
class Panel:
    """What the page's saved-views control shows."""

    endpoint: str
    views: list
    default_id: int | None
    applied: object | None  # the SavedView applied, if any
    filters: dict  # the filters in force, as the save form carries them
    user_id: int
    save_form: SaveViewForm = field(default_factory=lambda: SaveViewForm(formdata=None))
    action_form: ActionForm = field(default_factory=ActionForm)

    @property
    def mine(self) -> list:
        return [v for v in self.views if v.owner_user_id == self.user_id]

    @property
    def shared(self) -> list:
        return [v for v in self.views if v.owner_user_id != self.user_id]


def requested_view(who: Actor):
    """The view this request applies: ``?view=ID``, or the default when the page is opened
    without any argument; None otherwise (a view gone or not theirs: said, and none)."""
    args = request.args
    if not args:
        return views.default_view(who)
    raw = args.get("view", "")
    if not raw:
        return None
    try:
        return views.get_view(who, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    except NotFound:
        flash(_("That saved view does not exist any more."), "error")
        return None


def stored_filters(kind: str, view) -> dict:
    return lenient_filters(kind, view.filters) if view is not None else {}


def as_form_data(filters: dict) -> dict:
    """Filters as a GET form sends them (a flag as 'y')."""
    return {k: ("y" if v is True else str(v)) for k, v in filters.items()}


def posted_filters(kind: str) -> dict:
    """The hidden ``filter-<key>`` fields of a POSTed save form, as given."""
    return {
        k.removeprefix(FILTER_PREFIX): v
        for k, v in request.form.items()
        if k.startswith(FILTER_PREFIX)
    }


def panel(
    who: Actor,
    endpoint: str,
    applied,
    filters: dict,
    save_form: SaveViewForm | None = None,
) -> Panel:
    items, default_id = views.list_views(who)
    kind = views.list_of(who)
    shown = {k: v for k, v in filters.items() if k in filter_names(kind)}
    p = Panel(endpoint, items, default_id, applied, as_form_data(shown), who.user_id)
    if save_form is not None:
        p.save_form = save_form
    return p

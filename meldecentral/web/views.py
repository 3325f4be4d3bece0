"""The saved-views control's forms on the list pages: save the current filters as a view, make
a view the default (or stop), delete one's own. Each answers with the list page: the view
applied after a save, the same page again (422) saying what to fix."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from meldecentral.domain import roles
from meldecentral.pages import ActionForm
from meldecentral.schemas.views import SavedViewInSchema, lenient_filters, load_filters
from meldecentral.services.errors import ServiceError
from meldecentral.services.worklists import views
from meldecentral.web import saved
from meldecentral.web import staff_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required
from meldecentral.web.forms import SaveViewForm
from meldecentral.web.inbox import render_inbox
from meldecentral.web.triage import render_queue

USERS = (roles.COORDINATOR, roles.UNIT_MEMBER)
_LIST_PAGE = {"triage": "staff.queue", "inbox": "staff.inbox"}
_names = SavedViewInSchema(only=("name",))


def _list_page(who, **args):
    return redirect(url_for(_LIST_PAGE[views.list_of(who)], **args))


def _again(who, kind: str, posted: dict, form: SaveViewForm):
    """The list page with the posted filters and the form's problems, as a 422."""
    filters = lenient_filters(kind, posted)
    if kind == "triage":
        return render_queue(who, MultiDict(saved.as_form_data(filters)), save_form=form, status=422)
    return render_inbox(who, filters, save_form=form, status=422)


@bp.post("/views")
@roles_required(*USERS)
def save_view():
    who = actor()
    kind = views.list_of(who)
    posted = saved.posted_filters(kind)
    form = SaveViewForm()
    if not form.validate_on_submit():
        return _again(who, kind, posted, form)
    try:
        _names.load({"name": form.name.data})  # the API's rules for a name
        filters = load_filters(kind, posted)
        view = views.create_view(
            who,
            name=form.name.data,
            filters=filters,
            shared=form.sharing.data == "unit",
            make_default=bool(form.make_default.data),
        )
    except ValidationError as exc:
        apply_errors(form, exc.messages)  # name next to its field; a filter at the top
        return _again(who, kind, posted, form)
    except ServiceError as exc:
        apply_errors(form, exc.fields, aliases={"shared": "sharing", "list": ""})
        return _again(who, kind, posted, form)
    flash(_("View saved."), "ok")
    return _list_page(who, view=view.id)


@bp.post("/views/<int:view_id>/default")
@roles_required(*USERS)
def default_view(view_id: int):
    who = actor()
    if ActionForm().validate_on_submit():
        views.set_default(who, view_id)  # NotFound (404) if not the user's to see
        flash(_("The list now opens on this view."), "ok")
    return _list_page(who, view=view_id)


@bp.post("/views/<int:view_id>/not-default")
@roles_required(*USERS)
def not_default_view(view_id: int):
    who = actor()
    if ActionForm().validate_on_submit():
        views.clear_default(who, view_id)
        flash(_("The list opens without a view."), "ok")
    return _list_page(who, view=view_id)


@bp.post("/views/<int:view_id>/delete")
@roles_required(*USERS)
def delete_view(view_id: int):
    who = actor()
    if ActionForm().validate_on_submit():
        views.delete_view(who, view_id)  # Forbidden (403) if not the owner
        flash(_("View deleted."), "ok")
    return _list_page(who, all=1)

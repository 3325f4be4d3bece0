"""The administrators' page of Open311 client applications: issue an api_key (shown once, on
the answer to the form, never stored in the session), see when each was last used, revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meldecentral.domain import roles
from meldecentral.pages import ActionForm
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.open311 import clients
from meldecentral.web import admin_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required
from meldecentral.web.forms import Open311ClientForm


def _page(form: Open311ClientForm, key: str | None = None, status: int = 200):
    rows = clients.list_clients(actor())
    return (
        render_template(
            "admin/open311.html", form=form, clients=rows, key=key, action_form=ActionForm()
        ),
        status,
    )


@bp.route("/open311", methods=["GET", "POST"])
@roles_required(roles.ADMIN)
def open311_clients():
    form = Open311ClientForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        _client, key = clients.issue_key(actor(), form.name.data)
    except ValidationFailed as exc:
        apply_errors(form, exc.fields)
        return _page(form, status=422)
    # The key is on this answer only: the page is not stored (no-store under /admin/).
    return _page(Open311ClientForm(formdata=None), key=key, status=201)


@bp.post("/open311/<int:client_id>/revoke")
@roles_required(roles.ADMIN)
def revoke_open311_client(client_id: int):
    """Asked again on a page of its own, as revoking a staff token is."""
    form = ActionForm()
    back = url_for("admin.open311_clients")
    if not form.validate_on_submit():
        return redirect(back)
    who = actor()
    client = next((c for c in clients.list_clients(who) if c.id == client_id), None)
    if client is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        return render_template(
            "admin/confirm.html",
            question=_("Revoke the api_key of %(name)s?", name=client.name),
            consequence=_(
                "The application can no longer send reports. This cannot be undone: issue a "
                "new key if it should send again."
            ),
            button=_("Yes, revoke"),
            action_url=url_for("admin.revoke_open311_client", client_id=client.id),
            cancel_url=back,
            form=form,
        )
    clients.revoke_key(who, client.id)
    flash(_("The api_key is revoked."), "ok")
    return redirect(back)

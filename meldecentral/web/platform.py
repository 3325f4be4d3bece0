"""The platform administrator's pages: the municipalities this deployment serves, a new one
(with its first administrator), and where each is reached (host names, path prefix)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meldecentral.services.errors import ValidationFailed
from meldecentral.services.reference import municipalities as served
from meldecentral.services.staff import platform as service
from meldecentral.web import admin_bp as bp
from meldecentral.web.common import actor, apply_errors, platform_admin_required
from meldecentral.web.forms import MunicipalityForm


@bp.route("/municipalities", methods=["GET", "POST"])
@platform_admin_required
def municipalities():
    who = actor()
    form = MunicipalityForm()
    status = 200
    if request.method == "POST":
        if not (form.code.data or "").strip():
            form.validate_on_submit()
            form.code.errors = [*form.code.errors, _("Please fill this in.")]
        elif form.validate_on_submit():
            try:
                service.create(who, form.data)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Municipality created."), "ok")
                return redirect(url_for("admin.municipalities"))
        status = 422
    return (
        render_template(
            "admin/municipalities.html",
            form=form,
            municipalities=service.list_all(who),
            root=served.path_root(),
        ),
        status,
    )


@bp.route("/municipalities/<int:municipality_id>", methods=["GET", "POST"])
@platform_admin_required
def municipality(municipality_id: int):
    who = actor()
    row = service.get(who, municipality_id)  # NotFound: the 404 page
    # (not obj=row: its list of hosts would win over the text, one a line, given here)
    form = MunicipalityForm(
        name=row.name, hosts="\n".join(row.hosts or []), path_prefix=row.path_prefix or ""
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.update_mapping(
                    who,
                    municipality_id,
                    {
                        "name": form.name.data,
                        "hosts": form.hosts.data or "",
                        "path_prefix": form.path_prefix.data or "",
                    },
                )
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Municipality saved."), "ok")
                return redirect(url_for("admin.municipalities"))
        status = 422
    return (
        render_template("admin/municipality.html", form=form, row=row, root=served.path_root()),
        status,
    )

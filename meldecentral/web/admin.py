"""The administrators' area: users, units, categories and routing rules, as plain forms."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meldecentral.domain import roles
from meldecentral.i18n import language_name
from meldecentral.pages import ActionForm
from meldecentral.services.delivery import channels
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.privacy import audit
from meldecentral.services.reference import languages as resident_languages
from meldecentral.services.staff import admin as service
from meldecentral.services.staff import signin, tokens
from meldecentral.web import admin_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required, say
from meldecentral.web.forms import (
    DistrictsUploadForm,
    LanguagesForm,
    NewUnitForm,
    RulesForm,
    UserForm,
    category_form_class,
    unit_form_class,
)
from meldecentral.web.labels import ROLE

ADMIN = roles.ADMIN
USER_ACTIONS = {
    "deactivate": (service.deactivate_user, _l("User deactivated.")),
    "activate": (service.activate_user, _l("User activated.")),
    "unlock": (service.unlock_user, _l("User unlocked.")),
    "reset-2fa": (service.reset_totp, _l("Two-factor reset: set up again at the next sign-in.")),
}
# Actions that lock someone out are asked again on a page of their own before they are done:
# one tap on a phone must not end a colleague's access. (question, what follows, button)
CONFIRM = {
    "deactivate": (
        _l("Deactivate %(name)s?"),
        _l(
            "They are signed out everywhere and cannot sign in until an administrator "
            "activates them again."
        ),
        _l("Yes, deactivate"),
    ),
    "reset-2fa": (
        _l("Reset two-factor for %(name)s?"),
        _l(
            "They are signed out everywhere and must set up their authenticator app again at "
            "the next sign-in."
        ),
        _l("Yes, reset two-factor"),
    ),
}


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "da"


def _user_form(who, formdata=None) -> UserForm:
    form = UserForm(formdata=formdata) if formdata is not None else UserForm()
    form.role.choices = [(r, str(ROLE[r])) for r in roles.STAFF_ROLES]
    form.unit.choices = [("", "-")] + [(u.code, u.code) for u in service.list_units(who)]
    return form


@bp.route("/", methods=["GET", "POST"])
@bp.route("/users", methods=["GET", "POST"], endpoint="users")
@roles_required(ADMIN)
def users():
    who = actor()
    form = _user_form(who)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.create_user(who, form.data)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("User created."), "ok")
                return redirect(url_for("admin.users"))
        status = 422
    return (
        render_template(
            "admin/users.html",
            form=form,
            users=service.list_users(who),
            action_form=ActionForm(),
            is_locked=signin.is_locked,
        ),
        status,
    )


@bp.post("/users/<int:user_id>/<action>")
@roles_required(ADMIN)
def user_action(user_id: int, action: str):
    form = ActionForm()
    if action not in USER_ACTIONS or not form.validate_on_submit():
        return redirect(url_for("admin.users"))
    if action in CONFIRM and request.form.get("confirm") != "yes":
        user = service.get_user(actor(), user_id)
        question, consequence, button = CONFIRM[action]
        return render_template(
            "admin/confirm.html",
            question=question % {"name": user.name},
            consequence=consequence,
            button=button,
            action_url=url_for("admin.user_action", user_id=user.id, action=action),
            form=form,
        )
    fn, message = USER_ACTIONS[action]
    try:
        fn(actor(), user_id)
    except ValidationFailed as exc:
        flash("; ".join(say(m) for ms in exc.fields.values() for m in ms), "error")
    else:
        flash(str(message), "ok")
    return redirect(url_for("admin.users"))


@bp.get("/users/<int:user_id>/tokens")
@roles_required(ADMIN)
def user_tokens(user_id: int):
    """A user's API tokens (never the tokens themselves), each revocable on its own."""
    who = actor()
    user = service.get_user(who, user_id)
    rows = [(t, tokens.state(t)) for t in tokens.list_tokens(who, user.id)]
    return render_template("admin/tokens.html", user=user, tokens=rows, action_form=ActionForm())


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@roles_required(ADMIN)
def revoke_token(user_id: int, token_id: int):
    """Asked again on a page of its own, as deactivation is: a client stops working."""
    form = ActionForm()
    back = url_for("admin.user_tokens", user_id=user_id)
    if not form.validate_on_submit():
        return redirect(back)
    who = actor()
    token = next((t for t in tokens.list_tokens(who, user_id) if t.id == token_id), None)
    if token is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        return render_template(
            "admin/confirm.html",
            question=_("Revoke the API token %(name)s?", name=token.name),
            consequence=_("Whatever uses it stops working at once. This cannot be undone."),
            button=_("Yes, revoke"),
            action_url=url_for("admin.revoke_token", user_id=user_id, token_id=token.id),
            cancel_url=back,
            form=form,
        )
    tokens.revoke_token(who, token.id)
    flash(_("Token revoked."), "ok")
    return redirect(back)


@bp.route("/units", methods=["GET", "POST"])
@roles_required(ADMIN)
def units():
    who = actor()
    form = NewUnitForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                created = service.create_unit(who, form.data)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Unit created: choose its channels and addresses."), "ok")
                return redirect(url_for("admin.unit", unit_id=created.id))
        status = 422
    return render_template("admin/units.html", units=service.list_units(who), form=form), status


@bp.route("/districts", methods=["GET", "POST"])
@roles_required(ADMIN)
def districts():
    """The municipality's districts, and a GeoJSON upload that creates or updates them."""
    who = actor()
    form = DistrictsUploadForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = request.files.get("file")
            raw = upload.read(service.MAX_DISTRICTS_BYTES + 1) if upload else b""
            try:
                created, updated = service.import_districts(who, raw)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Districts: %(c)d created, %(u)d updated.", c=created, u=updated), "ok")
                return redirect(url_for("admin.districts"))
        status = 422
    rows = service.list_districts(who)
    return render_template("admin/districts.html", districts=rows, form=form), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit(unit_id: int):
    who = actor()
    row = next((u for u in service.list_units(who) if u.id == unit_id), None)
    if row is None:
        return render_template("error.html", status=404, message=_("No such unit.")), 404
    described = channels.described()
    chosen = row.channels or {}
    form = unit_form_class(described)(
        obj=row,
        channels_high=chosen.get("high", []),
        channels_normal=chosen.get("normal", []),
        channels_low=chosen.get("low", []),
        **_addresses_of(row, described),
    )
    for field in (form.channels_high, form.channels_normal, form.channels_low):
        field.choices = [(name, _(d.label)) for name, d in described.items()]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            data = dict(form.data)
            data["channels"] = {
                "high": form.channels_high.data or [],
                "normal": form.channels_normal.data or [],
                "low": form.channels_low.data or [],
            }
            try:
                service.update_unit(who, unit_id, data)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Unit saved."), "ok")
                return redirect(url_for("admin.units"))
        status = 422
    return (
        render_template(
            "admin/unit.html", form=form, unit=row, address_fields=_address_fields(form, described)
        ),
        status,
    )


def _addresses_of(unit, described) -> dict[str, str | None]:
    """The unit's addresses kept in its ``addresses`` JSON, for the form (``obj`` fills those
    in columns)."""
    return {
        d.address.field: channels.read(unit, d.address.field, d.address.column)
        for d in described.values()
        if d.address is not None and not d.address.column
    }


def _address_fields(form, described) -> list[tuple]:
    """The address and secret fields in the channels' order, with the input each asks for."""
    out = []
    for d in described.values():
        if d.address is None:
            continue
        kind = {} if d.address.kind == "text" else {"type": d.address.kind}
        out.append((form[d.address.field], kind))
        if d.address.secret is not None:
            out.append((form[d.address.secret.field], {"autocomplete": "off"}))
    return out


@bp.get("/categories")
@roles_required(ADMIN)
def categories():
    return render_template("admin/categories.html", categories=service.list_categories(actor()))


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def category(category_id: int | None):
    who = actor()
    row = None
    if category_id is not None:
        row = next((c for c in service.list_categories(who) if c.id == category_id), None)
        if row is None:
            return render_template("error.html", status=404, message=_("No such category.")), 404
    # Named in the administrator's language ("arabisk"), as the Danish and English fields are.
    names = get_locale().languages
    further = {c: names.get(c, c) for c in resident_languages.labelled_elsewhere()}
    form = category_form_class(further)(obj=row)
    form.group.choices = [("", "–")] + [
        (str(g.id), g.label(_language())) for g in service.list_category_groups(who)
    ]
    if row is not None and request.method == "GET":
        form.group.data = str(row.group_id or "")
        for code in further:
            form[f"label_{code}"].data = (row.labels or {}).get(code, "")
    status = 200
    if request.method == "POST":
        if row is None and not (form.code.data or "").strip():
            form.validate_on_submit()
            form.code.errors = [*form.code.errors, _("Please fill this in.")]
        elif form.validate_on_submit():
            try:
                data = {**form.data, "labels": {c: form[f"label_{c}"].data for c in further}}
                service.save_category(who, category_id, data)
            except ValidationFailed as exc:
                apply_errors(form, exc.fields)
            else:
                flash(_("Category saved."), "ok")
                return redirect(url_for("admin.categories"))
        status = 422
    extra = [form[f"label_{c}"] for c in further]
    return render_template("admin/category.html", form=form, category=row, extra=extra), status


@bp.route("/languages", methods=["GET", "POST"])
@roles_required(ADMIN)
def languages():
    """The resident pages' languages: each configured one can be switched off, e.g. until a
    native speaker has reviewed its texts (docs/translations.md)."""
    who = actor()
    form = LanguagesForm()
    form.languages_off.choices = [
        (code, language_name(code)) for code in resident_languages.switchable()
    ]
    status = 200
    if request.method == "GET":
        form.languages_off.data = list(resident_languages.languages_off(who))
    elif form.validate_on_submit():
        try:
            resident_languages.set_languages_off(who, form.languages_off.data or [])
        except ValidationFailed as exc:
            apply_errors(form, exc.fields)
            status = 422
        else:
            flash(_("Languages saved."), "ok")
            return redirect(url_for("admin.languages"))
    else:
        status = 422
    staff = ", ".join(language_name(code) for code in resident_languages.staff_languages())
    return render_template("admin/languages.html", form=form, staff_languages=staff), status


@bp.route("/rules", methods=["GET", "POST"])
@roles_required(ADMIN)
def rules():
    who = actor()
    form = RulesForm()
    status = 200
    if request.method == "GET":
        form.rules.data = service.rules_text(who)
    elif form.validate_on_submit():
        try:
            count = service.save_rules_text(who, form.rules.data)
        except ValidationFailed as exc:
            # The field is the rules' own (named inside each reason), not a form field.
            apply_errors(form, {"rules": [v for vs in exc.fields.values() for v in vs]})
            status = 422
        else:
            flash(_("%(n)d rules saved.", n=count), "ok")
            return redirect(url_for("admin.rules"))
    else:
        status = 422
    return render_template("admin/rules.html", form=form), status


@bp.get("/access-log")
@roles_required(ADMIN)
def access_log():
    reference = (request.args.get("reference") or "").strip()[:20]
    email = (request.args.get("user") or "").strip()[:200]
    rows = audit.access_log(actor(), reference=reference or None, user_email=email or None)
    return render_template(
        "admin/access_log.html", entries=_grouped(rows), reference=reference, email=email
    )


# The report page's thumbnails are one access-log row each; an administrator reads them as one
# line: "photo seen as a thumbnail, 4 times" (the same user, report, door and minute).
_GROUPED_ACTIONS = {"photo_thumbnail"}
_GROUP_SECONDS = 60


def _grouped(rows: list) -> list[tuple]:
    """(newest row, count) per line of the page; rows newest first, as the service gives them."""
    out: list[list] = []
    for row in rows:
        if out:
            last, count = out[-1]
            key = (row.action, row.user_id, row.report_reference, row.channel)
            if (
                row.action in _GROUPED_ACTIONS
                and key == (last.action, last.user_id, last.report_reference, last.channel)
                and (last.created_at - row.created_at).total_seconds() <= _GROUP_SECONDS
            ):
                out[-1][1] = count + 1
                continue
        out.append([row, 1])
    return [(row, count) for row, count in out]

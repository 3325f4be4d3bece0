"""The report forms' common part: choices from the database, the form's one-time token, and
turning a filled form into the same data the JSON API takes (checked by the same schema,
``ReportInSchema``), with every problem found in one go."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from meldecentral.domain import hotspots
from meldecentral.schemas.reports import ReportInSchema
from meldecentral.services.actor import Actor
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.reference import lookups
from meldecentral.services.reports import submit
from meldecentral.web.common import apply_errors, category_label, ui_language
from meldecentral.web.labels import INTERPRETER_LANGUAGES

_schema = ReportInSchema()

# Schema and service field names that the form calls differently.
ALIASES = {"location": "district", "lat": "district", "lon": "district"}

# The schema's own words are the API's (English); on the page, the form's language.
CONTACT_REASONS = {
    "email": _l("Write an e-mail address, such as name@example.dk."),
    "phone": _l("Write a phone number, such as +45 12 34 56 78."),
}


def fill_choices(form, actor: Actor) -> dict:
    """Set the form's choices and its one-time token; returns what the template needs besides
    the form."""
    categories = lookups.active_categories(actor.municipality_id)
    if not actor.is_staff:  # needs are the staff's
        categories = [c for c in categories if c.kind != hotspots.NEED]
    form.category.choices = [(c.code, category_label(c)) for c in categories]
    districts = lookups.districts(actor.municipality_id)
    form.district.choices = [("", _("Choose a district"))] + [
        (str(d.number), f"{d.number}. {d.name}") for d in districts
    ]
    form.interpreter_language.choices = [("", _("No"))] + [
        (code, str(name)) for code, name in INTERPRETER_LANGUAGES.items()
    ]
    if not form.submission_token.data:
        new_token(form)
    return {"categories": categories}


def new_token(form) -> None:
    """A fresh one-time token: a second POST of the same page is then the same submission
    (the API's Idempotency-Key), whether a double tap or Back and Send."""
    form.submission_token.data = secrets.token_urlsafe(24)


def sent_already(form) -> None:
    """The page's token was used for a report with other content (409, as the API answers):
    say so, and give the page a new token so that sending again, on purpose, makes a new
    report."""
    form.form_errors.append(
        _(
            "This form was already sent, with other content. To send it as a new report, "
            "send it again."
        )
    )
    new_token(form)


def idempotency_key(form) -> str | None:
    """The form's token when it has the API key's shape; a page from before the token (or a
    client without it) submits without one, as before."""
    token = form.submission_token.data or ""
    return token if 8 <= len(token) <= 100 else None


def json_form(form_cls, body: dict):
    """The form filled from the queue's JSON body (the API's field names), so that the JSON
    twin is checked, and answered, as the page is. CSRF is the request's header's job."""
    formdata = MultiDict()
    for name, value in body.items():
        if value is None or value is False or name in ("contact", "language"):
            continue
        formdata[name] = "y" if value is True else str(value)
    return form_cls(formdata=formdata, meta={"csrf": False})


def form_data(form, *, resident: bool) -> dict:
    """The form as the API's JSON body (before the schema)."""
    data = {
        "category": form.category.data,
        "text": (form.text.data or "").strip(),
        "happening_now": bool(form.happening_now.data),
        "child_in_danger": bool(form.child_in_danger.data),
        "minor_involved": bool(form.minor_involved.data),
        "person_named": bool(form.person_named.data),
        "housing_estate": bool(form.housing_estate.data),
        "language": ui_language(),
    }
    if form.lat.data is not None and form.lon.data is not None:
        data["lat"], data["lon"] = form.lat.data, form.lon.data
    elif form.district.data:
        data["district"] = form.district.data
    if form.address_text.data:
        data["address_text"] = form.address_text.data.strip()
    if form.interpreter_language.data:
        data["interpreter_language"] = form.interpreter_language.data
    if resident:
        contact = {
            "name": (form.contact_name.data or "").strip() or None,
            "email": (form.contact_email.data or "").strip() or None,
            "phone": (form.contact_phone.data or "").strip() or None,
            "wants_updates": bool(form.wants_updates.data),
        }
        if any(contact[k] for k in ("name", "email", "phone")):
            data["contact"] = contact
        if form.confirm_not_emergency.data:
            data["confirm_not_emergency"] = True
    return data


def check(form, actor: Actor, *, resident: bool) -> dict | None:
    """The report as the service takes it, or None with every problem put on the form at once:
    the form's own checks, the schema's, and the place (a missing one, a point outside the
    municipality, an unknown district), so that one submit names everything to fix."""
    form_ok = form.validate()
    raw = form_data(form, resident=resident)
    data = None
    try:
        data = _schema.load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        messages.pop("location", None)  # the place is checked below, whatever else failed
        if isinstance(messages.get("contact"), dict):
            messages["contact"] = {
                k: [CONTACT_REASONS[k]] if k in CONTACT_REASONS else v
                for k, v in messages["contact"].items()
            }
        # The form's own message (in the page's language) already says it for these fields.
        fresh = {k: v for k, v in messages.items() if not _has(form, ALIASES.get(k, k))}
        apply_errors(form, fresh, ALIASES)
    place_ok = _check_place(form, actor, raw)
    return data if form_ok and data is not None and place_ok else None


def _has(form, name: str) -> bool:
    return bool(getattr(getattr(form, name, None), "errors", None))


def _check_place(form, actor: Actor, raw: dict) -> bool:
    if raw.get("lat") is None and raw.get("district") is None:
        if not form.district.errors:
            form.district.errors = [_("Choose a district, or use your position.")]
        return False
    place = {"lat": raw.get("lat"), "lon": raw.get("lon")}
    if place["lat"] is None:
        try:
            place["district"] = int(raw["district"])
        except ValueError:
            return False  # the select's own check has said it
    try:
        submit.resolve_district(actor.municipality_id, place)
    except ValidationFailed as exc:
        apply_errors(form, place_messages(exc.fields), ALIASES)
        return False
    return True


def place_messages(fields: dict) -> dict:
    """The service's place problems in the page's language."""
    out = dict(fields)
    if "location" in out:
        out["location"] = [_("That position is outside the municipality.")]
    if "district" in out:
        out["district"] = [_("Choose a district from the list.")]
    return out

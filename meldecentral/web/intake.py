"""The report forms' common part: choices from the database, and turning a filled form into the
same data the JSON API takes (checked by the same schema, ``ReportInSchema``)."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError

from meldecentral.schemas.reports import ReportInSchema
from meldecentral.services.actor import Actor
from meldecentral.services.reference import lookups
from meldecentral.web.common import apply_errors, category_label, ui_language
from meldecentral.web.labels import INTERPRETER_LANGUAGES

_schema = ReportInSchema()

# Schema and service field names that the form calls differently.
ALIASES = {"location": "district", "lat": "district", "lon": "district"}


def fill_choices(form, actor: Actor) -> dict:
    """Set the form's choices; returns what the template needs besides the form."""
    categories = lookups.active_categories(actor.municipality_id)
    form.category.choices = [(c.code, category_label(c)) for c in categories]
    districts = lookups.districts(actor.municipality_id)
    form.district.choices = [("", _("Choose a district"))] + [
        (str(d.number), f"{d.number}. {d.name}") for d in districts
    ]
    form.interpreter_language.choices = [("", _("No"))] + [
        (code, str(name)) for code, name in INTERPRETER_LANGUAGES.items()
    ]
    return {"categories": categories}


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


def load(form, raw: dict) -> dict | None:
    """The schema's result, or None with the problems put on the form."""
    try:
        return _schema.load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        if "location" in messages:
            messages["location"] = [_("Choose a district, or use your position.")]
        apply_errors(form, messages, ALIASES)
        return None

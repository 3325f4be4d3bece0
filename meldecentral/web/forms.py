"""The pages' forms (Flask-WTF: every POST form carries a CSRF token). They check what a form
can check by itself; the JSON schema and the services check the rest, and their errors are put
next to these fields (``common.apply_errors``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from meldecentral.domain import conversation as conversation_rules
from meldecentral.domain import stemming
from meldecentral.pages import REQUIRED, PageForm
from meldecentral.schemas.reports import SEARCH_MAX, TEXT_MAX
from meldecentral.web import labels


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _ReportForm(PageForm):
    category = RadioField(
        _l("What is it about?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose what the report is about."))],
    )
    text = TextAreaField(
        _l("What happened?"),
        validators=[InputRequired(message=REQUIRED), Length(max=TEXT_MAX)],
    )
    happening_now = BooleanField(_l("It is happening now"))
    child_in_danger = BooleanField(_l("A child is in danger now"))
    lat = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(-180, 180)])
    district = SelectField(_l("District"), choices=[], validators=[Optional()])
    address_text = StringField(
        _l("Street, place or landmark (optional)"), validators=[Optional(), Length(max=300)]
    )
    minor_involved = BooleanField(_l("A minor (under 18) is involved"))
    person_named = BooleanField(_l("A person is named"))
    housing_estate = BooleanField(_l("On a housing estate"))
    interpreter_language = SelectField(
        _l("Interpreter needed"), choices=[], validators=[Optional()]
    )
    # Set when the page is made (intake.fill_choices); the API's Idempotency-Key for this form.
    submission_token = HiddenField()


class ResidentReportForm(_ReportForm):
    contact_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    wants_updates = BooleanField(_l("Tell me when there is news"), default=True)
    # Sent by the "No, send my report" button after the 112 question (a danger word in the text).
    confirm_not_emergency = BooleanField()


class StaffReportForm(_ReportForm):
    photo = FileField(_l("Photo (optional)"))


class PhotoForm(PageForm):
    """A photo added to one's own report afterwards (the report page)."""

    file = FileField(_l("Photo"))


class TrackForm(PageForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    reference = StringField(
        _l("Your reference"), validators=[InputRequired(message=REQUIRED), Length(max=30)]
    )


class SearchForm(PageForm):
    """A work list's search box (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=SEARCH_MAX)])

    def validate_q(self, field) -> None:
        if field.data and field.data.strip() and not stemming.query_stems(field.data):
            raise ValidationError(_l("Give at least one word to search for."))

    @property
    def words(self) -> str:
        """The words to search for, or "" (none given, or refused)."""
        return "" if self.q.errors else (self.q.data or "").strip()


class QueueFilterForm(SearchForm):
    district = SelectField(_l("District"), choices=[], validators=[Optional()])
    category = SelectField(_l("Category"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=[], validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))
    unrouted = BooleanField(_l("Unrouted only"))


class BulkForm(PageForm):
    """One action on the reports ticked in the queue (services.worklists.bulk)."""

    action = SelectField(
        _l("Action"),
        choices=[
            ("route", _l("Send to units")),
            ("category", _l("Change the category")),
            ("reject", _l("Reject")),
            ("merge", _l("Merge into one report")),
        ],
    )
    units = MultiCheckboxField(_l("Units"), choices=[])
    contact_units = MultiCheckboxField(_l("Give the reporter's contact details to"), choices=[])
    category = SelectField(_l("New category"), choices=[], validators=[Optional()])
    reason = TextAreaField(
        _l("Reason for rejecting (the same for all)"), validators=[Length(max=500)]
    )
    into = StringField(_l("Merge into (reference or number)"), validators=[Length(max=30)])


class ChangeForm(PageForm):
    category = SelectField(_l("Category"), choices=[])
    district = SelectField(_l("District"), choices=[], validators=[Optional()])


class RouteForm(PageForm):
    units = MultiCheckboxField(_l("Units"), choices=[])
    contact_units = MultiCheckboxField(_l("Give the reporter's contact details to"), choices=[])
    reason = StringField(_l("Why (kept in the history)"), validators=[Length(max=500)])


class RejectForm(PageForm):
    reason = TextAreaField(
        _l("Reason for rejecting"), validators=[InputRequired(message=REQUIRED), Length(max=500)]
    )


class MergeForm(PageForm):
    duplicate_of = StringField(
        _l("Duplicate of (reference or number)"),
        validators=[InputRequired(message=REQUIRED), Length(max=30)],
    )


class NoteForm(PageForm):
    body = TextAreaField(
        _l("Text"), validators=[InputRequired(message=REQUIRED), Length(max=TEXT_MAX)]
    )
    # An internal note's readers (services.privacy.access.readable_notes), or public.
    visibility = RadioField(
        _l("Who sees it"),
        choices=[
            ("own_unit", _l("Internal: my unit and the coordinators")),
            ("all_units", _l("Internal: every unit on the report")),
            ("public", _l("Public update (the reporter sees it)")),
        ],
        default="own_unit",
    )


class AssignmentForm(PageForm):
    status = HiddenField(validators=[InputRequired()])
    outcome = TextAreaField(_l("Outcome (the reporter sees it)"), validators=[Length(max=TEXT_MAX)])


class UserForm(PageForm):
    email = StringField(_l("E-mail"), validators=[InputRequired(message=REQUIRED), Length(max=200)])
    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    unit = SelectField(_l("Unit (unit members)"), choices=[], validators=[Optional()])
    password = PasswordField(
        _l("Password (at least 12 characters)"), validators=[InputRequired(message=REQUIRED)]
    )


class UnitForm(PageForm):
    """A unit's name and channels; ``unit_form_class`` adds the channels' address fields."""

    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED), Length(max=200)])
    active = BooleanField(_l("Active"))
    channels_high = MultiCheckboxField(_l("Channels, high urgency"), choices=[])
    channels_normal = MultiCheckboxField(_l("Channels, normal urgency"), choices=[])
    channels_low = MultiCheckboxField(_l("Channels, low urgency"), choices=[])


def unit_form_class(described: Mapping[str, Any]) -> type[UnitForm]:
    """UnitForm with a field for each channel's address and secret, named, labelled and sized
    as the channel declares them (services.delivery.channels); the service checks the values.
    The labels are in the catalogue (pybabel extracts them from notifications/)."""
    fields: dict[str, Field] = {}
    for description in described.values():
        address = description.address
        if address is None:
            continue
        fields[address.field] = StringField(
            lazy_gettext(address.label), validators=[Optional(), Length(max=address.max_length)]
        )
        if address.secret is not None:
            fields[address.secret.field] = PasswordField(
                lazy_gettext(address.secret.label), validators=[Optional()]
            )
    return type("ChannelsUnitForm", (UnitForm,), fields)


class NewUnitForm(PageForm):
    code = StringField(_l("Code"), validators=[InputRequired(message=REQUIRED), Length(max=20)])
    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED), Length(max=200)])


class MunicipalityForm(PageForm):
    """A platform administrator's: a new municipality (code, name, first administrator) or
    where one is reached (hosts, path prefix)."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED), Length(max=100)])
    hosts = TextAreaField(_l("Host names (one a line)"), validators=[Length(max=2000)])
    path_prefix = StringField(_l("Path prefix"), validators=[Length(max=40)])
    admin_email = StringField(
        _l("Administrator's e-mail"), validators=[Optional(), Length(max=200)]
    )
    admin_name = StringField(_l("Administrator's name"), validators=[Length(max=200)])
    admin_password = PasswordField(_l("Administrator's password"), validators=[Length(max=200)])


class CategoryForm(PageForm):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    label_da = StringField(
        _l("Label (Danish)"), validators=[InputRequired(message=REQUIRED), Length(max=200)]
    )
    label_en = StringField(
        _l("Label (English)"), validators=[InputRequired(message=REQUIRED), Length(max=200)]
    )
    # The kinds with a label (web.labels.KIND); a category's kind is data.
    kind = SelectField(_l("Kind"), choices=lambda: list(labels.KIND.items()))
    default_urgency = SelectField(
        _l("Urgency"), choices=[("high", _l("High")), ("normal", _l("Normal")), ("low", _l("Low"))]
    )
    emergency_when_now = BooleanField(_l("An emergency (112) when it is happening now"))
    active = BooleanField(_l("Active"), default=True)
    # Choices: the municipality's groups (set by the view); checked by the service.
    group = SelectField(_l("Group in the public facts"), validate_choice=False)


class Open311ClientForm(PageForm):
    name = StringField(
        _l("Name of the application"),
        validators=[InputRequired(message=REQUIRED), Length(max=100)],
    )


def category_form_class(languages: Mapping[str, str]) -> type[CategoryForm]:
    """CategoryForm with a label field for each further resident language (code: its name):
    ``label_ar``, ``label_tr``..., optional (the English label stands in for a missing one)."""
    fields: dict[str, Field] = {
        f"label_{code}": StringField(
            _l("Label (%(language)s)", language=name),
            validators=[Optional(), Length(max=200)],
        )
        for code, name in languages.items()
    }
    return type("LanguagesCategoryForm", (CategoryForm,), fields)


class LanguagesForm(PageForm):
    """The resident languages a municipality switches off (the choices are the configured
    languages but the default, set by the view)."""

    languages_off = MultiCheckboxField(_l("Switched off"), choices=[], validators=[Optional()])


class RulesForm(PageForm):
    rules = TextAreaField(_l("Rules (YAML or JSON)"), validators=[InputRequired(message=REQUIRED)])


class SaveViewForm(PageForm):
    """'Save current filters as...': the filters come as hidden ``filter-<key>`` fields, checked
    against the list's schema (schemas.views) when saved."""

    name = StringField(
        _l("Name of the view"), validators=[InputRequired(message=REQUIRED), Length(max=80)]
    )
    sharing = RadioField(
        _l("Who sees it"),
        choices=[("private", _l("Only me")), ("unit", _l("My unit"))],
        default="private",
    )
    make_default = BooleanField(_l("Open the list on this view"))


# The conversation with the reporter (web/conversation.py, services/reports/conversation.py).
_MESSAGE = [InputRequired(message=REQUIRED), Length(max=conversation_rules.MAX_BODY)]


class QuestionForm(PageForm):
    """Staff ask the reporter a question (the report page)."""

    body = TextAreaField(_l("Question to the reporter"), validators=_MESSAGE)


class AnswerForm(PageForm):
    """The reporter answers a question (the tracking page)."""

    question_id = HiddenField()
    body = TextAreaField(_l("Your answer"), validators=_MESSAGE)
    photo = FileField(_l("Photo (optional)"))


class InfoForm(PageForm):
    """The reporter adds information to a report still being handled."""

    body = TextAreaField(_l("What would you like to add?"), validators=_MESSAGE)
    photo = FileField(_l("Photo (optional)"))


class ReopenForm(PageForm):
    reason = TextAreaField(_l("Why should the report be reopened?"), validators=_MESSAGE)


class FeedbackForm(PageForm):
    """Signalen's reporter feedback, short: yes or no, a reason, a comment; only the first is
    required."""

    satisfied = RadioField(
        _l("Are you satisfied with how your report was handled?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(message=REQUIRED)],
    )
    reason = RadioField(_l("Why? (optional)"), validators=[Optional()], validate_choice=False)
    comment = TextAreaField(
        _l("Anything else? (optional)"),
        validators=[Optional(), Length(max=conversation_rules.MAX_COMMENT)],
    )


class PopulationForm(PageForm):
    district = SelectField(_l("District"), coerce=int, validators=[InputRequired(message=REQUIRED)])
    year = IntegerField(
        _l("Year"), validators=[InputRequired(message=REQUIRED), NumberRange(1990, 2100)]
    )
    population = IntegerField(
        _l("Residents"), validators=[InputRequired(message=REQUIRED), NumberRange(1, 9_999_999)]
    )
    source = StringField(_l("Source"), validators=[Optional(), Length(max=300)])


class DistrictsUploadForm(PageForm):
    file = FileField(_l("Districts (GeoJSON FeatureCollection)"))


class SurveyUploadForm(PageForm):
    file = FileField(_l("Survey results (CSV)"))


class HotspotForm(PageForm):
    """A temporary hotspot: the area drawn on the map lands in ``area`` (GeoJSON) through
    hotspot.js; without JavaScript the GeoJSON can be pasted."""

    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED), Length(max=100)])
    area = TextAreaField(
        _l("Area (draw it on the map)"), validators=[InputRequired(message=REQUIRED)]
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired(message=REQUIRED)])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=REQUIRED)])
    chief = SelectField(_l("Hotspot chief"), coerce=int, validate_choice=True)
    detection = HiddenField()

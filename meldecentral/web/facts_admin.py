"""The administrator's data behind the public facts: residents per district, the safety
survey's results (CSV upload), and publishing the figures again at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meldecentral.domain import roles
from meldecentral.pages import ActionForm
from meldecentral.services.errors import NotFound, ValidationFailed
from meldecentral.services.facts import population, publish, survey
from meldecentral.web import admin_bp as bp
from meldecentral.web.common import actor, apply_errors, roles_required
from meldecentral.web.forms import PopulationForm, SurveyUploadForm

MAX_SURVEY_BYTES = 1_000_000


def _page(population_form=None, survey_form=None, status=200, survey_errors=None):
    who = actor()
    rows = population.table(who.municipality_id)
    population_form = population_form or PopulationForm(formdata=None)
    population_form.district.choices = [(r[0], f"{r[1]} {r[2]}") for r in rows]
    return (
        render_template(
            "admin/facts.html",
            rows=rows,
            surveys=survey.latest(who.municipality_id),
            names={r[0]: r[2] for r in rows},
            population_form=population_form,
            survey_form=survey_form or SurveyUploadForm(formdata=None),
            survey_errors=survey_errors or {},
        ),
        status,
    )


@bp.get("/facts")
@roles_required(roles.ADMIN)
def facts_data():
    return _page()


@bp.post("/facts/population")
@roles_required(roles.ADMIN)
def facts_population():
    who = actor()
    form = PopulationForm()
    form.district.choices = [(r[0], r[2]) for r in population.table(who.municipality_id)]
    if form.validate_on_submit():
        try:
            population.set_population(
                who.municipality_id,
                form.district.data,
                form.year.data,
                form.population.data,
                form.source.data,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc.fields)
        except NotFound:
            form.district.errors = [*form.district.errors, _("No such district.")]
        else:
            flash(_("Residents saved. The public figures follow at the next publishing."), "ok")
            return redirect(url_for("admin.facts_data"))
    return _page(population_form=form, status=422)


@bp.post("/facts/survey")
@roles_required(roles.ADMIN)
def facts_survey():
    who = actor()
    form = SurveyUploadForm()
    errors = {}
    if form.validate_on_submit():
        upload = request.files.get("file")
        raw = upload.read(MAX_SURVEY_BYTES + 1) if upload else b""
        if not raw:
            errors = {"file": _("Choose a CSV file.")}
        elif len(raw) > MAX_SURVEY_BYTES:
            errors = {"file": _("The file is larger than 1 MB.")}
        else:
            try:
                done = survey.import_csv(who.municipality_id, raw.decode("utf-8-sig"))
            except UnicodeDecodeError:
                errors = {"file": _("The file is not UTF-8 text.")}
            except ValidationFailed as exc:
                errors = exc.fields or {"file": str(exc)}
            else:
                flash(_("%(n)s survey rows imported.", n=done.rows), "ok")
                return redirect(url_for("admin.facts_data"))
    return _page(survey_form=form, status=422, survey_errors=errors)


@bp.post("/facts/publish")
@roles_required(roles.ADMIN)
def facts_publish():
    if ActionForm().validate_on_submit():
        publish.publish_municipality(actor().municipality_id)
        flash(_("The public figures were published."), "ok")
    return redirect(url_for("admin.facts_data"))

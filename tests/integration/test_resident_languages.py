"""Issue 19: residents choose among the configured languages, less those their municipality
switched off; staff pages keep to the staff languages; every text residents read is translated
in every resident language; the interpreter need reaches the unit's alert; conflict mediation
has its own unit."""

from __future__ import annotations

import flask_babel
import sqlalchemy as sa

from meldecentral.cli.catalogues import catalogue_status, resident_messages
from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery, Municipality, Report, Unit
from tests.factories import drain, file_report, signed_in
from tests.webutil import csrf, text_of

RESIDENT_ONLY = ("ar", "tr", "ur", "so", "fa")


def _menu(page: str) -> list[str]:
    nav = page.split('class="langs"')[1].split("</nav>")[0]
    return [part.split('"')[0] for part in nav.split(' lang="')[1:]]


def test_the_resident_pages_offer_every_configured_language(client):
    assert _menu(text_of(client.get("/report"))) == ["da", "en", *RESIDENT_ONLY]
    client.get("/lang/ar")
    flask_babel.refresh()
    page = text_of(client.get("/report"))
    assert '<html lang="ar" dir="rtl">' in page and "قدّم بلاغًا" in page
    assert 'lang="da" dir="ltr"' in page  # the Danish 112 line stays left to right
    assert "العنف والتهديدات" in page  # the category's own Arabic label


def test_a_first_visit_reads_the_browsers_language_where_it_is_offered(client):
    arabic = {"Accept-Language": "ar-DK,ar;q=0.9,da;q=0.5"}
    assert '<html lang="ar" dir="rtl">' in text_of(client.get("/report", headers=arabic))
    flask_babel.refresh()
    pashto = {"Accept-Language": "ps"}  # not offered: the municipality's language
    assert '<html lang="da"' in text_of(client.get("/report", headers=pashto))
    flask_babel.refresh()
    assert '<html lang="da"' in text_of(client.get("/login", headers=arabic))  # staff: never


def test_wtforms_own_messages_are_somali_on_a_somali_page(client):
    """WTForms ships no Somali (nor Urdu): our wtforms.po has what the resident form shows."""
    from tests.integration.test_web_public import report_form

    client.get("/lang/so")
    flask_babel.refresh()
    page = text_of(report_form(client, address_text="x" * 301, district="nope"))
    assert "Goobtu kama dheeraan karto 300 xaraf." in page
    assert "Tani ma aha doorasho sax ah." in page and "Not a valid choice" not in page


def test_staff_pages_speak_only_the_staff_languages(client):
    client.get("/lang/ur")
    flask_babel.refresh()
    page = text_of(client.get("/login"))
    assert '<html lang="da" dir="ltr">' in page
    assert _menu(page) == ["da", "en"]


def test_a_municipality_switches_a_language_off(app, client):
    admin, _ = signed_in(app, "admin")
    page = text_of(admin.get("/admin/languages"))
    assert 'value="da"' not in page  # the default language cannot be switched off
    client.get("/lang/tr")
    res = admin.post(
        "/admin/languages",
        data={"csrf_token": csrf(admin, "/admin/languages"), "languages_off": ["tr", "so"]},
    )
    assert res.status_code == 302
    assert db.session.scalar(sa.select(Municipality.languages_off)) == ["tr", "so"]
    flask_babel.refresh()
    page = text_of(client.get("/report"))
    assert "tr" not in _menu(page) and "so" not in _menu(page)
    assert '<html lang="da"' in page  # the resident who had chosen Turkish reads Danish
    client.get("/lang/so")  # no longer offered: the choice is not taken
    flask_babel.refresh()
    assert '<html lang="da"' in text_of(client.get("/report"))


def test_the_default_language_cannot_be_switched_off(app):
    admin, _ = signed_in(app, "admin")
    res = admin.post(
        "/admin/languages",
        data={"csrf_token": csrf(admin, "/admin/languages"), "languages_off": ["da"]},
    )
    assert res.status_code == 422
    assert db.session.scalar(sa.select(Municipality.languages_off)) is None


def test_an_administrator_names_a_category_in_each_resident_language(app, client):
    from meldecentral.models import Category

    admin, _ = signed_in(app, "admin")
    nabo = db.session.scalar(sa.select(Category).filter_by(code="NABO"))
    url = f"/admin/categories/{nabo.id}"
    page = text_of(admin.get(url))
    assert "Betegnelse (arabisk)" in page and 'value="نزاع بين الجيران"' in page
    form = {
        "csrf_token": csrf(admin, url),
        "label_da": nabo.label_da,
        "label_en": nabo.label_en,
        "kind": nabo.kind,
        "default_urgency": nabo.default_urgency,
        "active": "y",
        "label_ar": "خلاف بين الجيران",
        "label_tr": "",  # left out: the English label stands in
    }
    assert admin.post(url, data=form).status_code == 302
    db.session.refresh(nabo)
    assert nabo.labels["ar"] == "خلاف بين الجيران" and "tr" not in nabo.labels
    client.get("/lang/tr")
    flask_babel.refresh()
    assert "Neighbour conflict" in text_of(client.get("/report"))


def test_every_text_residents_read_is_translated():
    wanted = resident_messages()
    assert "Make a report" in wanted and "News on your report %(ref)s" in wanted
    assert "Routing rules" not in wanted  # a staff text: not the residents'
    for code in RESIDENT_ONLY:
        status = catalogue_status(code, wanted)
        assert status.missing == 0, f"{code}: {status.missing} residents' texts untranslated"


def test_a_reporter_is_told_in_arabic_only(app):
    from meldecentral.services.delivery import texts

    report = file_report(signed_in(app, "street_worker")[0])
    report.language = "ar"
    subject, body = texts.reporter_update(report, "https://x.test/track/R")
    ref = report.reference
    # in the language the reporter used, not also in Danish (issue 19, the conversation)
    assert subject == f"مستجدات حول بلاغك {ref}"
    assert f"هناك مستجدات حول بلاغك {ref}: https://x.test/track/R" in body.splitlines()
    assert "Nyt i din sag" not in body


def test_the_interpreter_need_is_in_the_units_alert(app):
    report = file_report(
        signed_in(app, "street_worker")[0], category="NABO", interpreter_language="so"
    )
    drain()
    housing = db.session.scalar(sa.select(Unit.id).filter_by(code="HOUSING"))
    alert = db.session.scalar(sa.select(Delivery).filter_by(report_id=report.id, unit_id=housing))
    assert alert.subject.endswith("; tolk nødvendig: somali")
    assert alert.payload["interpreter_language"] == "so"
    units = db.session.scalars(
        sa.select(Unit.code).join(Assignment).where(Assignment.report_id == report.id)
    ).all()
    assert sorted(units) == ["COORD", "HOUSING"]  # the coordinators book the interpreter


def test_conflict_mediation_goes_to_the_mediation_service(app):
    report = file_report(signed_in(app, "street_worker")[0], category="KONFLIKT")
    drain()
    units = db.session.scalars(
        sa.select(Unit.code).join(Assignment).where(Assignment.report_id == report.id)
    ).all()
    assert units == ["MEDIATION"]
    assert db.session.get(Report, report.id).status == "routed"

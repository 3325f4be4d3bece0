"""The public pages with the test client: the resident's form, receipt, 112 answer, tracking,
and the language switch."""

import re

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import EmergencyRedirect, Report
from tests.webutil import csrf, text_of

NOTICE_DA = "Ikke en nødtjeneste"
NOTICE_EN = "Not an emergency service"


def report_form(client, **over):
    data = {
        "csrf_token": csrf(client, "/report"),
        "category": "NABO",
        "text": "Larm og trusler i opgangen hver nat.",
        "district": "3",
        "address_text": "Blågårdsgade",
        **over,
    }
    return client.post("/report", data={k: v for k, v in data.items() if v is not None})


def test_front_page_is_danish_first_with_the_112_notice(client):
    html = text_of(client.get("/"))
    assert '<html lang="da" dir="ltr">' in html
    assert html.index(NOTICE_DA) < html.index(NOTICE_EN)
    assert "Lav en melding" in html


def test_language_switch_keeps_the_page_and_the_danish_notice_first(client):
    res = client.get("/lang/en?next=/report")
    assert res.status_code == 302 and res.headers["Location"] == "/report"
    html = text_of(client.get("/report"))
    assert '<html lang="en" dir="ltr">' in html
    assert "Make a report" in html and "Violence and threats" in html
    assert html.index(NOTICE_DA) < html.index(NOTICE_EN)
    # Never an open redirect.
    assert client.get("/lang/da?next=https://evil.example/").headers["Location"] == "/"


def test_categories_come_from_the_database_in_the_ui_language(client):
    html = text_of(client.get("/report"))
    assert "Vold og trusler" in html and "Nabokonflikt" in html
    assert "Behov her" not in html  # a need is the staff's to file


def test_anonymous_report_receipt_and_tracking(client):
    res = report_form(client)
    assert res.status_code == 302 and res.headers["Location"] == "/report/receipt"
    report = db.session.scalars(sa.select(Report)).one()
    assert report.source == "resident" and report.contact is None and report.language == "da"
    assert report.district.number == 3
    html = text_of(client.get("/report/receipt"))
    assert report.reference in html
    page = client.get(f"/track/{report.reference}")
    assert page.status_code == 200
    assert "Modtaget" in text_of(page)
    # A reference typed loosely is found.
    loose = report.reference.lower().replace("-", " ")
    res = client.get("/track", query_string={"reference": loose})
    assert res.headers["Location"] == f"/track/{report.reference}"


def test_contact_details_are_optional_and_kept_apart(client):
    res = report_form(client, contact_email="borger@example.org", wants_updates="y")
    assert res.status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert report.contact.email == "borger@example.org"


def test_bad_input_comes_back_with_the_problem_next_to_the_field(client):
    res = report_form(client, text="", contact_email="not-an-address")
    assert res.status_code == 422
    html = text_of(res)
    assert 'id="text-err"' in html and "Udfyld venligst dette felt." in html
    # The rest of what was typed is kept.
    assert 'value="Blågårdsgade"' in html
    assert re.search(r'<input checked[^>]*value="NABO"', html)
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0


def test_schema_problems_are_named_next_to_their_field(client):
    res = report_form(client, contact_email="not-an-address")
    assert res.status_code == 422
    assert 'id="contact_email-err"' in text_of(res)
    res = report_form(client, district=None)
    assert 'id="district-err"' in text_of(res)
    assert "Vælg en bydel, eller brug din position." in text_of(res)


def test_a_point_outside_the_municipality_is_named(client):
    res = report_form(client, district=None, lat="55.60", lon="12.80")
    assert res.status_code == 422
    assert "uden for kommunen" in text_of(res)


def test_an_emergency_gets_the_112_page_and_no_report(client):
    res = report_form(client, category="VOLD", happening_now="y")
    assert res.status_code == 200
    html = text_of(res)
    assert "Ring 112 nu" in html and 'href="tel:112"' in html
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(EmergencyRedirect.id))) == 1


def test_danger_words_happening_now_get_the_112_page_in_any_category(client):
    res = report_form(client, text="Et knivstik lige nu, kom hurtigt!", happening_now="y")
    assert "Ring 112 nu" in text_of(res)
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(EmergencyRedirect.id))) == 1


def test_danger_words_ask_first_and_keep_what_was_typed(client):
    text = "Han truede med en kniv i opgangen i går."
    res = report_form(client, text=text)
    html = text_of(res)
    assert res.status_code == 200
    assert "Er nogen i fare lige nu?" in html and 'href="tel:112"' in html
    assert 'name="confirm_not_emergency"' in html and "Nej, send min melding" in html
    assert text in html and "Blågårdsgade" in html  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0
    res = report_form(client, text=text, confirm_not_emergency="y")
    assert res.status_code == 302 and res.headers["Location"].endswith("/report/receipt")
    assert db.session.scalar(sa.select(Report.urgency)) == "high"


def test_a_minor_involved_right_now_is_asked_about_in_its_own_words(client):
    now_with_a_minor = {"minor_involved": "y", "happening_now": "y"}
    res = report_form(client, text="Nogle unge råber i gården.", **now_with_a_minor)
    html = text_of(res)
    assert "Er nogen i fare lige nu?" in html
    assert "Et barn eller en ung er involveret" in html and "Din tekst nævner" not in html
    res = report_form(
        client, text="Nogle unge råber i gården.", confirm_not_emergency="y", **now_with_a_minor
    )
    assert res.status_code == 302


def test_unknown_reference_is_a_404_with_the_form(client):
    res = client.get("/track/MC-0000-0000")
    assert res.status_code == 404
    assert "Ingen melding har den reference" in text_of(res)
    res = client.get("/track", query_string={"reference": "hello"})
    assert res.status_code == 422


def test_district_of_a_point(client):
    assert client.get("/place?lat=55.696&lon=12.545").json == {"district": 3, "name": "Nørrebro"}
    assert client.get("/place?lat=55.60&lon=12.80").json["district"] is None
    assert client.get("/place").status_code == 400


def test_vendor_files_only_from_known_packages(client):
    assert client.get("/vendor/nothing/x.js").status_code == 404
    assert client.get("/vendor/leaflet/../../package.json").status_code == 404


def form_token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_same_form_sent_twice_stores_one_report(client):
    """Issue 16, item 9: a double tap, or Back then Send, posts the page's one-time token again;
    the second POST shows the first report's receipt instead of storing a second report."""
    token = form_token(text_of(client.get("/report")))
    first = report_form(client, submission_token=token)
    again = report_form(client, submission_token=token)
    assert first.status_code == again.status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert report.reference in text_of(client.get("/report/receipt"))
    # The same token with other content is refused as the API refuses it, and the page gets a
    # new token, so that sending it again on purpose makes a new report.
    other = report_form(client, submission_token=token, text="Noget helt andet.")
    assert other.status_code == 409
    html = text_of(other)
    assert "allerede sendt" in html and "Noget helt andet." in html
    assert form_token(html) != token
    assert report_form(client, submission_token=form_token(html)).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 2


def test_every_problem_is_named_at_once_in_a_summary_at_the_top(client):
    """Issue 16, item 10: one submit names every problem, the place too, in a summary before
    the fields that links to each field; what was typed is kept."""
    res = report_form(client, category=None, text="", district=None, contact_email="x")
    assert res.status_code == 422
    html = text_of(res)
    summary = html[html.index('id="error-summary"') : html.index("</ul>")]
    assert 'role="alert"' in html[html.index('<div class="error-summary"') :][:120]
    for target in ("#category-0", "#text", "#district", "#contact_email"):
        assert f'href="{target}"' in summary
    assert "Vælg en bydel, eller brug din position." in summary
    assert "Skriv en e-mailadresse" in summary  # the schema's reason, in the page's language
    assert html.index('id="error-summary"') < html.index('name="text"')
    assert 'value="Blågårdsgade"' in html
    # A point outside the municipality is named on the same first submit as the missing text.
    res = report_form(client, text="", district=None, lat="55.60", lon="12.80")
    summary = text_of(res)
    assert 'href="#text"' in summary and "uden for kommunen" in summary
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0

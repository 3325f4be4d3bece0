"""What staff read on the report page is in their language (issue 16, item 13): the routing
trace was the English words the rule engine stored, with unit codes."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_babel
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import RoutingDecision, Unit
from tests.factories import drain, file_report, signed_in
from tests.webutil import text_of


def _trace(page: str) -> str:
    return page.split('class="trace"')[1].split("</article>")[0]


def _routed_violence(app):
    coordinator, _ = signed_in(app, "coordinator")
    # A Tuesday afternoon: rules with weekday or hour windows see the same clock every run.
    with clock.at(datetime(2026, 12, 8, 13, 0, tzinfo=UTC)):
        report = file_report(signed_in(app, "street_worker")[0], category="VOLD")
        drain()
    return coordinator, report


def test_the_routing_trace_reads_in_danish_with_unit_names(app):
    coordinator, report = _routed_violence(app)
    decision = db.session.scalar(sa.select(RoutingDecision).filter_by(report_id=report.id))
    assert decision.explanation.startswith("routed to POLICE because")  # the API's words
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Ny melding" in trace and f"Sendt til {police.name}, fordi:" in trace
    assert "kategori Vold" in trace
    for english in ("routed to", "because", "category VOLD", "created"):
        assert english not in trace


def test_and_in_english_for_staff_who_chose_english(app):
    coordinator, report = _routed_violence(app)
    coordinator.get("/lang/en")
    flask_babel.refresh()  # the test shares one app context; a real request would not
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "New report" in trace and "Sent to" in trace and "category Violence" in trace


def test_an_unrouted_report_says_so_in_danish(app):
    coordinator, _ = signed_in(app, "coordinator")
    from meldecentral.services.routing import rulebook

    municipality_id = db.session.scalar(sa.select(Unit.municipality_id).limit(1))
    rulebook.replace_rules(
        municipality_id,
        [{"id": 1, "name": "Only VOLD", "order": 1, "categories": ["VOLD"], "units": ["POLICE"]}],
    )
    report = file_report(signed_in(app, "street_worker")[0], category="HAERVAERK")
    drain()
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Ingen regel passede" in trace and "no rule matched" not in trace


def test_every_kind_of_condition_is_said_in_danish(app):
    from meldecentral.services.routing import rulebook

    municipality_id = db.session.scalar(sa.select(Unit.municipality_id).limit(1))
    rule = {
        "id": 1,
        "name": "Aftenvagt",
        "order": 1,
        "categories": ["VOLD"],
        "minor_involved": False,
        "weekdays": [1],
        "hours": [13, 17],
        "units": ["POLICE"],
    }
    rulebook.replace_rules(municipality_id, [rule])
    coordinator, report = _routed_violence(app)
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Regel “Aftenvagt”: kategori Vold og trusler, ingen mindreårige involveret" in trace
    assert "på en tirsdag og mellem kl. 13:00 og 17:00" in trace


def test_alert_subjects_go_through_the_catalogues(app):
    """The subject was "[HIGH] Ny melding ...: VOLD": English urgency, a raw category code."""
    from meldecentral.models import Delivery, Report
    from meldecentral.services.delivery import plan

    _, report = _routed_violence(app)
    delivery = db.session.scalar(sa.select(Delivery).filter_by(report_id=report.id))
    assert delivery.subject.startswith(f"[HØJ] Ny melding {report.reference}: Vold og trusler, ")
    assert "VOLD" not in delivery.subject and "HIGH" not in delivery.subject
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # a municipality whose staff language is English
    try:
        subject = plan.texts.new_report_subject(db.session.get(Report, report.id))
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "da"
    assert subject.startswith(f"[HIGH] New report {report.reference}: Violence")


def test_a_reporter_is_told_in_their_own_language(app):
    """Issue 19: everything the reporter receives is in the language they used (it was Danish
    and theirs, one line each); a language the site does not speak falls back to Danish."""
    from meldecentral.models import Report
    from meldecentral.services.delivery import texts

    _, report = _routed_violence(app)
    report = db.session.get(Report, report.id)
    report.language = "en"
    subject, body = texts.reporter_update(report, "https://x.test/track/R")
    assert subject == f"News on your report {report.reference}"
    assert body == f"There is news on your report {report.reference}: https://x.test/track/R"
    report.language = "xx"
    subject, body = texts.reporter_update(report, "https://x.test/track/R")
    assert subject == f"Nyt i din sag {report.reference}"
    assert body == f"Der er nyt i din sag {report.reference}. Se den her: https://x.test/track/R"


def test_undelivered_alerts_say_what_went_wrong_in_danish(app):
    from meldecentral.models import Delivery
    from meldecentral.services.delivery import send

    worker, _ = signed_in(app, "street_worker")
    file_report(worker)
    for delivery_id in drain():
        send.attempt(delivery_id, claimed=True)  # the demo units have no addresses
    dead = db.session.scalars(sa.select(Delivery).where(Delivery.status == "dead")).first()
    assert dead.last_error == f"no {dead.channel} address configured"
    coordinator, _ = signed_in(app, "coordinator")
    page = text_of(coordinator.get("/staff/deliveries"))
    card = page.split(f'data-delivery="{dead.id}"')[1].split("</li>")[0]
    visible = card.split("<details")[0]  # the other system's words are a detail to open
    assert "Enheden har ingen adresse til" in visible and dead.unit.name in visible
    assert "configured" not in visible and f" {dead.unit.code} " not in visible


def test_the_notification_centre_says_what_a_report_is_in_the_readers_language(app):
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    police.channels = {"high": ["in_app"], "normal": ["in_app"], "low": ["in_app"]}
    db.session.commit()
    member, _ = signed_in(app, "unit_member", "POLICE")
    _, report = _routed_violence(app)
    from meldecentral.models import Delivery
    from meldecentral.services.delivery import send

    for d in db.session.scalars(sa.select(Delivery).filter_by(channel="in_app")).all():
        send.attempt(d.id, claimed=d.status == "sending")
    member.get("/lang/en")
    flask_babel.refresh()
    page = text_of(member.get("/staff/notifications"))
    card = page.split("data-notification=")[1].split("</li>")[0]
    assert "New report for your unit" in card and "Violence" in card and "High" in card
    assert "Ny melding" not in card


def test_a_refused_merge_says_why_in_danish(app):
    from tests.webutil import csrf

    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker)
    coordinator, _ = signed_in(app, "coordinator")
    page = f"/staff/reports/{report.id}"
    res = coordinator.post(
        f"{page}/status",
        data={
            "merge-csrf_token": csrf(coordinator, page),
            "target": "merged",
            "merge-duplicate_of": report.id,
        },
    )
    assert res.status_code == 422
    assert "en melding kan ikke være en dublet af sig selv" in text_of(res)
    assert "cannot be a duplicate" not in text_of(res)


def test_a_rule_set_with_a_mistake_is_explained_in_danish(app):
    from tests.webutil import csrf

    admin, _ = signed_in(app, "admin")
    rules = '[{"id": 7, "name": "x", "order": "first", "units": ["POLICE"]}]'
    res = admin.post(
        "/admin/rules", data={"csrf_token": csrf(admin, "/admin/rules"), "rules": rules}
    )
    assert res.status_code == 422
    assert "regel nr. 0 (id 7) felt &#39;order&#39;: skal være et helt tal" in text_of(res)


def test_the_api_keeps_its_english_reasons(client, make_user):
    from tests.conftest import auth

    _, token = make_user("admin")
    res = client.put(
        "/api/v1/routing/rules",
        json={"rules": [{"id": 7, "name": "x", "order": "first", "units": ["POLICE"]}]},
        headers=auth(token),
    )
    assert res.status_code == 422
    assert res.json["error"]["fields"] == {
        "order": ["rule #0 (id 7) field 'order': must be a whole number"]
    }


def test_a_refused_photo_is_explained_in_danish(app, tmp_path):
    import io

    from tests.webutil import csrf

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    worker, _ = signed_in(app, "street_worker")
    res = worker.post(
        "/staff/report",
        data={
            "csrf_token": csrf(worker, "/staff/report"),
            "category": "HAERVAERK",
            "text": "Graffiti igen.",
            "district": "3",
            "photo": (io.BytesIO(b"not an image"), "x.png"),
        },
        content_type="multipart/form-data",
    )
    page = text_of(worker.get(res.headers["Location"]))
    assert "ikke et JPEG-, PNG- eller WebP-foto" in page and "not a JPEG" not in page


def test_wtforms_own_messages_are_danish_on_a_danish_page(client):
    """WTForms ships no Danish: "Field cannot be longer than 300 characters." on a Danish page."""
    from tests.integration.test_web_public import report_form

    res = report_form(client, address_text="x" * 301, district="nope")
    page = text_of(res)
    assert res.status_code == 422
    assert "Feltet må højst være 300 tegn langt." in page and "Ikke et gyldigt valg." in page
    assert "cannot be longer" not in page and "Not a valid choice" not in page


def test_and_english_on_an_english_page(client):
    from tests.integration.test_web_public import report_form

    client.get("/lang/en")
    flask_babel.refresh()
    page = text_of(report_form(client, address_text="x" * 301))
    assert "Field cannot be longer than 300 characters." in page

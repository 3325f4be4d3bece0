"""Issue 16, item 13 in a phone-sized Chromium: what staff and residents read is in their
language: the site's own 404, the routing trace, undelivered alerts, a refused rule set, the
access log; and the same page in English. Screenshots under test-artifacts/screenshots/ (6x)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Delivery, Report
from meldecentral.services.delivery import send
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_notifications import in_live, resident_report, sign_out

ENGLISH = re.compile(r"routed to|because|no rule matched|address configured|must be a whole")


def test_an_unknown_address_is_the_sites_page_in_danish(phone, live):
    page = phone.new_page()
    res = page.goto(live.url + "/no-such-page")
    assert res.status == 404
    assert page.get_attribute("html", "lang") == "da"
    assert "Der er intet her" in page.text_content("main")
    shot(page, "60-not-found-danish")


def test_staff_read_routing_and_undelivered_alerts_in_their_language(phone, live):
    reference = resident_report(phone, live, "VOLD", "Slagsmål foran kiosken i aftes.")
    live.drain()

    def send_all():  # the test units have no addresses: the alerts are dead at once
        for d in db.session.scalars(sa.select(Delivery).where(Delivery.status != "sent")).all():
            send.attempt(d.id, claimed=d.status == "sending")

    in_live(live, send_all)
    report_id = live.scalar(sa.select(Report.id).where(Report.reference == reference))
    page = phone.new_page()
    sign_in(page, live, "coordinator")
    page.goto(f"{live.url}/staff/reports/{report_id}")
    trace = page.text_content(".trace")
    assert "Ny melding" in trace and "Sendt til" in trace and "kategori Vold" in trace
    assert not ENGLISH.search(trace)
    assert "POLICE" not in page.text_content("ol.history")  # the unit's name, not its code
    page.locator(".trace").scroll_into_view_if_needed()
    shot(page, "61-routing-trace-danish")

    page.goto(f"{live.url}/staff/deliveries")
    card = page.locator("[data-delivery]").first
    assert "Enheden har ingen adresse til" in card.text_content()
    assert not card.locator("details").evaluate("d => d.open")  # the detail waits to be opened
    shot(page, "62-undelivered-danish")

    page.click("nav.langs a[lang=en]")
    page.goto(f"{live.url}/staff/reports/{report_id}")
    assert "Sent to" in page.text_content(".trace")
    shot(page, "63-routing-trace-english")
    page.click("nav.langs a[lang=da]")
    sign_out(page)


def test_an_administrator_reads_a_refused_rule_set_and_the_access_log_in_danish(phone, live):
    page = phone.new_page()
    sign_in(page, live, "admin")
    page.goto(live.url + "/admin/rules")
    page.fill("#rules", '[{"id": 7, "name": "x", "order": "first", "units": ["POLICE"]}]')
    page.click("main button[type=submit]")
    error = page.text_content("#rules-err")
    assert "regel nr. 0 (id 7) felt 'order': skal være et helt tal" in error
    assert not ENGLISH.search(error)
    shot(page, "64-rules-refused-danish")
    page.goto(live.url + "/admin/access-log")
    assert "Koordinator" in page.text_content("main")
    shot(page, "65-access-log-danish")
    sign_out(page)

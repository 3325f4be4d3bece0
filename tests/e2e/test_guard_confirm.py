"""The 112 question on a phone (issue 16, item 11): a resident's text that names a weapon is
asked about first, with everything typed kept, and sent on "No, send my report"."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.models import Report
from tests.e2e.conftest import shot


def test_danger_words_ask_first_then_send(phone, live):
    page = phone.new_page()
    page.goto(live.url + "/report")
    page.check("input[name=category][value=TYVERI]", force=True)
    page.fill("#text", "Indbrud i kælderen i går, tyven havde en kniv.")
    page.select_option("#district", "3")
    page.click("main button[type=submit]")
    page.wait_for_selector(".confirm-danger")
    assert page.is_visible(".confirm-danger a[href='tel:112']")
    assert page.input_value("#text") == "Indbrud i kælderen i går, tyven havde en kniv."
    box = page.locator(".confirm-danger").bounding_box()
    assert box["width"] <= page.viewport_size["width"]  # fits the phone
    shot(page, "08-resident-confirm-not-emergency")
    page.click("text=Nej, send min melding")
    page.wait_for_url("**/report/receipt")
    reference = page.text_content("[data-reference]").strip()
    report = live.scalar(sa.select(Report).where(Report.reference == reference))
    assert report.urgency == "high"

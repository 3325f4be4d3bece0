"""Issue 19 in phone-sized Chromium: a unit asks the reporter a question, the reporter (who
wrote in English) answers on the tracking page with a photo, and the unit's inbox shows "the
reporter answered". Screenshots under test-artifacts/screenshots/ (90-94)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from meldecentral.models import Report, ReporterMessage
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_browser import choose_category

NARROW = {"width": 360, "height": 760}


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_a_unit_asks_and_the_reporter_answers_on_the_tracking_page(phone, browser, live):
    reporter = phone.new_page()
    reporter.set_viewport_size(NARROW)
    reporter.goto(live.url + "/lang/en?next=/report")
    choose_category(reporter, "TYVERI")
    reporter.fill("#text", "Someone broke into the bike shed behind our building last week.")
    reporter.select_option("#district", "3")
    reporter.fill("#contact_email", "reporter@example.org")
    reporter.click("main button[type=submit]")
    reporter.wait_for_url("**/report/receipt")
    reference = reporter.text_content("[data-reference]").strip()
    live.drain()  # routed to the police
    report_id = live.scalar(sa.select(Report.id).where(Report.reference == reference))

    # The police, on another phone (Danish, the staff language), ask which entrance.
    police_context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    police_context.set_default_timeout(10_000)
    police = police_context.new_page()
    sign_in(police, live, "POLICE")
    police.goto(f"{live.url}/staff/reports/{report_id}")
    # the reporter's language, named in the page's language (Danish)
    assert police.text_content("[data-language]").strip() == "engelsk"
    police.fill("#question-body", "Which entrance: the street door or the yard?")
    police.click("#conversation button[type=submit]")
    police.wait_for_selector("[data-message=question]")
    live.drain()  # the reporter is told by e-mail, in English

    # The reporter's tracking page, in English: the question, and an answer with a photo.
    reporter.goto(f"{live.url}/track/{reference}")
    reporter.wait_for_selector("[data-question]:has-text('Which entrance')")
    shot(reporter, "90-track-question")
    reporter.fill("#answer-body", "The yard, next to the bins.")
    reporter.set_input_files(
        "#answer-photo", {"name": "yard.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    )
    reporter.click("[data-question] button[type=submit]")
    reporter.wait_for_selector(".flash.ok:has-text('Your answer was sent')")
    assert reporter.locator("[data-question]").count() == 0
    shot(reporter, "91-track-answered")
    answer = live.scalar(sa.select(ReporterMessage).where(ReporterMessage.kind == "answer"))
    assert answer.body == "The yard, next to the bins." and answer.attachment_id

    # The unit's inbox marks it; the report page shows the conversation.
    police.goto(f"{live.url}/staff/inbox")
    card = police.locator(f"[data-reference='{reference}']")
    card.locator("[data-reporter-answered]").wait_for()
    assert "Melderen har svaret" in card.text_content()
    shot(police, "92-inbox-reporter-answered")
    police.goto(f"{live.url}/staff/reports/{report_id}")
    police.wait_for_selector("[data-message=answer]:has-text('The yard')")
    police.locator("#conversation").scroll_into_view_if_needed()
    shot(police, "93-report-conversation")
    police_context.close()

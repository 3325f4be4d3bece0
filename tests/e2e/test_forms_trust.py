"""Issue 16, items 9, 10 and 12 on a phone: one report per form however often Send is
pressed, every problem named at once in a summary on top, and a street worker's report that
a refusal by the server does not lose (a photo without network waits with its report:
test_offline_app.py). Screenshots under test-artifacts/screenshots/ (the 5x ones)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import sqlalchemy as sa

from meldecentral.models import Report
from tests.e2e.conftest import SHOTS, capture, count, focused_on, shot, sign_in, until

SEND = "main form[data-report-form] button[type=submit]"


def choose_category(page, code: str) -> None:
    page.check(f"input[name=category][value={code}]", force=True)


def view_shot(page, name: str) -> None:
    """What the phone's screen shows, not the whole page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    capture(page, SHOTS / f"{name}.png")


@contextmanager
def slow_posts(live, seconds: float):
    """The server answers POSTs late, as on a slow network (the test server's WSGI app is
    looked up per request, so wrapping it here takes effect at once)."""
    inner = live.app.wsgi_app

    def slow(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(seconds)
        return inner(environ, start_response)

    live.app.wsgi_app = slow
    try:
        yield
    finally:
        live.app.wsgi_app = inner


def test_a_double_tap_and_back_then_send_store_one_report(full_phone, live):
    """Item 9. (In the whole browser: its screenshot is taken while the report is posted.)"""
    page = full_phone.new_page()
    page.goto(live.url + "/report")
    before = count(live, Report)
    choose_category(page, "NABO")
    page.fill("#text", "Dobbelttryk på en langsom forbindelse.")
    page.select_option("#district", "3")
    # The page records each submit, and whether the button was still enabled, in
    # sessionStorage (it outlives the navigation); the second tap comes right after the first.
    page.evaluate(
        """(send) => {
          const button = document.querySelector(send);
          let submits = 0;
          window.addEventListener("submit", () => {
            submits += 1;
            sessionStorage.setItem("submits", String(submits));
            sessionStorage.setItem("disabled", String(button.disabled));
            if (submits === 1) setTimeout(() => button.click(), 0);
          });
        }""",
        SEND,
    )
    with slow_posts(live, 1.5):
        page.click(SEND, no_wait_after=True)
        view_shot(page, "50-double-tap-button-disabled")
        page.wait_for_url("**/report/receipt", timeout=15_000)
    assert page.evaluate("sessionStorage.getItem('disabled')") == "true"
    assert page.evaluate("sessionStorage.getItem('submits')") == "1"
    reference = page.text_content("[data-reference]").strip()
    assert count(live, Report) == before + 1
    # Back, then Send again: the page's token makes it the same report, the same receipt.
    page.go_back()
    page.wait_for_url("**/report")
    assert page.input_value("#text") == "Dobbelttryk på en langsom forbindelse."
    assert page.evaluate(f"document.querySelector('{SEND}').disabled") is False
    page.click(SEND)
    page.wait_for_url("**/report/receipt", timeout=15_000)
    assert page.text_content("[data-reference]").strip() == reference
    shot(page, "51-back-then-send-same-receipt")
    assert count(live, Report) == before + 1


def test_every_problem_is_in_a_summary_on_top_after_one_submit(phone, live):
    """Item 10."""
    page = phone.new_page()
    page.goto(live.url + "/report")
    page.fill("#address_text", "Nørrebrogade 1")
    page.fill("#contact_email", "ikke-en-adresse")
    page.click("main button[type=submit]")
    summary = page.wait_for_selector("[data-error-summary]")
    # The phone shows the summary first: focus is on it, and it is on screen.
    # report.js moves the focus once it has run, which may be just after the element appears.
    focused_on(page, "error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.is_visible() and summary.bounding_box()["y"] < 844
    links = page.eval_on_selector_all(
        "[data-error-summary] a", "as => as.map(a => a.getAttribute('href'))"
    )
    # The place is named on the first submit, with everything else.
    assert {"#category-0", "#text", "#district", "#contact_email"} <= set(links)
    assert page.input_value("#address_text") == "Nørrebrogade 1"
    view_shot(page, "52-summary-on-top")
    page.click("[data-error-summary] a[href='#district']")
    assert page.evaluate("document.activeElement.id") == "district"
    view_shot(page, "53-summary-link-to-district")


def test_without_network_every_missing_field_is_named_at_once(phone, live):
    """Item 10 on the street worker's phone without network: the page names each missing field
    in the summary, as the server would, instead of one sentence."""
    page = phone.new_page()
    sign_in(page, live, "street_worker")
    page.goto(live.url + "/staff/report")
    phone.set_offline(True)
    page.fill("#address_text", "Under broen")
    page.click(SEND)
    page.wait_for_selector("[data-error-summary]")
    links = page.eval_on_selector_all(
        "[data-error-summary] a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert links == ["#category-0", "#text", "#district"]
    # report.js moves the focus once it has run, which may be just after the element appears.
    focused_on(page, "error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.input_value("#address_text") == "Under broen"
    view_shot(page, "58-offline-missing-fields")
    phone.set_offline(False)


def test_a_queued_report_the_server_refuses_can_be_corrected_and_resent(phone, live):
    """Item 12: the reason in the page's language, next to the field, corrected and resent."""
    page = phone.new_page()
    sign_in(page, live, "street_worker")
    page.goto(live.url + "/staff/report")
    before = count(live, Report)
    phone.set_offline(True)
    choose_category(page, "UTRYG")
    page.fill("#text", "Mørk sti, position uden for kommunen.")
    # A point the phone cannot check: outside the municipality (the server says so).
    page.evaluate("document.querySelector('#lat').value = '55.60'")
    page.evaluate("document.querySelector('#lon').value = '12.80'")
    page.click(SEND)
    page.wait_for_selector("[data-outbox-list] li")
    phone.set_offline(False)
    page.click("[data-outbox-send]")
    failed = page.wait_for_selector("[data-outbox-list] li.failed", timeout=15_000)
    assert "uden for kommunen" in failed.text_content()  # Danish, as the page
    shot(page, "55-queued-report-refused")
    page.click("[data-outbox-correct]")
    page.wait_for_selector("[data-error-summary] a[href='#district']")
    assert page.input_value("#text") == "Mørk sti, position uden for kommunen."
    assert "uden for kommunen" in page.text_content(".field.invalid .error")
    view_shot(page, "56-queued-report-to-correct")
    page.select_option("#district", "2")
    page.click(SEND)
    link = page.wait_for_selector("[data-sent-reference]", timeout=15_000)
    reference = link.get_attribute("data-sent-reference")
    shot(page, "57-queued-report-corrected-sent")
    assert count(live, Report) == before + 1
    report = live.scalar(sa.select(Report).where(Report.reference == reference))
    assert report.lat is None and report.district_id is not None


def test_a_residents_report_without_network_stays_in_the_form(phone, live):
    """The resident's form has no outbox: without network, Send posts nothing and the page
    says so in its language, keeping what was written; with the network back it says that
    too, and Send sends the report once."""
    page = phone.new_page()
    page.goto(live.url + "/report")
    page.click("a[hreflang=ar]")
    page.wait_for_selector("html[lang=ar][dir=rtl]")
    before = count(live, Report)
    choose_category(page, "NABO")
    page.fill("#text", "Larm i opgangen, skrevet uden signal.")
    page.select_option("#district", "3")
    phone.set_offline(True)
    page.click(SEND)
    notice = page.wait_for_selector("[data-connection]:not([hidden])")
    texts = page.evaluate(
        "(() => { const d = document.querySelector('form[data-report-form]').dataset;"
        " return [d.msgOffline, d.msgOnline]; })()"
    )
    assert notice.text_content() == texts[0]
    assert not texts[0].startswith("No connection")  # the catalogue's Arabic, not the msgid
    assert page.url == live.url + "/report"
    assert page.input_value("#text") == "Larm i opgangen, skrevet uden signal."
    assert page.is_enabled(SEND)
    assert count(live, Report) == before
    view_shot(page, "59-resident-offline")
    phone.set_offline(False)
    until(
        page,
        "document.querySelector('[data-connection]').textContent"
        " === document.querySelector('form[data-report-form]').dataset.msgOnline",
    )
    assert notice.text_content() == texts[1]
    view_shot(page, "60-resident-online-again")
    page.click(SEND)
    page.wait_for_url("**/report/receipt")
    assert count(live, Report) == before + 1

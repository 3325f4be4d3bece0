"""Search on the triage queue, on a phone and on a desktop: two words typed, the matching
report found within the district filter, its words marked and its text escaped.
Screenshots under test-artifacts/screenshots/ (80-89)."""

from __future__ import annotations

from tests.e2e.conftest import shot, sign_in

NORREBRO = {"lat": 55.6960, "lon": 12.5450}
DESKTOP = {"width": 1280, "height": 800}


def _report(live, text: str, **place) -> str:
    client = live.app.test_client()
    body = {"category": "HAERVAERK", "text": text, "confirm_not_emergency": True}
    res = client.post("/api/v1/reports", json={**body, **(place or NORREBRO)})
    assert res.status_code == 201, res.json
    return res.json["reference"]


def _search(page, live, words: str) -> None:
    page.goto(live.url + "/staff/queue")
    page.fill("#q", words)
    page.click(".search-box button[type=submit]")
    page.wait_for_url("**/staff/queue?*q=*")


def test_searching_the_queue_on_a_phone_and_a_desktop(phone, browser, live):
    hit = _report(live, "<b>Stenkast</b> mod bussen ved stoppestedet, ruden er knust i nat.")
    _report(live, "Stenkast mod en cykel i gården.")  # one of the two words only
    far = _report(live, "Stenkast mod bussen på Valby Langgade.", district=5)

    page = phone.new_page()
    sign_in(page, live, "coordinator")
    _search(page, live, "stenkast busserne")
    cards = page.locator(".report-card")
    assert sorted(cards.evaluate_all("els => els.map(e => e.dataset.reference)")) == sorted(
        [hit, far]
    )
    card = page.locator(f'.report-card[data-reference="{hit}"]')
    assert card.locator(".snippet mark").all_inner_texts() == ["Stenkast", "bussen"]
    # the report's own markup is shown as text, never as markup
    assert card.locator(".snippet b").count() == 0
    assert "<b>Stenkast</b>" in card.locator(".snippet").inner_text()
    assert page.input_value("#q") == "stenkast busserne"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    shot(page, "80-search-phone")

    # The district filter narrows the same search; the words stay in the box.
    page.click(".filters summary")
    page.select_option("#district", "3")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**district=3*")
    assert cards.evaluate_all("els => els.map(e => e.dataset.reference)") == [hit]
    assert page.input_value("#q") == "stenkast busserne"
    shot(page, "81-search-phone-district")

    # Signed in already: the phone's session (a second sign-in would wait for a new TOTP step)
    desktop = browser.new_context(
        viewport=DESKTOP, locale="da-DK", storage_state=phone.storage_state()
    )
    try:
        big = desktop.new_page()
        _search(big, live, "bussen stenkast")
        assert big.locator(".report-card").count() == 2
        assert big.locator(".snippet mark").count() == 4
        shot(big, "82-search-desktop")
    finally:
        desktop.close()

"""Two municipalities in Chromium, on a phone: Frederiksberg's report form at its path prefix
offers its own categories and keeps the prefix in its links; the platform administrator's page
of municipalities. Screenshots under test-artifacts/screenshots/ (80-82)."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import User
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_notifications import in_live


def _load_frederiksberg() -> None:
    from meldecentral.services import setup

    setup.load_reference_data(setup.demo_config("frederiksberg.yaml"))


def _platform_admin(user_id: int, on: bool) -> None:
    db.session.execute(sa.update(User).where(User.id == user_id).values(platform_admin=on))
    db.session.commit()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_frederiksberg_at_its_prefix_and_the_platform_page(phone, live):
    in_live(live, _load_frederiksberg)
    page = phone.new_page()
    page.goto(live.url + "/k/frb/report")
    assert "Frederiksberg Kommune" in page.locator("header.top").inner_text()
    codes = set(page.locator("input[name=category]").evaluate_all("es => es.map(e => e.value)"))
    assert codes == {"VOLD", "HAERVAERK", "GRUPPE", "UNG", "UTRYG"}
    assert page.locator("form[method=post]").first.get_attribute("action") == "/k/frb/report"
    assert page.locator("a.brand").get_attribute("href") == "/k/frb/"
    no_sideways_scroll(page)
    shot(page, "80-frederiksberg-report-form")
    admin = live.users["admin"]
    in_live(live, lambda: _platform_admin(admin.id, True))
    try:
        sign_in(page, live, "admin")
        page.goto(live.url + "/admin/municipalities")
        cards = page.locator("[data-municipality]")
        assert cards.count() >= 2
        assert "/k/frb/" in page.locator("[data-municipality=frb]").inner_text()
        no_sideways_scroll(page)
        shot(page, "81-municipalities")
        page.click("[data-municipality=frb] a")
        page.wait_for_url("**/admin/municipalities/*")
        assert page.input_value("#hosts") == "meld.frederiksberg.dk"
        assert page.input_value("#path_prefix") == "frb"
        no_sideways_scroll(page)
        shot(page, "82-municipality")
    finally:
        in_live(live, lambda: _platform_admin(admin.id, False))

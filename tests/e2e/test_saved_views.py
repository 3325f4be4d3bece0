"""Saved views in Chromium, on a phone (390x844) and a desktop width: a coordinator filters the
queue, saves the filters as a view that the queue opens on, and reopens the queue on it.
Screenshots under test-artifacts/screenshots/ (70-79)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, shot, sign_in
from tests.e2e.test_notifications import in_live

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def no_views_left(live):
    """The browser tests share one database: a default view left behind would filter the
    queue and the inbox of the tests that come after."""
    yield

    def clear():
        import sqlalchemy as sa

        from meldecentral.extensions import db
        from meldecentral.models import SavedView, SavedViewDefault

        db.session.execute(sa.delete(SavedViewDefault))
        db.session.execute(sa.delete(SavedView))
        db.session.commit()

    in_live(live, clear)


def report(live, category: str, text: str) -> None:
    """A resident's report through the API, in the live app's database."""
    body = {
        "category": category,
        "text": text,
        "district": 3,
        "confirm_not_emergency": True,
    }
    res = live.app.test_client().post("/api/v1/reports", json=body)
    assert res.status_code == 201, res.json


def categories_shown(page) -> set[str]:
    return {t.strip() for t in page.locator("ul.queue li.report-card h2").all_inner_texts()}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_saved_default_view_opens_the_queue(browser, live, size):
    report(live, "NABO", "Larm og råb i opgangen hver nat.")
    report(live, "TYVERI", "Cykel stjålet fra gården i går.")
    viewport = PHONE if size == "phone" else DESKTOP
    context = browser.new_context(
        viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone", locale="da-DK"
    )
    context.set_default_timeout(10_000)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(live.url) else r.abort()
    )
    page = context.new_page()
    try:
        sign_in(page, live, "coordinator")
        page.goto(live.url + "/staff/queue?all=1")
        assert len(categories_shown(page)) > 1  # more than neighbours' conflicts in the queue
        # Filter the queue on a category, then save those filters as the default view.
        page.click("details.filters summary")
        page.select_option("#category", "NABO")
        page.click("details.filters button[type=submit]")
        page.wait_for_url("**category=NABO**")
        page.click("details.save-view summary")
        name = f"Naboer ({size})"
        page.fill("details.save-view #name", name)
        page.check("details.save-view #make_default")
        shot(page, f"70-queue-save-view-{size}")
        no_sideways_scroll(page)
        page.click("details.save-view button[type=submit]")
        page.wait_for_url("**view=**")
        assert name in page.inner_text("[data-applied-view]")
        # Reopened without arguments: the default view is applied and named.
        page.goto(live.url + "/staff/queue")
        applied = page.inner_text("[data-applied-view]")
        assert name in applied and "Standard" in applied
        assert categories_shown(page) == {"Nabokonflikt"}
        shot(page, f"71-queue-default-view-{size}")
        no_sideways_scroll(page)
        # "Show all": no view, every report again.
        page.click("[data-applied-view] a")
        page.wait_for_url("**all=1")
        assert page.locator("[data-applied-view]").count() == 0
        assert len(categories_shown(page)) > 1
        # The picker lists the view; opening it applies it.
        page.select_option("#view-pick", label=f"{name} ★")
        page.click("form.view-pick button[type=submit]")
        page.wait_for_url("**view=**")
        assert categories_shown(page) == {"Nabokonflikt"}
        shot(page, f"72-queue-view-picked-{size}")
    finally:
        context.close()


def test_a_unit_shares_an_inbox_view_on_a_phone(phone, live):
    page = phone.new_page()
    sign_in(page, live, "POLICE")
    page.goto(live.url + "/staff/inbox")
    page.click("a[href$='closed=1']")  # "Show closed too"
    page.wait_for_url("**closed=1")
    page.click("details.save-view summary")
    page.fill("details.save-view #name", "Også lukkede")
    page.check("details.save-view input[value=unit]")
    page.click("details.save-view button[type=submit]")
    page.wait_for_url("**view=**")
    applied = page.inner_text("[data-applied-view]")
    assert "Også lukkede" in applied and "Delt" in applied
    assert page.locator("a[href$='closed=1']:not([download])").count() == 0  # closed ones are shown
    no_sideways_scroll(page)
    shot(page, "73-unit-inbox-shared-view")
    page.click("[data-make-default]")
    page.goto(live.url + "/staff/inbox")
    assert "Også lukkede" in page.inner_text("[data-applied-view]")

"""Bulk routing from the triage queue in Chromium, on a phone (390x844) and at a desktop
width (1280x900): tick reports, choose "send to units", the units and who gets the contact;
the queue comes back with its filters and says what was done. Screenshots 84-87."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Assignment, Unit
from meldecentral.services.actor import RESIDENT
from meldecentral.services.reports import submit
from tests.conftest import NORREBRO
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_notifications import in_live

DESKTOP = {"width": 1280, "height": 900}


def _reports(live, n: int, text: str) -> list[str]:
    def make():
        municipality = live.users["coordinator"].municipality_id
        actor = RESIDENT.__class__(role=RESIDENT.role, municipality_id=municipality)
        refs = []
        for i in range(n):
            body = {"category": "NABO", "text": f"{text} {i}", "confirm_not_emergency": True}
            refs.append(submit.submit_report(actor, {**body, **NORREBRO}).report.reference)
        return refs

    return in_live(live, make)


def _units_of(live, reference: str) -> list[str]:
    from meldecentral.models import Report

    def read():
        return sorted(
            db.session.scalars(
                sa.select(Unit.code)
                .join(Assignment)
                .join(Report, Report.id == Assignment.report_id)
                .where(Report.reference == reference)
            )
        )

    return in_live(live, read)


def _route_two_of_three(page, live, size: str) -> None:
    refs = _reports(live, 3, f"Larm fra festlokalet ({size})")
    page.goto(live.url + "/staff/queue?category=NABO&unrouted=y")
    for ref in refs[:2]:
        page.locator(f'li[data-reference="{ref}"] input[name="ids"]').check()
    page.locator("#bulk-actions summary").click()
    page.select_option("#bulk-action", "route")
    page.locator('input[name="bulk-units"][value="HOUSING"]').check()
    page.locator('input[name="bulk-contact_units"][value="HOUSING"]').check()
    shot(page, f"8{4 if size == 'phone' else 6}-bulk-route-{size}")
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_url("**/staff/queue?category=NABO&unrouted=y")
    assert "Udført for 2 af 2 meldinger." in page.locator(".flash").first.inner_text()
    shot(page, f"8{5 if size == 'phone' else 7}-bulk-routed-{size}")
    assert [_units_of(live, r) for r in refs] == [["HOUSING"], ["HOUSING"], []]
    # the routed ones left the unrouted view; the third is still there
    assert page.locator(f'li[data-reference="{refs[2]}"]').count() == 1
    assert page.locator(f'li[data-reference="{refs[0]}"]').count() == 0
    # nothing wider than the screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= (390 if size == "phone" else 1280)


def test_a_coordinator_routes_ticked_reports_at_once(phone, browser, live):
    page = phone.new_page()
    sign_in(page, live, "coordinator")
    _route_two_of_three(page, live, "phone")
    # The desktop takes the phone's session (a second sign-in would wait for a new TOTP step).
    desktop = browser.new_context(
        viewport=DESKTOP, locale="da-DK", storage_state=phone.storage_state()
    )
    try:
        _route_two_of_three(desktop.new_page(), live, "desktop")
    finally:
        desktop.close()

"""Issue 16 in a phone-sized Chromium: the notification centre (item 2), and a merged or
rejected report's open work closed, its reporter following the original (item 3).
Screenshots under test-artifacts/screenshots/ (50-59)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery, Report, Unit
from meldecentral.services.delivery import send
from meldecentral.services.routing import escalation
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_browser import choose_category

IN_APP = {"high": ["in_app"], "normal": ["in_app"], "low": ["in_app"]}


def in_live(live, fn):
    with live.app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def send_in_app(live) -> None:
    """As the workers do: the in-app deliveries waiting are sent (stored)."""

    def run():
        for d in db.session.scalars(
            sa.select(Delivery).where(Delivery.channel == "in_app", Delivery.status != "sent")
        ).all():
            send.attempt(d.id, claimed=d.status == "sending")

    in_live(live, run)


def resident_report(phone, live, category: str, text: str, email: str | None = None) -> str:
    page = phone.new_page()
    page.goto(live.url + "/report")
    choose_category(page, category)
    page.fill("#text", text)
    page.select_option("#district", "3")
    if email:
        page.fill("#contact_email", email)
    page.click("main button[type=submit]")
    page.wait_for_url("**/report/receipt")
    reference = page.text_content("[data-reference]").strip()
    page.close()
    return reference


def sign_out(page) -> None:
    """The phone's one browser context holds one sign-in: out before the next user's."""
    page.click("nav.staffnav button[type=submit]")
    page.wait_for_url("**/login")


def unread(page) -> int:
    return int(page.get_attribute("[data-notifications]", "data-notifications"))


def test_notification_centre_on_a_phone(phone, live):
    def police_in_app():
        db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE")).channels = IN_APP
        db.session.commit()

    in_live(live, police_in_app)
    # Reports earlier tests left unrouted in this shared app reach the police now, not in the
    # count below.
    live.drain()
    send_in_app(live)
    page = phone.new_page()
    sign_in(page, live, "POLICE")
    before = unread(page)
    reference = resident_report(phone, live, "VOLD", "Trusler mod en kioskejer i går aftes.")
    live.drain()  # routed to the police: their in-app alert
    send_in_app(live)
    page.goto(live.url + "/staff/inbox")
    assert unread(page) == before + 1
    assert page.is_visible("[data-notifications] .count.urgent")
    shot(page, "50-unit-header-unread")
    page.click("[data-notifications]")
    page.wait_for_url("**/staff/notifications")
    card = page.locator(".notification.unread.urgent").first
    assert reference in card.text_content()
    shot(page, "51-unit-notifications")
    card.locator("button[type=submit]").click()  # mark as read
    page.wait_for_url("**/staff/notifications")
    assert unread(page) == before
    shot(page, "52-unit-notification-read")
    page.click(f"a:has-text('{reference}')")
    page.wait_for_selector("[data-assignment=POLICE]")

    # A level-2 escalation reaches the coordinators, urgent.
    def overdue():
        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        assignment = db.session.scalar(
            sa.select(Assignment).where(Assignment.report_id == report_id)
        )
        assignment.created_at = clock.now() - timedelta(hours=10)
        assignment.ack_deadline = clock.now() - timedelta(hours=5)
        db.session.commit()
        escalation.escalate_overdue()

    in_live(live, overdue)
    send_in_app(live)
    sign_out(page)
    coordinator = phone.new_page()
    sign_in(coordinator, live, "coordinator")
    assert unread(coordinator) >= 1
    coordinator.click("[data-notifications]")
    coordinator.wait_for_selector(".notification.urgent.unread")
    assert "Fristen er overskredet" in coordinator.text_content(".notification.urgent.unread")
    shot(coordinator, "53-coordinator-escalation")
    coordinator.click("[data-mark-all]")
    coordinator.wait_for_url("**/staff/notifications")
    assert unread(coordinator) == 0
    assert not coordinator.is_visible(".notification.unread")
    shot(coordinator, "54-coordinator-all-read")


def test_merged_and_rejected_reports_leave_no_open_work(phone, live):
    original = resident_report(phone, live, "VOLD", "Slagsmål ved Nørrebro station i går.")
    duplicate = resident_report(
        phone, live, "VOLD", "To mænd sloges ved stationen i går.", email="b@example.org"
    )
    rejected = resident_report(phone, live, "VOLD", "Jeg tror nogen råbte i går.")
    live.drain()  # all three routed to the police
    coordinator = phone.new_page()
    sign_in(coordinator, live, "coordinator")
    ids = {
        ref: live.scalar(sa.select(Report.id).where(Report.reference == ref))
        for ref in (original, duplicate, rejected)
    }
    coordinator.goto(live.url + f"/staff/reports/{ids[duplicate]}")
    coordinator.fill("#merge-duplicate_of", original)
    coordinator.click("form:has(#merge-duplicate_of) button[type=submit]")
    coordinator.wait_for_selector("[data-assignment=POLICE][data-status=closed]")
    assert "lagt sammen med" in coordinator.text_content("[data-assignment=POLICE]")
    shot(coordinator, "55-coordinator-merged-closed")
    coordinator.goto(live.url + f"/staff/reports/{ids[rejected]}")
    coordinator.fill("#reject-reason", "Ingen konkret hændelse.")
    coordinator.click("form:has(#reject-reason) button[type=submit]")
    coordinator.wait_for_selector("[data-assignment=POLICE][data-status=closed]")
    shot(coordinator, "56-coordinator-rejected-closed")
    live.drain()
    sign_out(coordinator)

    police = phone.new_page()
    sign_in(police, live, "POLICE")
    police.goto(live.url + "/staff/inbox")
    police.wait_for_selector(f"[data-reference='{original}']")
    assert not police.is_visible(f"[data-reference='{duplicate}']")
    assert not police.is_visible(f"[data-reference='{rejected}']")
    shot(police, "57-unit-inbox-without-closed")
    police.goto(live.url + f"/staff/reports/{ids[original]}")
    police.fill("#note-body", "Vi har talt med stationens vagter.")
    police.check("input[name=note-visibility][value=public]")
    police.click("form[action$='/notes'] button[type=submit]")
    police.click("[data-assignment=POLICE] button[type=submit]")  # acknowledge
    police.wait_for_selector("[data-assignment=POLICE][data-status=acknowledged]")
    police.fill("textarea[name=a-outcome]", "Politiet patruljerer ved stationen.")
    police.click("form:has(textarea[name=a-outcome]) button[type=submit]")
    police.wait_for_selector("[data-assignment=POLICE][data-status=closed]")
    live.drain()

    resident = phone.new_page()
    resident.goto(live.url + f"/track/{duplicate}")
    assert resident.get_attribute("[data-status]", "data-status") == "merged"
    assert resident.is_visible("[data-merged]")
    assert "Politiet patruljerer ved stationen." in resident.text_content("[data-outcomes]")
    assert resident.is_visible("text=Vi har talt med stationens vagter.")
    shot(resident, "58-merged-resident-sees-original")
    # The merged report's reporter is told of the merge (issue 19), and of the original's update
    # and outcome.
    told = live.scalar(
        sa.select(sa.func.count(Delivery.id)).where(
            Delivery.report_id == ids[duplicate], Delivery.audience == "reporter"
        )
    )
    assert told == 3

"""The notification centre (issue 16, item 2): in-app alerts for a unit are shown to each of its
members (coordinators: the COORD unit's), with an unread count in every page's header; read
state is per user; urgent ones stand out; the list links to reports the user may open."""

from datetime import timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Delivery, InAppNotification, Unit
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import in_app, send
from meldecentral.services.routing import escalation
from tests.factories import drain, signed_in, submit_report
from tests.webutil import csrf

IN_APP = {"high": ["in_app"], "normal": ["in_app"], "low": ["in_app"]}


def police_in_app():
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE"))
    unit.channels = IN_APP
    db.session.commit()


def send_all() -> None:
    """As the workers do: every in-app delivery waiting is sent (stored)."""
    for delivery in db.session.scalars(
        sa.select(Delivery).where(Delivery.channel == "in_app", Delivery.status != "sent")
    ).all():
        send.attempt(delivery.id, claimed=delivery.status == "sending")


def header_count(client) -> str | None:
    html = client.get("/staff/notifications").get_data(as_text=True)
    marker = 'data-notifications="'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_unit_members_see_their_units_alerts_and_read_them_each(app, client):
    police_in_app()
    member, _ = signed_in(app, "unit_member", "POLICE")
    colleague, _ = signed_in(app, "unit_member", "POLICE")
    other, _ = signed_in(app, "unit_member", "SSP")
    rid = submit_report(client)  # violence: high urgency, routed to the police by the rules
    drain()
    send_all()
    (notification,) = db.session.scalars(sa.select(InAppNotification)).all()
    assert notification.report_id == rid and notification.urgent

    # The count is in the header of every page, the inbox too.
    inbox = member.get("/staff/inbox").get_data(as_text=True)
    assert 'data-notifications="1"' in inbox and "count urgent" in inbox
    page = member.get("/staff/notifications").get_data(as_text=True)
    assert f'data-notification="{notification.id}"' in page
    assert "notification urgent unread" in page
    assert f'href="/staff/reports/{rid}"' in page
    assert header_count(other) == "0"
    assert f'data-notification="{notification.id}"' not in other.get(
        "/staff/notifications"
    ).get_data(as_text=True)

    # Marking read needs the form's CSRF token, and is per user.
    res = member.post(f"/staff/notifications/{notification.id}/read")
    assert res.status_code == 400 and header_count(member) == "1"
    token = csrf(member, "/staff/notifications")
    res = member.post(f"/staff/notifications/{notification.id}/read", data={"csrf_token": token})
    assert res.status_code == 302
    assert header_count(member) == "0" and header_count(colleague) == "1"
    # Another unit's notification does not exist for a member.
    token = csrf(other, "/staff/notifications")
    res = other.post(f"/staff/notifications/{notification.id}/read", data={"csrf_token": token})
    assert res.status_code == 404
    # Mark all, twice (the second finds nothing left).
    token = csrf(colleague, "/staff/notifications")
    for _ in range(2):
        res = colleague.post("/staff/notifications/read", data={"csrf_token": token})
        assert res.status_code == 302
    assert header_count(colleague) == "0"


def test_coordinators_see_level_two_escalations_as_urgent(app, client, monkeypatch):
    rid = submit_report(client)
    drain()
    later = clock.now() + timedelta(days=3)  # past the 4 hours and half as long again
    monkeypatch.setattr(clock, "now", lambda: later)
    assert [level for _, level in escalation.escalate_overdue()] == [1, 2]
    send_all()
    coordinator, user = signed_in(app, "coordinator")  # (signed in now: sessions expire)
    street, _ = signed_in(app, "street_worker")
    (alert,) = db.session.scalars(
        sa.select(InAppNotification).where(InAppNotification.kind == "assignment.overdue")
    ).all()
    assert alert.urgent and alert.report_id == rid
    page = coordinator.get("/staff/queue").get_data(as_text=True)
    assert 'data-notifications="1"' in page and "count urgent" in page
    listing = coordinator.get("/staff/notifications").get_data(as_text=True)
    assert "notification urgent unread" in listing
    # The service: one user's figures, the list with the report to open.
    actor = Actor.for_user(user)
    assert in_app.unread(actor) == (1, 1)
    (item,) = in_app.notifications(actor)
    assert item.report_id == rid and item.unread
    # Staff without a unit's alerts have no notification centre.
    assert header_count(street) is None
    assert street.get("/staff/notifications").status_code == 403


def test_the_list_links_only_to_reports_the_user_may_open(app):
    """A notification of the unit about a report it no longer has (routed elsewhere since):
    shown, without a link."""
    member, user = signed_in(app, "unit_member", "POLICE")
    db.session.add(
        InAppNotification(unit_id=user.unit_id, subject="Ny melding", kind="assignment.routed")
    )
    db.session.commit()
    page = member.get("/staff/notifications").get_data(as_text=True)
    assert "Ny melding" in page and "/staff/reports/" not in page
    assert header_count(member) == "1"


def test_the_count_looks_at_the_latest_notifications_only(app, monkeypatch):
    """The header's cost does not grow with the history: unread ones among the latest."""
    member, user = signed_in(app, "unit_member", "POLICE")
    for n in range(4):
        db.session.add(InAppNotification(unit_id=user.unit_id, subject=f"s{n}", urgent=n == 3))
    db.session.commit()
    actor = Actor.for_user(user)
    monkeypatch.setattr(in_app, "COUNT_WINDOW", 3)
    assert in_app.unread(actor) == (3, 1)
    newest = max(item.id for item in in_app.notifications(actor))
    in_app.mark_read(actor, newest)
    assert in_app.unread(actor) == (2, 0)
    in_app.mark_all_read(actor)
    assert in_app.unread(actor) == (0, 0)
    monkeypatch.setattr(in_app, "COUNT_WINDOW", 10)
    assert in_app.unread(actor) == (0, 0)  # the older one too
    assert not any(item.unread for item in in_app.notifications(actor))

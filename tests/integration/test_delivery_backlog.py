"""What has not gone out yet, on the coordinators' "Undelivered" page: routing that is behind
(events no worker has handled: the broker or the workers away) and alerts that failed once
and are being tried again. Before, the page said "Every notification was delivered" through
a whole broker outage."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Delivery, Report
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import send
from meldecentral.services.errors import Forbidden
from tests.conftest import auth
from tests.factories import drain, signed_in, submit_report
from tests.integration.test_routing_flow import police_webhook  # noqa: F401
from tests.webutil import text_of


def stalled_count(html: str) -> int | None:
    marker = 'data-routing-stalled="'
    if marker not in html:
        return None
    return int(html.split(marker, 1)[1].split('"', 1)[0])


def test_routing_that_is_behind_is_shown_until_the_workers_catch_up(app, client):
    coord, _ = signed_in(app, "coordinator")
    submit_report(client)
    submit_report(client)
    # Just committed: a worker would have it in a moment.
    assert stalled_count(text_of(coord.get("/staff/deliveries"))) is None
    stalled_after = app.config["ROUTING_STALLED_AFTER_SECONDS"]
    later = clock.now() + timedelta(seconds=stalled_after + 1)
    with clock.at(later):
        html = text_of(coord.get("/staff/deliveries"))
    assert stalled_count(html) == 2
    assert "Fordelingen er bagud" in html  # Danish, the staff's first language
    assert "2 meldinger eller ændringer har ventet mere end 2 min" in html
    # Where staff work from, too: the coordinators' queue (with the way to the details) and a
    # unit's inbox, whose new reports wait with the routing.
    police, _ = signed_in(app, "unit_member", "POLICE")
    with clock.at(later):
        queue = text_of(coord.get("/staff/queue"))
        inbox = text_of(police.get("/staff/inbox"))
    assert stalled_count(queue) == 2 and 'href="/staff/deliveries"' in queue
    assert stalled_count(inbox) == 2
    drain()  # the workers are back
    with clock.at(later):
        for page, path in ((coord, "/staff/deliveries"), (coord, "/staff/queue")):
            assert stalled_count(text_of(page.get(path))) is None
        assert stalled_count(text_of(police.get("/staff/inbox"))) is None


def test_alerts_being_retried_are_listed_then_move_to_the_dead_letters(
    app,
    client,
    police_webhook,  # noqa: F811
):
    police_webhook([500] * 20)
    coord, _ = signed_in(app, "coordinator")
    submit_report(client)
    [delivery_id] = drain()
    assert send.attempt(delivery_id, claimed=True).status == "pending"  # as the worker sends
    html = text_of(coord.get("/staff/deliveries"))
    retrying = html.split("data-retrying", 1)[1]
    assert f'data-delivery="{delivery_id}"' in retrying
    assert "1 forsøg slog fejl" in retrying and "HTTP 500" in retrying

    # Another municipality's coordinator is not shown it.
    other = db.session.scalar(sa.select(sa.func.max(Report.municipality_id))) + 1
    elsewhere = send.backlog(Actor(role="coordinator", municipality_id=other), timedelta(0))
    assert elsewhere.retrying == []

    delivery = db.session.get(Delivery, delivery_id)
    delivery.attempts, delivery.status = send.max_attempts(app.config), "dead"
    db.session.commit()
    html = text_of(coord.get("/staff/deliveries"))
    assert "data-retrying" not in html and f'data-delivery="{delivery_id}"' in html


def test_only_coordinators_see_the_backlog(app):
    for role in ("unit_member", "street_worker", "admin"):
        with pytest.raises(Forbidden):
            send.backlog(Actor(role=role, municipality_id=1), timedelta(minutes=2))
    with pytest.raises(Forbidden):  # the lag alone: any staff member, no resident
        send.routing_lag(Actor(role="resident"), timedelta(minutes=2))


def test_the_api_says_the_same(app, client, make_user, police_webhook):  # noqa: F811
    police_webhook([500] * 20)
    _, coord = make_user("coordinator")
    submit_report(client)
    stalled_after = app.config["ROUTING_STALLED_AFTER_SECONDS"]
    with clock.at(clock.now() + timedelta(seconds=stalled_after + 1)):
        body = client.get("/api/v1/deliveries/waiting", headers=auth(coord)).json
    assert body["stalled_events"] == 1 and body["oldest_stalled_at"]
    assert body["stalled_after_seconds"] == stalled_after and body["retrying"] == []
    [delivery_id] = drain()
    send.attempt(delivery_id, claimed=True)
    body = client.get("/api/v1/deliveries/waiting", headers=auth(coord)).json
    assert body["stalled_events"] == 0 and body["oldest_stalled_at"] is None
    [retrying] = body["retrying"]
    assert retrying["id"] == delivery_id and retrying["attempts"] == 1
    assert retrying["status"] == "pending" and "500" in retrying["last_error"]

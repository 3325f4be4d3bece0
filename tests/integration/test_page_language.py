"""What staff read on the report page is in their language (issue 16, item 13): the routing
trace was the English words the rule engine stored, with unit codes."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_babel
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import RoutingDecision, Unit
from tests.factories import drain, file_report, signed_in
from tests.webutil import text_of


def _trace(page: str) -> str:
    return page.split('class="trace"')[1].split("</article>")[0]


def _routed_violence(app):
    coordinator, _ = signed_in(app, "coordinator")
    # A Tuesday afternoon: rules with weekday or hour windows see the same clock every run.
    with clock.at(datetime(2026, 12, 8, 13, 0, tzinfo=UTC)):
        report = file_report(signed_in(app, "street_worker")[0], category="VOLD")
        drain()
    return coordinator, report


def test_the_routing_trace_reads_in_danish_with_unit_names(app):
    coordinator, report = _routed_violence(app)
    decision = db.session.scalar(sa.select(RoutingDecision).filter_by(report_id=report.id))
    assert decision.explanation.startswith("routed to POLICE because")  # the API's words
    police = db.session.scalar(sa.select(Unit).filter_by(code="POLICE"))
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Ny melding" in trace and f"Sendt til {police.name}, fordi:" in trace
    assert "kategori Vold" in trace
    for english in ("routed to", "because", "category VOLD", "created"):
        assert english not in trace


def test_and_in_english_for_staff_who_chose_english(app):
    coordinator, report = _routed_violence(app)
    coordinator.get("/lang/en")
    flask_babel.refresh()  # the test shares one app context; a real request would not
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "New report" in trace and "Sent to" in trace and "category Violence" in trace


def test_an_unrouted_report_says_so_in_danish(app):
    coordinator, _ = signed_in(app, "coordinator")
    from meldecentral.services.routing import rulebook

    municipality_id = db.session.scalar(sa.select(Unit.municipality_id).limit(1))
    rulebook.replace_rules(
        municipality_id,
        [{"id": 1, "name": "Only VOLD", "order": 1, "categories": ["VOLD"], "units": ["POLICE"]}],
    )
    report = file_report(signed_in(app, "street_worker")[0], category="HAERVAERK")
    drain()
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Ingen regel passede" in trace and "no rule matched" not in trace


def test_every_kind_of_condition_is_said_in_danish(app):
    from meldecentral.services.routing import rulebook

    municipality_id = db.session.scalar(sa.select(Unit.municipality_id).limit(1))
    rule = {
        "id": 1,
        "name": "Aftenvagt",
        "order": 1,
        "categories": ["VOLD"],
        "minor_involved": False,
        "weekdays": [1],
        "hours": [13, 17],
        "units": ["POLICE"],
    }
    rulebook.replace_rules(municipality_id, [rule])
    coordinator, report = _routed_violence(app)
    trace = _trace(text_of(coordinator.get(f"/staff/reports/{report.id}")))
    assert "Regel “Aftenvagt”: kategori Vold og trusler, ingen mindreårige involveret" in trace
    assert "på en tirsdag og mellem kl. 13:00 og 17:00" in trace

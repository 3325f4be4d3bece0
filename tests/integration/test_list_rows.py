"""The work lists dump plain rows with schemas.rows, not the marshmallow schemas that are their
contract (and the OpenAPI document's): the two must give the very same items. On SQLite and
PostgreSQL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Assignment, Report
from meldecentral.schemas import rows
from meldecentral.schemas.queues import InboxItemSchema, TriageItemSchema
from meldecentral.schemas.reports import ReportSummarySchema
from meldecentral.services.actor import Actor
from meldecentral.services.privacy import access
from meldecentral.services.worklists import queues
from tests.conftest import auth
from tests.integration.test_api_queues import move, route, submit


def test_rows_dump_as_the_schemas_do(client, make_user):
    coord_user, coord = make_user("coordinator")
    police_user, police = make_user("unit_member", unit="POLICE")
    a = submit(client, "VOLD")
    b = submit(client, "UNG", minor_involved=True, housing_estate=True)
    c = submit(client, "NABO")
    submit(client, "HAERVAERK", lat=None, lon=None, district=3)
    route(client, coord, a, ["POLICE"])
    assignments = route(client, coord, b, ["SSP", "POLICE"])
    move(client, police, assignments["POLICE"], "acknowledged")
    route(client, coord, c, ["HOUSING"])
    db.session.expire_all()

    coordinator = Actor.for_user(coord_user)
    member = Actor.for_user(police_user)
    with clock.at(clock.now() + timedelta(days=3)):  # some deadlines have passed
        now = clock.now()
        page = queues.triage_rows(coordinator, queues.QueueFilter())
        got = [rows.triage_item(row, units, now) for row, units in page.items]
        reports = [db.session.get(Report, row[0]) for row, _units in page.items]
        assert got == TriageItemSchema(many=True).dump(reports)
        assert any(item["overdue"] for item in got) and any(not i["overdue"] for i in got)
        assert [sorted(i["units"]) for i in got if i["id"] == b] == [["POLICE", "SSP"]]
        assert [i["units"] for i in got if i["units"] == []]  # and one not routed

        unit, inbox = queues.unit_inbox_rows(member)
        assert unit == "POLICE"
        got = [rows.inbox_item(row, now) for row in inbox]
        expected = InboxItemSchema(many=True).dump(
            [db.session.get(Assignment, row[12]) for row in inbox]
        )
        assert got == expected and len(got) == 2

    for actor in (coordinator, member):
        query = access.visible_reports(actor).order_by(Report.created_at.desc(), Report.id.desc())
        got = rows.report_summaries(db.session.execute(queues.summary_rows(query)).all())
        assert got == ReportSummarySchema(many=True).dump(db.session.scalars(query).all())
        assert got


def test_empty_inbox_still_names_the_unit(client, make_user):
    _, ssp = make_user("unit_member", unit="SSP")
    res = client.get("/api/v1/inbox", headers=auth(ssp))
    assert res.status_code == 200
    assert res.json == {"unit": "SSP", "items": [], "limit": 50, "offset": 0}


def test_page_and_count_in_one_statement_and_past_the_end(client, make_user):
    _, coord = make_user("coordinator")
    ids = [submit(client, "VOLD") for _ in range(3)]

    def page(path):
        res = client.get(path, headers=auth(coord))
        assert res.status_code == 200, res.json
        return res.json

    body = page("/api/v1/reports?per_page=2&page=2")
    assert [i["id"] for i in body["items"]] == [ids[0]]
    assert (body["total"], body["total_capped"]) == (3, False)
    body = page("/api/v1/reports?per_page=2&page=5")  # empty: counted on its own
    assert (body["items"], body["total"], body["total_capped"]) == ([], 3, False)
    body = page("/api/v1/triage?per_page=2&page=2")
    assert len(body["items"]) == 1 and body["total"] == 3
    body = page("/api/v1/triage?per_page=2&page=9")
    assert (body["items"], body["total"]) == ([], 3)


def test_postgres_connections_plan_without_parallel_workers(app):
    """Set once per connection (meldecentral.db.postgres), not per list request: every pooled
    connection has it, also a new one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting; SQLite plans no parallel workers")
    db.engine.dispose()  # the next statement opens a new connection
    assert db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
    db.session.commit()
    with db.engine.connect() as second, db.engine.connect() as third:
        for conn in (second, third):
            assert conn.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"

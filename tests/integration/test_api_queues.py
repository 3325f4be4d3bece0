"""Work lists and statistics over the API: the triage queue (coordinators), a unit's inbox (its
members), reports per district and category (staff). On SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Report
from meldecentral.services.worklists import queues, stats
from tests.conftest import auth
from tests.factories import drain, move, route, submit_report

VESTERBRO = 4


def submit(client, category="VOLD", **over) -> int:
    return submit_report(client, category=category, text="Noget er sket i går.", **over)


def triage(client, token, query=""):
    res = client.get(f"/api/v1/triage{query}", headers=auth(token))
    assert res.status_code == 200, res.json
    return res.json


def test_triage_orders_by_urgency_then_deadline_then_age(client, make_user):
    _, coord = make_user("coordinator")
    low = submit(client, "NABO")  # low
    high_unrouted = submit(client, "VOLD")  # high, no unit yet
    high_child = submit(client, "UNG")  # high; BBU must screen within 24 hours
    high_police = submit(client, "VOLD")
    normal = submit(client, "HAERVAERK")
    route(client, coord, high_child, ["BBU"])
    route(client, coord, high_police, ["POLICE"])
    route(client, coord, low, ["HOUSING"])

    page = triage(client, coord)
    ids = [i["id"] for i in page["items"]]
    high = ids[:3]
    # high first; among them the nearest deadline first, and the unrouted (no deadline) last
    assert set(high) == {high_unrouted, high_child, high_police}
    assert high[-1] == high_unrouted
    deadlines = [i["next_deadline"] for i in page["items"][:2]]
    assert deadlines == sorted(deadlines)
    assert ids[3:] == [normal, low]
    by_id = {i["id"]: i for i in page["items"]}
    assert by_id[high_police]["units"] == ["POLICE"] and by_id[high_unrouted]["units"] == []
    assert by_id[high_unrouted]["next_deadline"] is None
    assert not any(i["overdue"] for i in page["items"])
    assert page["total"] == 5 and page["total_capped"] is False


def test_triage_filters(client, make_user):
    _, coord = make_user("coordinator")
    a = submit(client, "VOLD")
    b = submit(client, "NABO", lat=None, lon=None, district=VESTERBRO)
    c = submit(client, "VOLD")
    route(client, coord, a, ["POLICE"])
    route(client, coord, b, ["HOUSING"])
    res = client.post(
        f"/api/v1/reports/{c}/transitions",
        json={"status": "rejected", "reason": "Ikke en sag."},
        headers=auth(coord),
    )
    assert res.status_code == 200

    def ids(query):
        return [i["id"] for i in triage(client, coord, query)["items"]]

    assert c not in ids("")  # rejected: closed, not in the queue
    assert ids("?district=4") == [b]
    assert ids("?category=VOLD") == [a]
    assert ids("?unit=HOUSING") == [b]
    assert ids("?status=routed&district=3") == [a]
    d = submit(client, "UNG")
    assert ids("?unrouted=true") == [d]
    assert ids("?overdue=true") == []
    with clock.at(clock.now() + timedelta(days=30)):
        assert set(ids("?overdue=true")) == {a, b}
        assert all(i["overdue"] for i in triage(client, coord, "?overdue=true")["items"])
    page = triage(client, coord, "?per_page=1&page=2")
    assert len(page["items"]) == 1 and page["total"] == 3


def test_triage_is_for_coordinators(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    _, coord = make_user("coordinator")
    assert client.get("/api/v1/triage").status_code == 401
    res = client.get("/api/v1/triage", headers=auth(police))
    assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"
    res = client.get("/api/v1/triage?status=resolved", headers=auth(coord))
    assert res.status_code == 422 and "status" in res.json["error"]["fields"]
    res = client.get("/api/v1/triage?per_page=500", headers=auth(coord))
    assert res.status_code == 422


def test_next_deadline_follows_the_assignments(client, make_user):
    _, coord = make_user("coordinator")
    _, ssp = make_user("unit_member", "SSP")
    _, bbu = make_user("unit_member", "BBU")
    rid = submit(client, "UNG")
    ids = route(client, coord, rid, ["SSP", "BBU"])
    report = db.session.get(Report, rid)
    db.session.refresh(report)
    assigned = {a.unit.code: a.ack_deadline for a in report.assignments}
    assert report.next_deadline == min(assigned.values())
    assert move(client, bbu, ids["BBU"], "acknowledged").status_code == 200
    db.session.refresh(report)
    assert report.next_deadline == assigned["SSP"]
    assert move(client, ssp, ids["SSP"], "acknowledged").status_code == 200
    db.session.refresh(report)
    assert report.next_deadline is None


def test_inbox_lists_the_units_open_assignments_unacknowledged_first(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    older = submit(client, "TYVERI")  # low: five working days
    urgent = submit(client, "VOLD")  # high: four hours
    acked = submit(client, "VOLD")
    closed = submit(client, "VOLD")
    other_unit = submit(client, "NABO")
    route(client, coord, older, ["POLICE"])
    route(client, coord, urgent, ["POLICE"])
    ack_id = route(client, coord, acked, ["POLICE"])["POLICE"]
    closed_id = route(client, coord, closed, ["POLICE"])["POLICE"]
    route(client, coord, other_unit, ["HOUSING"])
    assert move(client, police, ack_id, "acknowledged").status_code == 200
    assert move(client, police, closed_id, "acknowledged").status_code == 200
    assert move(client, police, closed_id, "closed", "Anmeldt.").status_code == 200

    res = client.get("/api/v1/inbox", headers=auth(police))
    assert res.status_code == 200, res.json
    body = res.json
    assert body["unit"] == "POLICE"
    assert [i["report"]["id"] for i in body["items"]] == [urgent, older, acked]
    assert [i["status"] for i in body["items"]] == ["routed", "routed", "acknowledged"]
    assert body["items"][0]["report"]["category"] == "VOLD"
    assert body["items"][0]["overdue"] is False
    everything = client.get("/api/v1/inbox?include_closed=true", headers=auth(police)).json
    assert closed in [i["report"]["id"] for i in everything["items"]]
    assert [i["report"]["id"] for i in everything["items"]][:3] == [urgent, older, acked]
    page = client.get("/api/v1/inbox?limit=1&offset=1", headers=auth(police)).json
    assert [i["report"]["id"] for i in page["items"]] == [older]


def test_inbox_is_for_unit_members(client, make_user):
    _, coord = make_user("coordinator")
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.get("/api/v1/inbox", headers=auth(coord)).status_code == 403


def test_district_statistics_count_per_district_and_category(client, make_user):
    _, coord = make_user("coordinator")
    _, worker = make_user("street_worker")
    for _ in range(3):
        submit(client, "VOLD")
    submit(client, "NABO")
    submit(client, "NABO", lat=None, lon=None, district=VESTERBRO)
    rejected = submit(client, "NABO", lat=None, lon=None, district=VESTERBRO)
    old = None
    with clock.at(clock.now() - timedelta(days=100)):
        old = submit(client, "TYVERI")
    drain()
    stats.refresh_recent()
    with clock.at(clock.now() - timedelta(days=100)):
        stats.refresh_recent(days=1)
    assert old
    res = client.post(
        f"/api/v1/reports/{rejected}/transitions",
        json={"status": "rejected", "reason": "Dublet."},
        headers=auth(coord),
    )
    assert res.status_code == 200
    drain()  # the handler recounts the day of a rejected report

    res = client.get("/api/v1/stats/districts?days=30", headers=auth(worker))
    assert res.status_code == 200, res.json
    body = res.json
    assert body["days"] == 30
    districts = {d["number"]: d for d in body["districts"]}
    assert districts[3]["categories"] == {"NABO": 1, "VOLD": 3} and districts[3]["total"] == 4
    assert districts[VESTERBRO]["categories"] == {"NABO": 1}
    assert districts[1]["total"] == 0  # every district is listed
    year = client.get("/api/v1/stats/districts?days=365", headers=auth(coord)).json
    year3 = {d["number"]: d for d in year["districts"]}[3]
    assert year3["categories"] == {"NABO": 1, "TYVERI": 1, "VOLD": 3}

    assert client.get("/api/v1/stats/districts?days=30").status_code == 401
    res = client.get("/api/v1/stats/districts?days=7", headers=auth(coord))
    assert res.status_code == 422 and "days" in res.json["error"]["fields"]


def test_statistics_can_hide_small_counts(app, client):
    for _ in range(5):
        submit(client, "VOLD")
    submit(client, "NABO")
    stats.refresh_recent()
    municipality_id = db.session.scalar(sa.select(Report.municipality_id).limit(1))
    out = stats.district_counts(municipality_id, 30, suppress_below=5)
    norrebro = next(d for d in out.districts if d.number == 3)
    assert norrebro.categories == {"NABO": None, "VOLD": 5} and norrebro.total == 6


def test_statistics_recount_is_idempotent(app, client):
    submit(client, "VOLD")
    first = stats.refresh_recent()
    assert stats.refresh_recent() == first
    municipality_id = db.session.scalar(sa.select(Report.municipality_id).limit(1))
    norrebro = next(
        d for d in stats.district_counts(municipality_id, 30).districts if d.number == 3
    )
    assert norrebro.total == 1


@pytest.mark.parametrize("per_page", [1, 2])
def test_list_total_is_counted_up_to_a_cap(client, make_user, monkeypatch, per_page):
    _, coord = make_user("coordinator")
    for _ in range(5):
        submit(client, "NABO")
    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    res = client.get(f"/api/v1/reports?per_page={per_page}", headers=auth(coord)).json
    assert res["total"] == 3 and res["total_capped"] is True
    assert len(res["items"]) == per_page
    res = client.get("/api/v1/reports?category=NABO&per_page=2&page=3", headers=auth(coord)).json
    assert res["total"] == 5 and res["total_capped"] is False and len(res["items"]) == 1
    monkeypatch.setattr(queues, "COUNT_CAP", 500)
    res = client.get("/api/v1/reports", headers=auth(coord)).json
    assert res["total"] == 5 and res["total_capped"] is False

"""The coordinators' dashboard (services/worklists/dashboard.py, GET /api/v1/dashboard,
/staff/dashboard) and the staff map's points (services/worklists/mapping.py, /staff/map).
Each on SQLite (percentiles in Python) and PostgreSQL (percentile_cont)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Category,
    Delivery,
    District,
    EmergencyRedirect,
    Report,
    Unit,
)
from meldecentral.services.worklists import stats
from tests.conftest import auth
from tests.factories import drain, signed_in, submit_report

AMAGER = {"lat": 55.6440, "lon": 12.6050}


def _assignment(report_id: int, unit: str) -> Assignment:
    return db.session.scalar(
        sa.select(Assignment).join(Unit).where(Assignment.report_id == report_id, Unit.code == unit)
    )


def _world(client):
    """Four high-urgency reports routed to the police, acknowledged after 1, 2, 3 and 10
    hours, the first closed after 5 hours; one more routed to SSP with its deadline passed; a
    dead letter to the police; two 112 redirects in Nørrebro and one without a district."""
    now = clock.now()
    # routed by the demo's rules: violence to the police, a young adult to SSP
    ids = [submit_report(client) for _ in range(4)]
    late = submit_report(client, category="UNG_PLUS", text="Bekymret for en ung mand.", **AMAGER)
    drain()
    start = now - timedelta(days=2)
    for rid, ack_h in zip(ids, (1, 2, 3, 10), strict=True):
        a = _assignment(rid, "POLICE")
        a.created_at, a.status = start, "acknowledged"
        a.acknowledged_at = start + timedelta(hours=ack_h)
    first = _assignment(ids[0], "POLICE")
    first.status, first.closed_at = "closed", start + timedelta(hours=5)
    # (the report's next_deadline is what the queue's overdue filter reads)
    _assignment(late, "SSP").ack_deadline = now - timedelta(hours=1)
    db.session.get(Report, late).next_deadline = now - timedelta(hours=1)
    police = db.session.scalar(sa.select(Unit).where(Unit.code == "POLICE"))
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.unit_id == police.id))
    delivery.status, delivery.dead_at = "dead", now
    report = db.session.get(Report, ids[0])
    vold = db.session.scalar(sa.select(Category).where(Category.code == "VOLD"))
    nbro = db.session.scalar(sa.select(District).where(District.number == 3))
    for district in (nbro.id, nbro.id, None):
        db.session.add(
            EmergencyRedirect(
                municipality_id=report.municipality_id,
                category_id=vold.id,
                district_id=district,
                created_at=now,
            )
        )
    # one long ago, outside any window
    db.session.add(
        EmergencyRedirect(
            municipality_id=report.municipality_id,
            category_id=vold.id,
            district_id=nbro.id,
            created_at=now - timedelta(days=200),
        )
    )
    db.session.commit()
    stats.refresh_recent()
    return ids, late


def test_dashboard_figures(app, client, make_user):
    _coord, coord_token = make_user("coordinator")
    _world(client)
    res = client.get("/api/v1/dashboard?days=30", headers=auth(coord_token))
    assert res.status_code == 200, res.json
    body = res.json
    assert body["days"] == 30 and len(body["per_day"]) == 30
    assert body["received"] == 5 == sum(d["count"] for d in body["per_day"])
    assert {d["key"]: d["count"] for d in body["per_district"]}[3] == 4
    assert {c["key"]: c["count"] for c in body["per_category"]}["VOLD"] == 4
    units = {u["code"]: u for u in body["units"]}
    assert units["POLICE"]["open"] == 3 and units["POLICE"]["overdue"] == 0
    assert units["POLICE"]["dead_letters"] == 1
    assert units["SSP"]["open"] == 1 and units["SSP"]["overdue"] == 1
    assert body["dead_letters"] >= 1
    times = {(t["unit"], t["urgency"]): t for t in body["times"]}
    police = times[("POLICE", "high")]
    # acknowledged after 1, 2, 3, 10 h: median 2.5, p90 at rank 2.7 = 3 + 0.7 * 7 = 7.9
    assert police["assigned"] == 4 and police["acknowledged"] == 4
    assert (police["ack_median_h"], police["ack_p90_h"]) == (2.5, 7.9)
    assert police["closed"] == 1 and police["close_median_h"] == police["close_p90_h"] == 5.0
    ssp = times[("SSP", "normal")]
    assert ssp["acknowledged"] == 0 and ssp["ack_median_h"] is None
    assert body["redirects"] == 3
    assert [(c["key"], c["count"]) for c in body["redirects_by_category"]] == [("VOLD", 3)]
    by_district = {d["key"]: d["count"] for d in body["redirects_by_district"]}
    assert by_district[3] == 2 and by_district[None] == 1 and by_district[1] == 0
    assert {"category": "VOLD", "district": 3, "count": 2} in body["redirect_cells"]
    assert body["open_reports"] == 5


def test_dashboard_access_and_bad_period(app, client, make_user):
    _c, coord = make_user("coordinator")
    _a, admin = make_user("admin")
    _u, member = make_user("unit_member", "POLICE")
    assert client.get("/api/v1/dashboard", headers=auth(admin)).status_code == 200
    assert client.get("/api/v1/dashboard", headers=auth(member)).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401
    res = client.get("/api/v1/dashboard?days=7", headers=auth(coord))
    assert res.status_code == 422 and "days" in res.json["error"]["fields"]


def test_dashboard_page_carries_the_figures_for_its_charts(app, client, make_user):
    _coord, coord_token = make_user("coordinator")
    _world(client)
    page, _user = signed_in(app, "coordinator")
    res = page.get("/staff/dashboard?days=90")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert 'id="dashboard" data-dashboard="' in html and "chart.umd.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert "7.9" in html  # the police's 90th percentile, in the table too
    # an unknown period is the default one, not an error
    assert page.get("/staff/dashboard?days=abc").status_code == 200
    # With the cache on, a Danish page and the API read the same figures: the page's names in
    # Danish must not leak into the API's (the categories' English labels).
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    try:
        html = page.get("/staff/dashboard").get_data(as_text=True)
        body = client.get("/api/v1/dashboard", headers=auth(coord_token)).json
    finally:
        app.config["DASHBOARD_CACHE_SECONDS"] = 0
    vold = db.session.scalar(sa.select(Category).where(Category.code == "VOLD"))
    assert vold.label_da in html
    assert [c["name"] for c in body["redirects_by_category"]] == [vold.label_en]
    assert {c["key"]: c["name"] for c in body["per_category"]}["VOLD"] == vold.label_en


def test_map_points_follow_the_filters_and_the_readers_access(app, client, make_user):
    _coord, coord_token = make_user("coordinator")
    ids, late = _world(client)
    page, _user = signed_in(app, "coordinator")
    res = page.get("/staff/map/points")
    assert res.status_code == 200
    points = res.json["points"]
    assert {p["id"] for p in points} == {*ids, late} and res.json["more"] is False
    # no text, no person: only these keys
    assert set(points[0]) == {"id", "reference", "category", "urgency", "status", "lat", "lon"}
    assert points[0]["urgency"] == "high"  # the most urgent first
    # the queue's filters
    amager = db.session.get(Report, late).district.number
    in_amager = page.get(f"/staff/map/points?district={amager}").json["points"]
    assert [p["id"] for p in in_amager] == [late]
    assert [p["id"] for p in page.get("/staff/map/points?overdue=y").json["points"]] == [late]
    # the search box too (a word of the four reports' text)
    found = page.get("/staff/map/points?q=overfald").json["points"]
    assert {p["id"] for p in found} == set(ids)
    # capped, and says so
    app.config["MAP_MAX_POINTS"] = 2
    try:
        capped = page.get("/staff/map/points").json
    finally:
        app.config["MAP_MAX_POINTS"] = 2000
    assert len(capped["points"]) == 2 and capped["more"] is True
    # a unit member: only their unit's reports
    ssp_page, _ssp = signed_in(app, "unit_member", "SSP")
    assert [p["id"] for p in ssp_page.get("/staff/map/points").json["points"]] == [late]
    html = ssp_page.get("/staff/map").get_data(as_text=True)
    assert "leaflet.markercluster.js" in html and 'data-points="/staff/map/points' in html


def test_the_times_are_read_from_the_workers_snapshot_while_it_is_fresh(app, client, make_user):
    from workers.schedule import beat_schedule
    from workers.tasks import refresh_dashboard

    _coord, coord_token = make_user("coordinator")
    ids, _late = _world(client)
    assert refresh_dashboard.run() == 2  # one municipality, two periods
    app.config["DASHBOARD_TIMES_MAX_AGE_SECONDS"] = 900
    try:
        # acknowledged sooner now: the stored times still say 2.5 h until the next refresh
        a = _assignment(ids[3], "POLICE")
        a.acknowledged_at = a.created_at + timedelta(hours=2)
        db.session.commit()
        before = client.get("/api/v1/dashboard", headers=auth(coord_token)).json
        police = {(t["unit"], t["urgency"]): t for t in before["times"]}[("POLICE", "high")]
        assert police["ack_p90_h"] == 7.9
        refresh_dashboard.run()
        after = client.get("/api/v1/dashboard", headers=auth(coord_token)).json
        police = {(t["unit"], t["urgency"]): t for t in after["times"]}[("POLICE", "high")]
        assert police["ack_p90_h"] == 2.7  # 1, 2, 2, 3 h: rank 2.7 between 2 and 3
        assert after["times_as_of"] > before["times_as_of"]
    finally:
        app.config["DASHBOARD_TIMES_MAX_AGE_SECONDS"] = 0
    assert beat_schedule(app.config)["refresh-dashboard"]["task"] == refresh_dashboard.name


def test_the_safety_index_is_on_the_dashboard_with_its_parts(app, client, make_user):
    from meldecentral.models import Municipality
    from meldecentral.services.facts import publish
    from meldecentral.services.facts import read as facts_read

    page, user = signed_in(app, "coordinator")

    def panel() -> str:
        html = page.get("/staff/dashboard").get_data(as_text=True)
        return html.split('id="safety-index"')[1].split("</section>")[0]

    if facts_read.facts(user.municipality_id) is None:
        assert "<tbody>" in panel() and "<td>" not in panel()  # nothing published: no rows
    _world(client)
    publish.publish(db.session.get(Municipality, user.municipality_id))
    published = facts_read.facts(user.municipality_id).document["districts"]
    shown = panel()
    for district in published:
        index = district["safety_index"]
        assert f"{district['number']}. {district['name']}" in shown
        row = shown.split(f"{district['number']}. {district['name']}")[1].split("</tr>")[0]
        value = "–" if index["value"] is None else str(index["value"])
        assert f'<td class="num">{value}</td>' in row
        for part, weight in index["weights"].items():  # each part with the weight applied
            assert (
                f"{index['components'][part]} <small" in row and f"({round(weight * 100)} %)" in row
            )

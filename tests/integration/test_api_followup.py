"""Staff endpoints: reading, listing, following up, notes; who sees what."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from meldecentral.extensions import db
from meldecentral.models import AccessLog, ReportEvent
from tests.conftest import auth
from tests.factories import move, route, submit_report


def submit(client, token=None, **over):
    return submit_report(
        client, token, **{"category": "UNG", "text": "En dreng på 13 er ude sent.", **over}
    )


def test_whole_life_of_a_report_routed_to_two_units(client, make_user):
    _, coord = make_user("coordinator")
    _, ssp = make_user("unit_member", "SSP")
    _, bbu = make_user("unit_member", "BBU")
    rid = submit(client, contact={"email": "mor@example.org"})
    ids = route(client, coord, rid, ["SSP", "BBU"])

    assert move(client, ssp, ids["SSP"], "acknowledged").status_code == 200
    assert client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json["status"] == (
        "in_progress"
    )
    res = move(client, ssp, ids["SSP"], "closed")
    assert res.status_code == 422 and "outcome" in res.json["error"]["fields"]
    assert move(client, ssp, ids["SSP"], "closed", "Talt med familien.").status_code == 200
    # one unit closed, the other has not: still in progress
    assert client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json["status"] == (
        "in_progress"
    )
    assert move(client, bbu, ids["BBU"], "acknowledged").status_code == 200
    assert move(client, bbu, ids["BBU"], "in_progress").status_code == 200
    note = client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "Vi har kontakt med skolen.", "visibility": "public"},
        headers=auth(bbu),
    )
    assert note.status_code == 201
    client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "Internt: kendt familie.", "visibility": "internal"},
        headers=auth(bbu),
    )
    assert move(client, bbu, ids["BBU"], "closed", "Familien får støtte.").status_code == 200

    detail = client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json
    assert detail["status"] == "resolved" and detail["contact"]["email"] == "mor@example.org"
    actions = [(h["action"], h["from_status"], h["to_status"]) for h in detail["history"]]
    assert actions[0] == ("created", None, "received")
    assert ("status", "routed", "in_progress") in actions
    assert actions[-1] == ("status", "in_progress", "resolved")

    ref = detail["reference"]
    track = client.get(f"/api/v1/track/{ref}").json
    assert track["status"] == "resolved" and track["closed_at"]
    assert [u["body"] for u in track["updates"]] == ["Vi har kontakt med skolen."]
    assert sorted(track["outcomes"]) == ["Familien får støtte.", "Talt med familien."]
    assert "Internt" not in str(track)


def test_a_unit_sees_only_its_own_reports(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    mine = submit(client)
    other = submit(client)
    ids = route(client, coord, mine, ["POLICE"])
    route(client, coord, other, ["SSP"])

    assert client.get(f"/api/v1/reports/{mine}", headers=auth(police)).status_code == 200
    # not assigned to the police: it does not exist for them
    res = client.get(f"/api/v1/reports/{other}", headers=auth(police))
    assert res.status_code == 404
    listed = client.get("/api/v1/reports", headers=auth(police)).json
    assert [r["id"] for r in listed["items"]] == [mine] and listed["total"] == 1
    # SSP cannot move the police's assignment, nor note on the police's report
    assert move(client, ssp, ids["POLICE"], "acknowledged").status_code == 404
    res = client.post(
        f"/api/v1/reports/{mine}/notes",
        json={"body": "x", "visibility": "internal"},
        headers=auth(ssp),
    )
    assert res.status_code == 404


def test_street_worker_sees_own_reports_only_and_no_contact(client, make_user):
    _, worker = make_user("street_worker")
    _, other_worker = make_user("street_worker")
    mine = submit(client, worker)
    resident = submit(client, contact={"phone": "+45 12345678"})
    assert client.get(f"/api/v1/reports/{mine}", headers=auth(worker)).status_code == 200
    assert client.get(f"/api/v1/reports/{resident}", headers=auth(worker)).status_code == 404
    assert client.get(f"/api/v1/reports/{mine}", headers=auth(other_worker)).status_code == 404
    ids = [r["id"] for r in client.get("/api/v1/reports", headers=auth(worker)).json["items"]]
    assert ids == [mine]


def test_contact_only_for_those_who_reply(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    rid = submit(client, contact={"email": "x@example.org"})
    body = {"units": ["POLICE"], "contact_units": ["POLICE"]}
    res = client.post(f"/api/v1/reports/{rid}/assignments", json=body, headers=auth(coord))
    assert res.status_code == 201
    assert client.get(f"/api/v1/reports/{rid}", headers=auth(police)).json["contact"]
    assert client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json["contact"]


def test_staff_endpoints_need_a_token(client):
    rid = submit(client)
    assert client.get(f"/api/v1/reports/{rid}").status_code == 401
    assert client.get("/api/v1/reports").status_code == 401
    res = client.post(f"/api/v1/reports/{rid}/notes", json={"body": "x", "visibility": "public"})
    assert res.status_code == 401


def test_refused_transitions_say_why(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    _, worker = make_user("street_worker")
    rid = submit(client, worker)
    ids = route(client, coord, rid, ["POLICE"])
    res = move(client, police, ids["POLICE"], "in_progress")  # must acknowledge first
    assert res.status_code == 409 and res.json["error"]["code"] == "not_allowed"
    res = move(client, police, ids["POLICE"], "finished")
    assert res.status_code == 422 and res.json["error"]["code"] == "unknown_status"
    # a street worker may see their own report, but not move a unit's assignment
    res = move(client, worker, ids["POLICE"], "acknowledged")
    assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"
    # a unit member may not reject a report
    res = client.post(
        f"/api/v1/reports/{rid}/transitions",
        json={"status": "rejected", "reason": "no"},
        headers=auth(police),
    )
    assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"
    # a unit member may not route
    res = client.post(
        f"/api/v1/reports/{rid}/assignments", json={"units": ["SSP"]}, headers=auth(police)
    )
    assert res.status_code == 403
    # a street worker may not post a public update
    res = client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "x", "visibility": "public"},
        headers=auth(worker),
    )
    assert res.status_code == 403


def test_reject_merge_and_route_errors(client, make_user):
    _, coord = make_user("coordinator")
    a, b = submit(client), submit(client)
    res = client.post(
        f"/api/v1/reports/{a}/transitions", json={"status": "rejected"}, headers=auth(coord)
    )
    assert res.status_code == 422 and "reason" in res.json["error"]["fields"]
    res = client.post(
        f"/api/v1/reports/{b}/transitions",
        json={"status": "merged", "duplicate_of": a},
        headers=auth(coord),
    )
    assert res.status_code == 200 and res.json["duplicate_of"] == a
    res = client.post(
        f"/api/v1/reports/{b}/assignments", json={"units": ["SSP"]}, headers=auth(coord)
    )
    assert res.status_code == 409
    res = client.post(
        f"/api/v1/reports/{a}/assignments", json={"units": ["NOPE"]}, headers=auth(coord)
    )
    assert res.status_code == 422 and "units" in res.json["error"]["fields"]
    res = client.post(
        f"/api/v1/reports/{a}/transitions",
        json={"status": "merged", "duplicate_of": a},
        headers=auth(coord),
    )
    assert res.status_code == 422
    res = client.post(
        f"/api/v1/reports/{a}/transitions",
        json={"status": "rejected", "reason": "Ikke en sag for os."},
        headers=auth(coord),
    )
    assert res.status_code == 200 and res.json["status"] == "rejected"


def test_routing_twice_to_the_same_unit_assigns_once(client, make_user):
    _, coord = make_user("coordinator")
    rid = submit(client)
    route(client, coord, rid, ["SSP"])
    route(client, coord, rid, ["SSP", "BBU"])
    detail = client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json
    assert sorted(a["unit"] for a in detail["assignments"]) == ["BBU", "SSP"]


def test_list_filters_and_pages(client, make_user):
    _, coord = make_user("coordinator")
    for _ in range(3):
        submit(client)
    submit(client, category="NABO", lat=None, lon=None, district=9)
    res = client.get("/api/v1/reports?category=NABO", headers=auth(coord)).json
    assert res["total"] == 1 and res["items"][0]["category"] == "NABO"
    res = client.get("/api/v1/reports?district=3&per_page=2&page=2", headers=auth(coord)).json
    assert res["total"] == 3 and len(res["items"]) == 1
    res = client.get("/api/v1/reports?status=routed", headers=auth(coord)).json
    assert res["total"] == 0
    res = client.get("/api/v1/reports?per_page=1000", headers=auth(coord))
    assert res.status_code == 422 and "per_page" in res.json["error"]["fields"]
    res = client.get("/api/v1/reports?status=nope", headers=auth(coord))
    assert res.status_code == 422


def test_every_view_is_in_the_access_log(client, make_user):
    coord_user, coord = make_user("coordinator")
    rid = submit(client)
    client.get(f"/api/v1/reports/{rid}", headers=auth(coord))
    client.get(f"/api/v1/reports/{rid}", headers={**auth(coord), "X-Request-ID": "req-abc-123"})
    rows = db.session.scalars(sa.select(AccessLog).order_by(AccessLog.id)).all()
    assert [(r.report_id, r.user_id, r.action, r.channel) for r in rows] == [
        (rid, coord_user.id, "view", "api")
    ] * 2
    assert rows[1].request_id == "req-abc-123"


def test_history_is_append_only_in_postgresql(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the services")
    submit(client)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.update(ReportEvent).values(action="edited"))
    db.session.rollback()
    assert db.session.scalars(sa.select(ReportEvent.action)).all() == ["created"]


def test_administrators_read_the_access_log_per_report_and_per_user(client, make_user):
    coord_user, coord = make_user("coordinator")
    _, admin = make_user("admin")
    a, b = submit(client), submit(client)
    client.get(f"/api/v1/reports/{a}", headers=auth(coord))
    client.get(f"/api/v1/reports/{b}", headers=auth(coord))
    ref_a = client.get(f"/api/v1/reports/{a}", headers=auth(coord)).json["reference"]
    by_report = client.get(f"/api/v1/access-log?reference={ref_a}", headers=auth(admin)).json
    assert [(r["report_id"], r["user_id"], r["action"]) for r in by_report["items"]] == [
        (a, coord_user.id, "view")
    ] * 2
    by_user = client.get(f"/api/v1/access-log?user={coord_user.email}", headers=auth(admin)).json[
        "items"
    ]
    assert sorted({r["report_id"] for r in by_user}) == sorted([a, b]) and len(by_user) == 3
    assert "text" not in by_user[0]  # no report text in the log
    assert client.get("/api/v1/access-log", headers=auth(coord)).status_code == 403

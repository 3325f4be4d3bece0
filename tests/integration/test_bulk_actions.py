"""Bulk actions on the triage queue (services.worklists.bulk): route, change the category,
reject with one reason, merge into one; each report acted on as alone, with its history."""

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import Assignment, Report, ReportEvent, Unit
from tests.conftest import auth
from tests.factories import signed_in, submit_report
from tests.webutil import csrf


def _reports(client, n, **over):
    body = {"category": "NABO", "text": "Larm om natten igen."} | over
    return [submit_report(client, **body) for _ in range(n)]


def _bulk(client, token, **body):
    return client.post("/api/v1/reports/bulk", json=body, headers=auth(token))


def _units(report_id):
    return sorted(
        db.session.scalars(
            sa.select(Unit.code).join(Assignment).where(Assignment.report_id == report_id)
        )
    )


def _actions(report_id):
    return db.session.scalars(
        sa.select(ReportEvent.action).where(ReportEvent.report_id == report_id)
    ).all()


def test_route_several_reports_each_with_its_history(client, make_user):
    _, coord = make_user("coordinator")
    ids = _reports(client, 3)
    res = _bulk(client, coord, action="route", reports=ids, units=["SSP"], contact_units=["SSP"])
    assert res.status_code == 200, res.json
    assert res.json["done"] == 3 and res.json["refused"] == 0
    db.session.expire_all()
    for rid in ids:
        assert _units(rid) == ["SSP"]
        assert "assigned" in _actions(rid)
        assert db.session.get(Report, rid).status == "routed"
    assigned = db.session.scalars(sa.select(Assignment).where(Assignment.report_id.in_(ids)))
    assert all(a.contact_shared for a in assigned)


def test_one_refused_report_is_named_and_the_others_are_done(client, make_user):
    _, coord = make_user("coordinator")
    ids = _reports(client, 3)
    first = _bulk(client, coord, action="reject", reports=ids[:1], reason="Ikke kommunens sag.")
    assert first.json["done"] == 1
    # rejected already: it cannot be rejected again; the two others are
    res = _bulk(client, coord, action="reject", reports=ids, reason="Dubletter af en klage.")
    assert res.status_code == 200
    by_id = {r["id"]: r for r in res.json["results"]}
    assert by_id[ids[0]]["ok"] is False and by_id[ids[0]]["code"] == "not_allowed"
    assert by_id[ids[0]]["reference"].startswith("MC-")
    assert [by_id[i]["ok"] for i in ids[1:]] == [True, True]
    db.session.expire_all()
    rejected = db.session.scalars(
        sa.select(ReportEvent).where(
            ReportEvent.report_id == ids[1], ReportEvent.action == "status"
        )
    ).all()
    assert rejected[-1].data["reason"] == "Dubletter af en klage."


def test_change_the_category_of_several(client, make_user):
    _, coord = make_user("coordinator")
    ids = _reports(client, 2)
    res = _bulk(client, coord, action="category", reports=ids, category="HAERVAERK")
    assert res.json["done"] == 2
    db.session.expire_all()
    for rid in ids:
        assert db.session.get(Report, rid).category.code == "HAERVAERK"
        assert "changed" in _actions(rid)


def test_merge_several_into_one(client, make_user):
    _, coord = make_user("coordinator")
    ids = _reports(client, 3)
    res = _bulk(client, coord, action="merge", reports=ids, into=ids[0])
    assert res.status_code == 200
    assert [r["id"] for r in res.json["results"]] == ids[1:]  # not the one merged into
    db.session.expire_all()
    assert [db.session.get(Report, i).status for i in ids[1:]] == ["merged", "merged"]
    assert all(db.session.get(Report, i).duplicate_of_id == ids[0] for i in ids[1:])
    assert db.session.get(Report, ids[0]).status != "merged"


def test_what_the_action_needs_is_checked_first_and_nothing_changes(client, make_user):
    _, coord = make_user("coordinator")
    ids = _reports(client, 2)
    cases = [
        ({"action": "reject", "reports": ids}, "reason"),
        ({"action": "route", "reports": ids}, "units"),
        ({"action": "category", "reports": ids}, "category"),
        ({"action": "merge", "reports": ids}, "into"),
        ({"action": "merge", "reports": ids, "into": 2**31 - 1}, "into"),
        ({"action": "route", "reports": ids, "units": ["NOPE"]}, None),  # per report: refused
        ({"action": "dance", "reports": ids}, "action"),
        ({"action": "reject", "reports": [], "reason": "x"}, "reports"),
        ({"action": "reject", "reports": list(range(1, 102)), "reason": "x"}, "reports"),
    ]
    for body, field in cases:
        res = _bulk(client, coord, **body)
        if field is None:
            assert res.status_code == 200 and res.json["done"] == 0, body
        else:
            assert res.status_code == 422, body
            assert field in res.json["error"]["fields"], (body, res.json)
    db.session.expire_all()
    assert [db.session.get(Report, i).status for i in ids] == ["received", "received"]


def test_only_coordinators_and_only_what_they_see(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    _, coord = make_user("coordinator")
    ids = _reports(client, 1)
    assert _bulk(client, police, action="reject", reports=ids, reason="x").status_code == 403
    res = _bulk(client, coord, action="reject", reports=[2**31 - 2], reason="x")
    assert res.json["results"][0]["code"] == "not_found"


def test_the_queue_page_routes_the_ticked_reports(app, client):
    ids = _reports(client, 3)
    pages, _ = signed_in(app, "coordinator")
    page = pages.get("/staff/queue?category=NABO").get_data(as_text=True)
    assert 'form="bulk"' in page and 'name="bulk-action"' in page
    token = csrf(pages, "/staff/queue")
    res = pages.post(
        "/staff/queue/bulk",
        data={
            "bulk-csrf_token": token,
            "bulk-action": "route",
            "bulk-units": ["HOUSING"],
            "ids": [str(i) for i in ids[:2]],
            "back": "category=NABO",
        },
    )
    assert res.status_code == 302 and res.headers["Location"].endswith("/staff/queue?category=NABO")
    db.session.expire_all()
    assert [_units(i) for i in ids] == [["HOUSING"], ["HOUSING"], []]
    page = pages.get("/staff/queue?category=NABO").get_data(as_text=True)
    assert "Udført for 2 af 2 meldinger." in page
    # a reason missing: nothing done, the page says what
    res = pages.post(
        "/staff/queue/bulk",
        data={"bulk-csrf_token": token, "bulk-action": "reject", "ids": [str(ids[2])]},
        follow_redirects=True,
    )
    said = "Intet blev gjort: Begrundelse for afvisning (den samme for alle): skal udfyldes."
    assert said in res.get_data(as_text=True)
    assert db.session.get(Report, ids[2]).status == "received"
    # without the CSRF token: refused
    pages.post("/staff/queue/bulk", data={"bulk-action": "reject", "bulk-reason": "x",
                                         "ids": [str(ids[2])]})  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Report, ids[2]).status == "received"

"""Saved views: named filter sets of the triage queue and the unit inbox, private or shared
with the owner's unit, and the default view a list opens on (API and pages; both databases)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import SavedView, SavedViewDefault
from meldecentral.schemas.queues import InboxQuerySchema, TriageQuerySchema
from meldecentral.schemas.views import filter_names
from meldecentral.services.staff import platform, users
from tests.conftest import auth, create_staff
from tests.factories import move, route, signed_in, submit_report
from tests.webutil import csrf, text_of


def new_view(client, token, name, status=201, **body):
    res = client.post("/api/v1/views", json={"name": name, **body}, headers=auth(token))
    assert res.status_code == status, res.json
    return res.json


def listed(client, token) -> set[str]:
    res = client.get("/api/v1/views", headers=auth(token))
    assert res.status_code == 200, res.json
    return {v["name"] for v in res.json["items"]}


def test_private_views_are_the_owners_and_shared_ones_the_units(client, make_user):
    _, coord = make_user("coordinator")
    _, coord2 = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    _, police2 = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    mine = new_view(client, coord, "Mine", filters={"overdue": True})
    shared = new_view(client, coord, "Nørrebro", filters={"district": 3}, shared=True)
    assert mine["list"] == "triage" and not mine["shared"] and mine["mine"]
    assert shared["shared"] and shared["unit"] == "COORD" and shared["filters"] == {"district": 3}
    unit_view = new_view(
        client, police, "Med lukkede", filters={"include_closed": True}, shared=True
    )
    assert unit_view["list"] == "inbox" and unit_view["unit"] == "POLICE"

    assert listed(client, coord) == {"Mine", "Nørrebro"}
    assert listed(client, coord2) == {"Nørrebro"}  # another coordinator: the shared one only
    assert client.get(f"/api/v1/views/{mine['id']}", headers=auth(coord2)).status_code == 404
    other = client.get(f"/api/v1/views/{shared['id']}", headers=auth(coord2)).json
    assert other["mine"] is False and other["owner_name"]
    assert listed(client, police2) == {"Med lukkede"}  # the same unit
    assert listed(client, ssp) == set()  # another unit sees nothing
    for token in (ssp, coord):
        res = client.get(f"/api/v1/views/{unit_view['id']}", headers=auth(token))
        assert res.status_code == 404
    # Another municipality (at its own path prefix) sees none of them, shared or not.
    elsewhere = platform.create(
        None, {"code": "frb", "name": "Frederiksberg", "path_prefix": "frb"}
    )
    outsider = users.create_user(
        municipality=elsewhere, email="k@frb.example", name="K", role="coordinator"
    )
    token = users.create_token(outsider, "t")
    res = client.get("/k/frb/api/v1/views", headers=auth(token))
    assert res.status_code == 200 and res.json["items"] == []
    for view in (mine, shared):
        res = client.get(f"/k/frb/api/v1/views/{view['id']}", headers=auth(token))
        assert res.status_code == 404
        res = client.put(f"/k/frb/api/v1/views/{view['id']}/default", headers=auth(token))
        assert res.status_code == 404


def test_roles_without_a_list_have_no_views(client, make_user):
    for role in ("street_worker", "admin"):
        _, token = make_user(role)
        assert client.get("/api/v1/views", headers=auth(token)).status_code == 403
        res = client.post("/api/v1/views", json={"name": "x"}, headers=auth(token))
        assert res.status_code == 403
    assert client.get("/api/v1/views").status_code == 401


def test_bad_filters_and_names_are_refused_naming_the_field(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")

    def refused(token, body, status=422):
        res = client.post("/api/v1/views", json=body, headers=auth(token))
        assert res.status_code == status, res.json
        return res.json["error"]["fields"]

    fields = refused(coord, {"name": "a", "filters": {"colour": "red", "page": 2}})
    assert fields == {
        "filters": {"colour": ["not a filter of this list"], "page": ["not a filter of this list"]}
    }
    assert "district" in refused(coord, {"name": "a", "filters": {"district": "tre"}})["filters"]
    assert "status" in refused(coord, {"name": "a", "filters": {"status": "lost"}})["filters"]
    # Well-formed, but not the municipality's: named too.
    assert "category" in refused(coord, {"name": "a", "filters": {"category": "NOPE"}})["filters"]
    assert "unit" in refused(coord, {"name": "a", "filters": {"unit": "ARMY"}})["filters"]
    # The inbox has its own filters: the triage queue's are not among them.
    assert "district" in refused(police, {"name": "a", "filters": {"district": 3}})["filters"]
    assert "list" in refused(police, {"name": "a", "list": "triage"})
    assert "filters" in refused(coord, {"name": "a", "filters": ["district"]})
    assert "name" in refused(coord, {"name": "x" * 81})
    assert "name" in refused(coord, {"name": "   "})
    assert "name" in refused(coord, {"name": "two\nlines"})
    assert "name" in refused(coord, {"filters": {}})
    new_view(client, coord, "Overdue", filters={"overdue": True})
    assert "name" in refused(coord, {"name": "overdue"}, status=409)  # whatever the case
    assert db.session.scalar(sa.select(sa.func.count(SavedView.id))) == 1
    # A PATCH checks the same, against the view's list.
    view_id = new_view(client, police, "Alle")["id"]
    res = client.patch(
        f"/api/v1/views/{view_id}", json={"filters": {"q2": "x"}}, headers=auth(police)
    )
    assert res.status_code == 422 and "q2" in res.json["error"]["fields"]["filters"]


def test_filters_are_the_lists_query_parameters_less_paging():
    """A parameter added to a list (a text search ``q``) becomes a filter a view can keep."""
    assert set(filter_names("triage")) == set(TriageQuerySchema().fields) - {"page", "per_page"}
    assert set(filter_names("inbox")) == set(InboxQuerySchema().fields) - {"limit", "offset"}


def test_only_the_owner_changes_or_deletes_and_anyone_sharing_may_default(client, make_user):
    _, owner = make_user("unit_member", "POLICE")
    _, colleague = make_user("unit_member", "POLICE")
    view = new_view(client, owner, "Alt", filters={"include_closed": True}, shared=True)
    path = f"/api/v1/views/{view['id']}"
    assert client.patch(path, json={"name": "Mit"}, headers=auth(colleague)).status_code == 403
    assert client.delete(path, headers=auth(colleague)).status_code == 403
    res = client.put(f"{path}/default", headers=auth(colleague))
    assert res.status_code == 200 and res.json["default"] is True
    assert client.get("/api/v1/views", headers=auth(colleague)).json["default_id"] == view["id"]
    res = client.patch(path, json={"name": "Alt, også lukkede"}, headers=auth(owner))
    assert res.status_code == 200 and res.json["name"] == "Alt, også lukkede"
    assert res.json["default"] is False  # the colleague's default, not the owner's
    # Made private: the colleague no longer sees it, nor opens on it.
    assert client.patch(path, json={"shared": False}, headers=auth(owner)).json["shared"] is False
    assert client.get(path, headers=auth(colleague)).status_code == 404
    assert client.get("/api/v1/views", headers=auth(colleague)).json["default_id"] is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedViewDefault)) == 0
    assert client.delete(path, headers=auth(owner)).status_code == 204
    assert client.get(path, headers=auth(owner)).status_code == 404


def test_the_default_view_is_applied_through_the_api(client, make_user):
    _, coord = make_user("coordinator")
    nabo = submit_report(client, category="NABO", text="Larm hver nat.")
    submit_report(client, category="TYVERI", text="Cykel stjålet i går.")
    view = new_view(client, coord, "Naboer", filters={"category": "NABO"}, default=True)
    assert view["default"] is True

    def triage(query):
        res = client.get(f"/api/v1/triage?{query}", headers=auth(coord))
        assert res.status_code == 200, res.json
        return res.json

    everything = triage("")
    assert "view" not in everything and len(everything["items"]) == 2  # no view unless asked
    applied = triage("view=default")
    assert applied["view"] == {"id": view["id"], "name": "Naboer"}
    assert [i["id"] for i in applied["items"]] == [nabo]
    assert triage(f"view={view['id']}")["items"] == applied["items"]
    # A filter in the query wins over the view's.
    assert [i["category"] for i in triage("view=default&category=TYVERI")["items"]] == ["TYVERI"]
    for missing in ("999999", "9999999999"):  # the latter beyond the database's integer
        res = client.get(f"/api/v1/triage?view={missing}", headers=auth(coord))
        assert res.status_code == 404
    assert client.get("/api/v1/triage?view=mine", headers=auth(coord)).status_code == 422
    client.delete(f"/api/v1/views/{view['id']}/default", headers=auth(coord))
    assert triage("view=default")["view"] is None


def test_the_inbox_applies_a_view_too(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    report = submit_report(client)
    assignment = route(client, coord, report, ["POLICE"])["POLICE"]
    assert move(client, police, assignment, "acknowledged").status_code == 200
    assert move(client, police, assignment, "closed", "Talt med parterne.").status_code == 200
    view = new_view(client, police, "Lukkede med", filters={"include_closed": True}, default=True)
    res = client.get("/api/v1/inbox?view=default", headers=auth(police))
    assert res.json["view"]["id"] == view["id"] and len(res.json["items"]) == 1
    assert client.get("/api/v1/inbox", headers=auth(police)).json["items"] == []


# Pages


def _save(client, page, token=None, **form):
    data = {"csrf_token": token or csrf(client, page), "sharing": "private", **form}
    return client.post("/staff/views", data=data)


def _references(res) -> list[str]:
    return re.findall(r'data-reference="([^"]+)"', text_of(res))


@pytest.mark.slow
def test_the_queue_opens_on_the_default_view(app, client):
    worker, _ = signed_in(app, "street_worker")
    nabo = submit_report(client, category="NABO", text="Larm hver nat.")
    submit_report(client, category="TYVERI", text="Cykel stjålet i går.")
    coordinator, _ = signed_in(app, "coordinator")
    assert len(_references(coordinator.get("/staff/queue"))) == 2
    # "Save current filters as...": the queue filtered, then saved as the default.
    page = coordinator.get("/staff/queue?category=NABO")
    assert 'name="filter-category" value="NABO"' in text_of(page)
    res = _save(
        coordinator, "/staff/queue", name="Naboer", make_default="y", **{"filter-category": "NABO"}
    )
    view = db.session.scalar(sa.select(SavedView))
    assert res.status_code == 302 and res.headers["Location"].endswith(f"?view={view.id}")
    assert view.filters == {"category": "NABO"} and view.unit_id is None
    opened = coordinator.get("/staff/queue")
    html = text_of(opened)
    assert f'data-applied-view="{view.id}"' in html and "Naboer" in html
    reference = db.session.scalar(
        sa.text("SELECT reference FROM report WHERE id = :i"), {"i": nabo}
    )
    assert _references(opened) == [reference]
    # The export links say the view's filters: the file holds what the page shows.
    assert "/staff/queue/export.csv?category=NABO" in html
    # "Show all": no view, every report; the pager keeps the view it shows.
    everything = coordinator.get("/staff/queue?all=1")
    assert "data-applied-view" not in text_of(everything) and len(_references(everything)) == 2
    # Stop opening on it: the queue opens unfiltered again.
    token = csrf(coordinator, "/staff/queue")
    coordinator.post(f"/staff/views/{view.id}/not-default", data={"csrf_token": token})
    assert "data-applied-view" not in text_of(coordinator.get("/staff/queue"))
    coordinator.post(f"/staff/views/{view.id}/default", data={"csrf_token": token})
    assert f'data-applied-view="{view.id}"' in text_of(coordinator.get("/staff/queue"))
    # Deleted: gone from the picker; the queue opens unfiltered.
    res = coordinator.post(f"/staff/views/{view.id}/delete", data={"csrf_token": token})
    assert res.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SavedView.id))) == 0
    assert len(_references(coordinator.get("/staff/queue"))) == 2
    assert worker.get("/staff/queue").status_code == 403


def test_the_save_form_says_what_to_fix(app):
    coordinator, _ = signed_in(app, "coordinator")
    token = csrf(coordinator, "/staff/queue")
    res = _save(coordinator, "/staff/queue", token, name="")
    assert res.status_code == 422 and 'id="name-err"' in text_of(res)
    assert (
        _save(
            coordinator, "/staff/queue", token, name="Forfaldne", **{"filter-overdue": "y"}
        ).status_code
        == 302
    )
    res = _save(coordinator, "/staff/queue", token, name="forfaldne")
    assert res.status_code == 422 and 'id="name-err"' in text_of(res)
    assert "du har allerede en visning med dette navn" in text_of(res)  # the page's language
    res = _save(coordinator, "/staff/queue", token, name="To\nlinjer")
    assert res.status_code == 422 and 'id="name-err"' in text_of(res)
    res = _save(coordinator, "/staff/queue", token, name="Ny", **{"filter-colour": "red"})
    assert res.status_code == 422 and "form-errors" in text_of(res)
    assert db.session.scalar(sa.select(sa.func.count(SavedView.id))) == 1


@pytest.mark.slow
def test_an_inbox_view_shared_with_the_unit_and_no_one_else(app):
    police, _ = signed_in(app, "unit_member", "SSP")
    res = _save(
        police,
        "/staff/inbox",
        name="Også lukkede",
        sharing="unit",
        **{"filter-include_closed": "y"},
    )
    assert res.status_code == 302
    view = db.session.scalar(sa.select(SavedView))
    assert view.list_kind == "inbox" and view.filters == {"include_closed": True}
    colleague, _ = signed_in(app, "unit_member", "SSP")
    page = text_of(colleague.get("/staff/inbox"))
    assert "Også lukkede" in page and "data-applied-view" not in page
    opened = text_of(colleague.get(f"/staff/inbox?view={view.id}"))
    assert f'data-applied-view="{view.id}"' in opened
    assert "Delete view" not in opened and "Slet visning" not in opened  # not the owner's
    token = csrf(colleague, "/staff/inbox")
    assert (
        colleague.post(f"/staff/views/{view.id}/delete", data={"csrf_token": token}).status_code
        == 403
    )
    other, _ = signed_in(app, "unit_member", "BBU")
    assert "Også lukkede" not in text_of(other.get("/staff/inbox"))
    res = other.post(
        f"/staff/views/{view.id}/default", data={"csrf_token": csrf(other, "/staff/inbox")}
    )
    assert res.status_code == 404


def test_the_views_forms_need_their_csrf_token(app):
    coordinator, user = signed_in(app, "coordinator")
    token = create_staff("coordinator")[1]  # a second coordinator's view, shared
    view = new_view(app.test_client(), token, "Delt", shared=True)
    assert (
        coordinator.post("/staff/views", data={"name": "Uden", "sharing": "private"}).status_code
        == 400
    )
    for action in ("default", "not-default", "delete"):
        res = coordinator.post(f"/staff/views/{view['id']}/{action}", data={})
        assert res.status_code == 400, action
    assert db.session.scalar(sa.select(sa.func.count(SavedView.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedViewDefault)) == 0


def test_the_database_holds_a_name_once_per_owner_and_list_whatever_the_case(app):
    """The unique index decides between two saves at once (the service's check comes first)."""
    user, _ = create_staff("coordinator")
    row = {"municipality_id": user.municipality_id, "owner_user_id": user.id, "filters": {}}
    db.session.add(SavedView(name="Nat", list_kind="triage", **row))
    db.session.commit()
    db.session.add(SavedView(name="NAT", list_kind="triage", **row))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(SavedView(name="NAT", list_kind="inbox", **row))  # another list: fine
    db.session.commit()

"""Open311 GeoReport v2 at /open311/v2: every endpoint in both formats against the spec's
field lists, the error format, intake under the JSON API's rules (validation, the 112 guard,
idempotency, keys), the status mapping, and the updates feed FixMyStreet reads."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Report
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.open311 import clients
from meldecentral.services.reports import notes, transitions
from meldecentral.services.routing import assign
from meldecentral.services.staff import platform, users
from tests.conftest import NORREBRO, create_staff

BASE = "/open311/v2"
# The spec's field lists (wiki.open311.org/GeoReport_v2), and FixMyStreet's for the updates.
DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT = {"specification", "url", "changeset", "type", "formats"}
SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION = {"service_code", "attributes"}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}
CREATED = {"service_request_id", "token", "service_notice", "account_id"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
TOKEN = {"service_request_id", "token"}
UPDATE = {
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
}
SECRET = "Ole Hansen i nr. 7 har sprayet på døren"  # the report's text: never in a GET
FORM = {
    "service_code": "HAERVAERK",
    "description": "Knust rude ved opgangen.",
    "lat": str(NORREBRO["lat"]),
    "long": str(NORREBRO["lon"]),
    "email": "borger@example.org",
    "first_name": "Mette",
    "last_name": "Jensen",
    "attribute[housing_estate]": "true",
}


def xml(res) -> ET.Element:
    assert res.mimetype == "text/xml", res.mimetype
    assert res.data.startswith(b"<?xml"), res.data[:40]
    return ET.fromstring(res.data)


def children(element: ET.Element) -> set[str]:
    return {child.tag for child in element}


def xml_items(res, root: str, item: str) -> list[dict]:
    doc = xml(res)
    assert doc.tag == root
    assert all(child.tag == item for child in doc)
    return [{c.tag: c for c in entry} for entry in doc]


@pytest.fixture
def key(app) -> str:
    municipality = users.municipality_by_code(app.config["DEFAULT_MUNICIPALITY"])
    return clients.issue_key(None, "Civic app", municipality_id=municipality.id)[1]


def post(client, key: str | None, fmt: str = "xml", headers=None, **over):
    form = {**FORM, **over}
    if key is not None:
        form["api_key"] = key
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=form, headers=headers or {})


def errors_of(res, fmt: str) -> list[tuple[int, str]]:
    if fmt == "json":
        assert res.mimetype == "application/json"
        assert all(set(e) == {"code", "description"} for e in res.json)
        return [(e["code"], e["description"]) for e in res.json]
    doc = xml(res)
    assert doc.tag == "errors" and all(child.tag == "error" for child in doc)
    assert all(children(e) == {"code", "description"} for e in doc)
    return [(int(e.findtext("code")), e.findtext("description")) for e in doc]


def test_discovery_and_services_in_both_formats(client):
    res = client.get(f"{BASE}/discovery.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert set(res.json) == DISCOVERY
    (endpoint,) = res.json["endpoints"]
    assert set(endpoint) == ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    doc = xml(client.get(f"{BASE}/discovery.xml"))
    assert doc.tag == "discovery" and children(doc) == DISCOVERY
    endpoint = doc.find("endpoints/endpoint")
    assert children(endpoint) == ENDPOINT
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]

    res = client.get(f"{BASE}/services.json?jurisdiction_id=kbh")
    assert res.status_code == 200
    codes = [s["service_code"] for s in res.json]
    assert "VOLD" in codes and "NABO" in codes
    assert all(set(s) == SERVICE for s in res.json)
    vold = next(s for s in res.json if s["service_code"] == "VOLD")
    assert vold["metadata"] is True and vold["type"] == "realtime"
    assert vold["group"] and "vold" in vold["keywords"]
    items = xml_items(client.get(f"{BASE}/services.xml"), "services", "service")
    assert [i["service_code"].text for i in items] == codes
    assert all(set(i) == SERVICE for i in items)
    assert {i["metadata"].text for i in items} == {"true"}

    res = client.get(f"{BASE}/services/VOLD.json")
    assert set(res.json) == DEFINITION and res.json["service_code"] == "VOLD"
    attributes = res.json["attributes"]
    assert all(ATTRIBUTE <= set(a) for a in attributes)
    assert [a["order"] for a in attributes] == list(range(1, len(attributes) + 1))
    by_code = {a["code"]: a for a in attributes}
    assert by_code["happening_now"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in by_code["happening_now"]["values"]] == ["true", "false"]
    assert by_code["interpreter_language"]["datatype"] == "string"
    doc = xml(client.get(f"{BASE}/services/VOLD.xml"))
    assert doc.tag == "service_definition" and children(doc) == DEFINITION
    first = doc.find("attributes/attribute")
    assert ATTRIBUTE <= children(first)
    assert [v.findtext("key") for v in first.find("values")] == ["true", "false"]


def test_unknown_things_are_open311_errors(client):
    res = client.get(f"{BASE}/services/NOPE.xml")
    assert res.status_code == 404
    assert errors_of(res, "xml") == [(404, "service_code: no such service")]
    res = client.get(f"{BASE}/services.json?jurisdiction_id=nowhere")
    assert errors_of(res, "json") == [(404, "jurisdiction_id: no such jurisdiction")]
    res = client.get(f"{BASE}/nothing-here.json")
    assert res.status_code == 404 and errors_of(res, "json")[0][0] == 404
    res = client.get(f"{BASE}/requests/999999.json")
    assert errors_of(res, "json") == [(404, "service_request_id: no such request")]
    res = client.get(f"{BASE}/tokens/MC-XXXX-XXXX.xml")
    assert errors_of(res, "xml") == [(404, "token: no such token")]
    res = client.delete(f"{BASE}/requests.xml")
    assert res.status_code == 405 and errors_of(res, "xml")[0][0] == 405


def test_post_then_read_it_back_in_both_formats(client, key):
    res = post(client, key, "json", description=SECRET)
    assert res.status_code == 201, res.data
    (created,) = res.json
    assert set(created) == CREATED
    report = db.session.get(Report, created["service_request_id"])
    assert report.text == SECRET and report.housing_estate is True
    assert report.source == "resident" and report.contact.name == "Mette Jensen"
    assert created["token"] == report.reference
    assert "112" in created["service_notice"]

    res = post(client, key, "xml")
    assert res.status_code == 201
    (item,) = xml_items(res, "service_requests", "request")
    assert set(item) == CREATED and int(item["service_request_id"].text) > report.id

    res = client.get(f"{BASE}/requests/{report.id}.json")
    assert res.status_code == 200
    (one,) = res.json
    assert set(one) == REQUEST
    assert one["service_request_id"] == report.id and one["status"] == "open"
    assert one["service_code"] == "HAERVAERK" and one["address"] == "Nørrebro"
    assert one["requested_datetime"].endswith("Z")
    assert one["lat"] == round(NORREBRO["lat"], 3) and one["long"] == round(NORREBRO["lon"], 3)
    (item,) = xml_items(
        client.get(f"{BASE}/requests/{report.id}.xml"), "service_requests", "request"
    )
    assert set(item) == REQUEST and item["status"].text == "open"
    for res in (
        client.get(f"{BASE}/requests/{report.id}.json"),
        client.get(f"{BASE}/requests/{report.id}.xml"),
        client.get(f"{BASE}/requests.json"),
        client.get(f"{BASE}/requests.xml"),
    ):
        body = res.get_data(as_text=True)
        for personal in (SECRET, "Mette", "Jensen", "borger@example.org"):
            assert personal not in body

    res = client.get(f"{BASE}/tokens/{report.reference}.json")
    assert res.json == [{"service_request_id": report.id, "token": report.reference}]
    (item,) = xml_items(
        client.get(f"{BASE}/tokens/{report.reference}.xml"), "service_requests", "request"
    )
    assert set(item) == TOKEN and item["service_request_id"].text == str(report.id)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_intake_refusals_in_the_error_format(client, key, fmt):
    res = post(client, None, fmt)
    assert res.status_code == 403
    assert errors_of(res, fmt) == [(403, "api_key: missing, unknown or revoked")]
    assert errors_of(post(client, "o311_wrong", fmt), fmt)[0][0] == 403

    res = post(client, key, fmt, service_code=None, description=None, long="x")
    assert res.status_code == 400
    named = {d.split(":")[0] for _, d in errors_of(res, fmt)}
    assert named == {"service_code", "description", "long"}
    res = post(client, key, fmt, service_code="NOPE")
    assert errors_of(res, fmt) == [(400, "service_code: unknown category 'NOPE'")]
    res = post(client, key, fmt, lat=None, long=None)
    assert res.status_code == 400
    assert errors_of(res, fmt)[0][1].startswith("lat: give a point")
    res = post(client, key, fmt, **{"attribute[colour]": "red", "attribute[happening_now]": "x"})
    assert {d for _, d in errors_of(res, fmt)} == {
        "attribute[colour]: unknown attribute; see the service definition",
        "attribute[happening_now]: Not a valid boolean.",
    }


def test_the_112_guard_and_confirmation(client, key):
    before = db.session.query(Report).count()
    res = post(
        client,
        key,
        "json",
        service_code="VOLD",
        description="De slås lige nu",
        **{"attribute[happening_now]": "true"},
    )
    assert res.status_code == 422
    ((code, description),) = errors_of(res, "json")
    assert code == 422 and description.startswith("emergency:") and "112" in description
    res = post(client, key, "xml", description="Han truede med en kniv i går.")
    assert res.status_code == 422
    described = [d for _, d in errors_of(res, "xml")]
    assert described[0].startswith("confirm_not_emergency:")
    assert (
        "attribute[confirm_not_emergency]: confirm that nobody is in danger right now" in described
    )
    assert db.session.query(Report).count() == before
    res = post(
        client,
        key,
        "xml",
        description="Han truede med en kniv i går.",
        **{"attribute[confirm_not_emergency]": "true"},
    )
    assert res.status_code == 201


def test_keys_are_per_municipality_and_revocable(client, app, key):
    municipality = users.municipality_by_code(app.config["DEFAULT_MUNICIPALITY"])
    admin, _ = create_staff("admin")
    client_app = clients.list_clients(Actor.for_user(admin))[0]
    assert client_app.name == "Civic app" and client_app.key_hash != key
    assert post(client, key, jurisdiction_id="kbh").status_code == 201
    other = platform.create(None, {"code": "aarhus", "name": "Aarhus"})
    foreign = clients.issue_key(None, "Aarhus app", municipality_id=other.id)[1]
    res = post(client, foreign, "json")
    assert errors_of(res, "json")[0][0] == 403
    clients.revoke_key(Actor.for_user(admin), client_app.id)
    assert post(client, key).status_code == 403
    assert municipality.id == client_app.municipality_id


def test_idempotency_key_replays_per_application(client, key):
    headers = {"Idempotency-Key": "open311-retry-0001"}
    first = post(client, key, "json", headers=headers)
    again = post(client, key, "json", headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json[0]["service_request_id"] == first.json[0]["service_request_id"]
    res = post(client, key, "json", headers=headers, description="Noget andet.")
    assert res.status_code == 409
    assert errors_of(res, "json")[0][1].startswith("Idempotency-Key: ")
    res = post(client, key, "json", headers={"Idempotency-Key": "short"})
    assert errors_of(res, "json") == [(400, "Idempotency-Key: between 8 and 100 characters")]


def _routed_and_noted(client, key) -> Report:
    report_id = post(client, key, "json").json[0]["service_request_id"]
    assign.assign_units(SYSTEM, report_id, ["HOUSING", "POLICE"], reason="test")
    coordinator = Actor.for_user(create_staff("coordinator")[0])
    notes.add_note(coordinator, report_id, "Vi har sendt en vicevært.", "public")
    notes.add_note(coordinator, report_id, "Intern: kender familien.", "internal")
    return db.session.get(Report, report_id)


def test_status_mapping_agencies_notes_and_deadline(client, key):
    report = _routed_and_noted(client, key)
    (one,) = client.get(f"{BASE}/requests/{report.id}.json").json
    assert one["status"] == "open"
    assert one["agency_responsible"] == ", ".join(a.unit.name for a in report.assignments)
    assert one["status_notes"] == "Vi har sendt en vicevært."
    assert report.next_deadline is not None
    assert one["expected_datetime"] == report.next_deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
    coordinator = Actor.for_user(create_staff("coordinator")[0])
    transitions.transition_report(coordinator, report.id, "rejected", reason="ikke vores")
    (one,) = client.get(f"{BASE}/requests/{report.id}.json").json
    assert one["status"] == "closed"
    body = client.get(f"{BASE}/requests.xml").get_data(as_text=True)
    assert "Intern" not in body and "ikke vores" not in body


def test_requests_filters_and_the_90_day_window(client, key):
    open_id = post(client, key, "json").json[0]["service_request_id"]
    nabo_id = post(client, key, "json", service_code="NABO").json[0]["service_request_id"]
    coordinator = Actor.for_user(create_staff("coordinator")[0])
    transitions.transition_report(coordinator, nabo_id, "rejected", reason="x")

    def ids(query: str) -> list[int]:
        res = client.get(f"{BASE}/requests.json?{query}")
        assert res.status_code == 200, res.data
        return [r["service_request_id"] for r in res.json]

    assert ids("") == [nabo_id, open_id]  # newest first
    assert ids("status=open") == [open_id]
    assert ids("status=closed") == [nabo_id]
    assert ids("status=open,closed") == [nabo_id, open_id]
    assert ids("service_code=NABO") == [nabo_id]
    assert ids("service_code=NABO,HAERVAERK&status=open") == [open_id]
    assert ids(f"service_request_id={open_id},{nabo_id}&status=open") == [nabo_id, open_id]
    assert ids("page_size=1") == [nabo_id] and ids("page_size=1&page=2") == [open_id]
    now = clock.now()
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    long_ago = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={yesterday}&end_date={later}") == [nabo_id, open_id]
    assert ids(f"end_date={yesterday}") == []
    res = client.get(f"{BASE}/requests.xml?start_date={long_ago}&end_date={later}")
    assert errors_of(res, "xml") == [(400, "end_date: the range may not span more than 90 days")]
    res = client.get(f"{BASE}/requests.json?status=pending&service_request_id=a")
    assert {d for _, d in errors_of(res, "json")} == {
        "status: open or closed",
        "service_request_id: comma-separated request ids",
    }
    res = client.get(f"{BASE}/requests.json?page_size=5000")
    assert errors_of(res, "json") == [(400, "page_size: between 1 and 1000")]


def test_updates_feed_as_fixmystreet_reads_it(client, key):
    report = _routed_and_noted(client, key)
    coordinator = Actor.for_user(create_staff("coordinator")[0])
    transitions.transition_report(coordinator, report.id, "rejected", reason="intern grund")
    start = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (clock.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    res = client.get(f"{BASE}/servicerequestupdates.json?start_date={start}&end_date={end}")
    assert res.status_code == 200
    mine = [u for u in res.json if u["service_request_id"] == report.id]
    assert all(set(u) == UPDATE for u in mine)
    assert len({u["update_id"] for u in res.json}) == len(res.json)
    assert [u["description"] for u in mine if u["description"]] == ["Vi har sendt en vicevært."]
    assert mine[-1]["status"] == "closed" and mine[0]["status"] == "open"
    assert "intern" not in res.get_data(as_text=True).lower()
    items = xml_items(
        client.get(f"{BASE}/servicerequestupdates.xml?start_date={start}&end_date={end}"),
        "service_requests_updates",
        "request_update",
    )
    assert all(set(i) == UPDATE for i in items) and len(items) == len(res.json)
    old = (clock.now() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    res = client.get(f"{BASE}/servicerequestupdates.json?start_date={old}&end_date={end}")
    assert res.status_code == 400


def test_command_line_issues_lists_and_revokes(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["open311", "issue", "Nabo-by"])
    assert out.exit_code == 0, out.output
    key = out.output.split("api_key (shown once, keep it secret): ")[1].strip()
    assert clients.caller_for_key(key).name == "Nabo-by"
    listed = runner.invoke(args=["open311", "list"]).output
    assert "Nabo-by" in listed and key not in listed and "active" in listed
    client_id = int(listed.split("\t")[0])
    assert runner.invoke(args=["open311", "revoke", str(client_id)]).exit_code == 0
    assert clients.caller_for_key(key) is None
    assert "revoked" in runner.invoke(args=["open311", "list"]).output


def test_admin_page_issues_a_key_once_and_revokes_it_after_asking(app, client):
    from tests.factories import signed_in
    from tests.webutil import csrf, text_of

    admin, _ = signed_in(app, "admin")
    page = admin.get("/admin/open311")
    assert page.status_code == 200
    empty = admin.post("/admin/open311", data={"csrf_token": csrf(admin, "/admin/open311")})
    assert empty.status_code == 422
    issued = admin.post(
        "/admin/open311", data={"csrf_token": csrf(admin, "/admin/open311"), "name": "Nabo-app"}
    )
    assert issued.status_code == 201
    html = text_of(issued)
    key = html.split('<p class="secret">')[1].split("<")[0]
    assert key.startswith(clients.KEY_PREFIX) and "Nabo-app" in html
    assert key not in text_of(admin.get("/admin/open311"))  # shown once
    assert post(client, key).status_code == 201
    (row,) = [c for c in clients.list_clients(None, row_municipality(app)) if c.name == "Nabo-app"]
    url = f"/admin/open311/{row.id}/revoke"
    asked = admin.post(url, data={"csrf_token": csrf(admin, "/admin/open311")})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in text_of(asked)
    assert post(client, key).status_code == 201  # nothing done yet
    done = admin.post(url, data={"csrf_token": csrf(admin, "/admin/open311"), "confirm": "yes"})
    assert done.status_code == 302
    assert post(client, key).status_code == 403


def row_municipality(app) -> int:
    return users.municipality_by_code(app.config["DEFAULT_MUNICIPALITY"]).id


def test_unstorable_input_unexpected_errors_and_caching(app, client, key, monkeypatch):
    res = post(client, key, "json", description="Larm\x00om natten")
    assert res.status_code == 400 and res.json[0]["description"].startswith("description: ")
    res = client.get(f"{BASE}/requests.xml?status=open\x00")
    assert errors_of(res, "xml")[0][1].startswith("status: ")
    res = client.get(f"{BASE}/requests.json")
    assert res.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in res.headers  # no cookie session under /open311/

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("meldecentral.services.open311.catalogue.services", broken)
    res = client.get(f"{BASE}/services.json")
    assert res.status_code == 500
    ((code, description),) = errors_of(res, "json")
    assert code == 500 and description.startswith("internal_error: ") and "boom" not in description

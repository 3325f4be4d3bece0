"""An independent Open311 client against the running server: the georeport package (PyPI, a
GeoReport v2 wrapper by another author, read side only) lists the services, reads a
definition, queries requests and reads one back, in JSON and in XML (parsed by xmltodict).
The request itself is POSTed as a plain form, since georeport does not create requests.
The client needs no browser, only the live server of tests/e2e/conftest.py; one browser test
issues a key on the administrators' page on a phone."""

from __future__ import annotations

import georeport
import pytest
import requests

from meldecentral.extensions import db
from meldecentral.services.open311 import clients
from meldecentral.services.staff import users


@pytest.fixture(scope="module")
def posted(live) -> tuple[int, str]:
    with live.app.app_context():
        municipality = users.municipality_by_code("kbh")
        _, key = clients.issue_key(None, "georeport e2e", municipality_id=municipality.id)
        db.session.remove()
    res = requests.post(
        f"{live.url}/open311/v2/requests.xml",
        data={
            "api_key": key,
            "jurisdiction_id": "kbh",
            "service_code": "HAERVAERK",
            "description": "Graffiti på muren ved legepladsen.",
            "lat": "55.6960",
            "long": "12.5450",
        },
        timeout=10,
    )
    assert res.status_code == 201, res.text
    assert res.headers["Content-Type"].startswith("text/xml")
    return int(res.text.split("<service_request_id>")[1].split("<")[0]), key


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_independent_client_reads_what_was_posted(live, posted, fmt):
    report_id, _ = posted
    client = georeport.GeoReport(f"{live.url}/open311/v2", jurisdiction="kbh", output_format=fmt)
    services = client.get_service_list()
    assert "HAERVAERK" in [s["service_code"] for s in services]
    definition = client.get_service_definition("HAERVAERK")
    assert definition["service_code"] == "HAERVAERK"
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict keeps the element of each item
        attributes = attributes["attribute"]
    assert "happening_now" in [a["code"] for a in attributes]

    found = client.get_service_requests(service_code="HAERVAERK", status="open")
    if isinstance(found, dict):  # xmltodict: one <request> is a dict, not a list
        found = [found]
    assert str(report_id) in [str(r["service_request_id"]) for r in found]

    one = client.get_service_request(str(report_id))
    assert str(one["service_request_id"]) == str(report_id)
    assert one["status"] == "open" and one["service_code"] == "HAERVAERK"
    assert one["address"] == "Nørrebro"
    assert "Graffiti" not in str(one)  # the text is never public


def test_an_administrator_issues_a_key_on_a_phone(phone, live):
    from tests.e2e.conftest import shot, sign_in

    page = phone.new_page()
    sign_in(page, live, "admin")
    page.goto(live.url + "/admin/open311")
    page.fill("#name", "Nabo-kommunens system")
    page.click("main button[type=submit]")
    key = page.locator("[data-new-key] .secret")
    key.wait_for()
    assert key.inner_text().startswith(clients.KEY_PREFIX)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways on a phone"
    shot(page, "admin-open311-key")
    page.goto(live.url + "/admin/open311")  # a fresh visit: the key is not shown again
    assert page.locator("[data-new-key]").count() == 0
    assert page.locator("[data-client]", has_text="Nabo-kommunens system").count() == 1

"""A municipality's administrator manages its districts (issue 18): the list, and a GeoJSON
upload that creates or updates them by number, all or nothing."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import District
from tests.factories import signed_in
from tests.webutil import csrf

SQUARE = [[[12.50, 55.60], [12.51, 55.60], [12.51, 55.61], [12.50, 55.61], [12.50, 55.60]]]
ELSEWHERE = [[[12.52, 55.60], [12.53, 55.60], [12.53, 55.61], [12.52, 55.61], [12.52, 55.60]]]


def _upload(page, features) -> object:
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return page.post(
        "/admin/districts",
        data={
            "csrf_token": csrf(page, "/admin/districts"),
            "file": (io.BytesIO(body), "districts.geojson"),
        },
        content_type="multipart/form-data",
    )


def _feature(number, name, coordinates=SQUARE):
    return {
        "type": "Feature",
        "properties": {"number": number, "name": name},
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


def test_an_administrator_creates_and_updates_districts(app):
    page, admin = signed_in(app, "admin")
    html = page.get("/admin/districts").get_data(as_text=True)
    assert "Nørrebro" in html  # the demo's districts are listed
    res = _upload(page, [_feature(98, "Nyby"), _feature(3, "Nørrebro (ny grænse)", ELSEWHERE)])
    assert res.status_code == 302
    mine = {"municipality_id": admin.municipality_id}
    rows = db.session.execute(sa.select(District.number, District.name).filter_by(**mine)).all()
    names = dict(rows)
    assert names[98] == "Nyby" and names[3] == "Nørrebro (ny grænse)"
    # the point lookup knows the new district at once (its cache is cleared)
    assert page.get("/place?lat=55.605&lon=12.505").json["district"] == 98


def test_a_bad_feature_stores_nothing_and_says_which(app):
    page, admin = signed_in(app, "admin")
    before = db.session.scalar(sa.select(sa.func.count(District.id)))
    res = _upload(page, [_feature(97, "Godby"), _feature(96, "", SQUARE)])
    assert res.status_code == 422
    assert "feature 1" in res.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(District.id))) == before
    not_json = page.post(
        "/admin/districts",
        data={"csrf_token": csrf(page, "/admin/districts"), "file": (io.BytesIO(b"{x"), "d.json")},
        content_type="multipart/form-data",
    )
    assert not_json.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(District.id))) == before

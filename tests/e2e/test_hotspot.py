"""Issue 17 in a phone-sized Chromium: a coordinator draws a temporary hotspot on the map (Leaflet
and Geoman from node_modules, under the site's CSP), names the police member its chief, and the
hotspot page shows the report made inside it. Screenshots under test-artifacts/screenshots/
(82-85)."""

from __future__ import annotations

import json
from datetime import timedelta

import h3

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import DetectedHotspot
from meldecentral.services.actor import Actor
from meldecentral.services.hotspots import areas
from meldecentral.services.reports import submit
from tests.e2e.conftest import shot, sign_in
from tests.e2e.test_notifications import in_live


def test_a_hotspot_drawn_on_a_phone_gets_its_reports(phone, live):
    page = phone.new_page()
    sign_in(page, live, "coordinator")
    page.goto(live.url + "/staff/hotspots/new")
    page.wait_for_selector("[data-hotspot-map][data-ready=yes]")
    # Draw a square in the middle of the map with Geoman's polygon tool.
    page.click(".leaflet-pm-icon-polygon")
    box = page.locator("[data-hotspot-map]").bounding_box()
    # In the lower half: the drawing's action bar opens beside the tool, at the top.
    cx, cy = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7
    corners = [(cx - 50, cy - 50), (cx + 50, cy - 50), (cx + 50, cy + 50), (cx - 50, cy + 50)]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.click(*corners[0])  # back on the first corner: the polygon is closed
    area = json.loads(page.input_value("#area"))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 5
    page.fill("#name", "Stationen")
    today = in_live(live, areas.today)
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", today.isoformat())
    chief = live.users["POLICE"]
    page.select_option("#chief", str(chief.id))
    shot(page, "82-hotspot-drawn")
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/hotspots/*")
    hotspot_id = int(page.url.rsplit("/", 1)[1])

    # A street worker's report inside the area, routed as the worker would.
    lons = [p[0] for p in area["coordinates"][0]]
    lats = [p[1] for p in area["coordinates"][0]]
    point = {"lat": sum(lats[:4]) / 4, "lon": sum(lons[:4]) / 4}

    def file():
        author = Actor.for_user(db.session.merge(live.users["street_worker"]))
        body = {"category": "BEHOV", "text": "Bedre lys ved stien.", **point}
        submit.submit_report(author, body)

    in_live(live, file)
    live.drain()
    page.reload()
    assert "Bedre lys ved stien." in page.text_content("[data-needs]")
    assert page.get_attribute("[data-hotspot-status]", "data-hotspot-status") == "active"
    page.wait_for_selector(".leaflet-overlay-pane path")  # the area on the map
    shot(page, "83-hotspot-page")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a phone"

    # A detection, as the daily scan stores it, on the coordinator's list with its hexagons.
    def detected():
        cells = sorted(h3.grid_disk(h3.latlng_to_cell(point["lat"], point["lon"], 8), 1))
        now = clock.now()
        db.session.add(
            DetectedHotspot(
                municipality_id=live.users["coordinator"].municipality_id,
                centre_cell=cells[0],
                radius=1,
                cells=cells,
                resolution=8,
                window_start=now - timedelta(weeks=8),
                window_end=now,
                baseline_weeks=52,
                observed=31,
                expected=9.4,
                statistic=15.2,
                p_value=0.001,
                alpha=0.01,
                replicas=999,
            )
        )
        db.session.commit()

    in_live(live, detected)
    page.goto(live.url + "/staff/hotspots/detections")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "85-hotspot-detections")

    # The chief sees the hotspot and its need on their own phone.
    page.click("nav.staffnav button[type=submit]")
    page.wait_for_url("**/login")
    sign_in(page, live, "POLICE")
    page.goto(live.url + f"/staff/hotspots/{hotspot_id}")
    assert "Bedre lys ved stien." in page.text_content("[data-needs]")
    shot(page, "84-hotspot-chief")

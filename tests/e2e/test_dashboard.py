"""The coordinators' dashboard and the staff map on a small phone (360 x 740): the charts
drawn, the district map shaded, the reports clustered on the map, a marker opening its report.
The statistics page on the same phone. Screenshots under test-artifacts/screenshots/ (90-95)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Assignment, Category, District, EmergencyRedirect
from meldecentral.services.worklists import stats
from tests.e2e.conftest import capture, shot, sign_in

SMALL_PHONE = {"width": 360, "height": 740}
# Reports close together in Nørrebro (a cluster), one in Valby and one on Amager.
PLACES = [{"lat": 55.6960 + i * 0.0004, "lon": 12.5450 + i * 0.0003} for i in range(6)] + [
    {"lat": 55.6650, "lon": 12.4990},
    {"lat": 55.6440, "lon": 12.6050},
]


@pytest.fixture
def small_phone(browser, live):
    context = browser.new_context(
        viewport=SMALL_PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale="da-DK"
    )
    context.set_default_timeout(10_000)
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(live.url) else r.abort()
    )
    yield context
    context.close()


def _reports(live) -> None:
    client = live.app.test_client()
    for i, place in enumerate(PLACES):
        body = {
            "category": ("HAERVAERK", "NABO", "VOLD")[i % 3],
            "text": "Knuste ruder og råb i opgangen.",
            "confirm_not_emergency": True,
            **place,
        }
        assert client.post("/api/v1/reports", json=body).status_code == 201
    live.drain()
    with live.app.app_context():
        # every other assignment acknowledged, 1 to 4 hours after it was made
        for i, a in enumerate(db.session.scalars(sa.select(Assignment).order_by(Assignment.id))):
            if i % 2 == 0:
                a.status = "acknowledged"
                a.acknowledged_at = a.created_at + timedelta(hours=1 + i % 4)

        vold = db.session.scalar(sa.select(Category).where(Category.code == "VOLD"))
        for number in (3, 3, 5):
            district = db.session.scalar(sa.select(District).where(District.number == number))
            db.session.add(
                EmergencyRedirect(
                    municipality_id=vold.municipality_id,
                    category_id=vold.id,
                    district_id=district.id,
                    created_at=clock.now() - timedelta(hours=number),
                )
            )
        db.session.commit()
        stats.refresh_recent()
        db.session.remove()


def test_dashboard_and_staff_map_on_a_small_phone(small_phone, live):
    _reports(live)
    page = small_phone.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, live, "coordinator")

    page.goto(live.url + "/staff/dashboard")
    page.wait_for_selector("#dash-map[data-ready='1']")
    drawn = page.evaluate(
        "['chart-days', 'chart-categories', 'chart-units', 'chart-times', 'chart-redirects']"
        ".map(id => !!Chart.getChart(id))"
    )
    assert drawn == [True] * 5
    assert page.locator("#dash-map path.leaflet-interactive").count() == 10  # the districts
    assert "Sendt til 112" in page.locator("#redirects").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 361)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= 360, f"{wide}: the dashboard is {width}px wide on a 360px screen"
    shot(page, "90-dashboard-phone")
    page.locator("#units").scroll_into_view_if_needed()
    capture(page, _shots() / "91-dashboard-phone-units.png")

    # The statistics per month and week: the chart drawn, the tables within the screen.
    page.goto(live.url + "/staff/statistics?unit=week")
    assert page.evaluate("!!Chart.getChart('chart-kinds')")
    assert "Pr. uge" in page.locator("main").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the statistics page is {width}px wide on a 360px screen"
    shot(page, "94-statistics-phone")
    page.locator("#districts").scroll_into_view_if_needed()
    # A long district name wraps in the sticky column: its first figure is in view, inside the
    # table's sideways-scrolling box.
    figure = page.locator("#districts tbody tr:nth-child(4) td.num").first.bounding_box()
    box = page.locator("#districts .scroll").bounding_box()
    assert figure["x"] + figure["width"] <= box["x"] + box["width"], "names only in view"
    capture(page, _shots() / "95-statistics-phone-districts.png")

    page.goto(live.url + "/staff/map")
    page.wait_for_selector("#staff-map[data-count]")
    assert int(page.get_attribute("#staff-map", "data-count")) >= len(PLACES)
    clusters = page.locator(".marker-cluster")
    assert clusters.count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the map page is {width}px wide on a 360px screen"
    shot(page, "92-staff-map-phone")
    # a cluster opens into markers; a marker's popup links to its report
    clusters.first.click()
    _settled(page)
    marker = page.locator("path.leaflet-interactive").first
    marker.wait_for()
    marker.click(force=True)
    link = page.locator(".leaflet-popup-content a")
    link.wait_for()
    _settled(page)
    shot(page, "93-staff-map-phone-popup")
    link.click()
    page.wait_for_url("**/staff/reports/*")
    assert not [p for p in problems if "Content Security Policy" in p], problems


SETTLED = """() => !document.querySelector(
    '.leaflet-cluster-anim, .leaflet-zoom-anim, .leaflet-pan-anim'
  ) && [...document.querySelectorAll('.leaflet-popup')].every(
    p => getComputedStyle(p).opacity === '1')"""


def _settled(page, timeout: float = 10.0) -> None:
    """Wait until the map's zoom, pan and cluster animations and a popup's fade are over
    (polled from here: the CSP refuses wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(SETTLED):
        assert time.monotonic() < deadline, "the map kept moving"
        time.sleep(0.05)


def _shots():
    from tests.e2e.conftest import SHOTS

    return SHOTS

"""Facts about your area on a phone, without signing in: "use my position" finds the district
in the browser (the position is not sent), the table shows "under 5", the map is a choropleth
of the districts and the chart is drawn. Screenshot: test-artifacts/screenshots/70-facts-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import public_figures as pf
from meldecentral.extensions import db
from meldecentral.models import Category, District, Municipality, Report
from meldecentral.services.facts import publish
from meldecentral.services.worklists import stats
from tests.e2e.conftest import shot, until
from tests.e2e.test_notifications import in_live

PREFIX = "E2EF-"


def _publish_some_reports() -> int:
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code="kbh"))
    districts = {d.number: d for d in db.session.scalars(sa.select(District))}
    norrebro = districts[3]
    cats = {c.code: c for c in db.session.scalars(sa.select(Category))}
    cur, prev = (
        publish.periods(stats.local_day(clock.now()))[p] for p in (pf.CURRENT, pf.PREVIOUS)
    )
    # Violence in every district, so that the city's sums do not give small ones away; drugs
    # in two districts; a little theft in Nørrebro, which stays hidden (with the drugs there).
    plan = [(n, "VOLD", cur[20 + n], 5 + n) for n in districts]
    plan += [(n, "VOLD", prev[10 + n], 6) for n in districts]
    plan += [(3, "NARKO", cur[30], 6), (4, "NARKO", cur[31], 7), (3, "TYVERI", cur[32], 2)]
    rows = []
    for number, code, week, n in plan:
        moment = datetime.combine(week + timedelta(days=1), time(10), UTC)
        rows += [
            {
                "municipality_id": municipality.id,
                "reference": f"{PREFIX}{len(rows) + i:05d}",
                "kind": cats[code].kind,
                "category_id": cats[code].id,
                "text": "Testmelding",
                "district_id": districts[number].id,
                "urgency": "normal",
                "status": "resolved",
                "source": "staff",
                "created_at": moment,
                "updated_at": moment,
            }
            for i in range(n)
        ]
    db.session.execute(sa.insert(Report), rows)
    db.session.commit()
    stats.rebuild(municipality.id, years=3)
    publish.publish(municipality)
    return norrebro.id


def _remove_them() -> None:
    db.session.execute(sa.delete(Report).where(Report.reference.like(f"{PREFIX}%")))
    db.session.commit()


def test_facts_about_my_area_on_a_phone(phone, live):
    norrebro = in_live(live, _publish_some_reports)
    errors: list[str] = []
    try:
        page = phone.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url))
        page.goto(live.url + "/facts")
        assert "Fakta om dit område" in page.text_content("h1")
        page.click("#use-position")
        page.wait_for_url(f"**/facts/{norrebro}")
        assert "Nørrebro" in page.text_content("h1")
        table = page.text_content("table.figures")
        assert "under 5" in table  # theft (2), and drugs (6) which would give it away
        assert page.text_content("table.figures tbody tr:first-child td") == "8"
        # The map: a polygon per district; the chart: drawn by Chart.js.
        until(page, "document.querySelectorAll('path.leaflet-interactive').length >= 10")
        until(page, "!!(window.Chart && Chart.getChart('facts-chart'))")
        assert page.is_visible("text=Tryghedsindeks")
        shot(page, "70-facts-norrebro")
        # The position never left the browser: no request carries it.
        assert not [u for u in sent if "55.69" in u or "12.54" in u]
        # Map tiles are blocked in the test browser (no internet); anything else is a fault,
        # a refused inline script or style (CSP) included.
        assert not [e for e in errors if "Failed to load resource" not in e], errors
    finally:
        in_live(live, _remove_them)

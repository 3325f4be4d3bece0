"""Public facts and open data (services/facts): the weekly counts kept by the recounts, the
published figures going through the one disclosure rule into the API, the pages and the files
alike, the cache headers, and the data behind the index (survey import, residents)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import public_figures as pf
from meldecentral.domain.disclosure import THRESHOLD, suppressed
from meldecentral.extensions import db
from meldecentral.models import Category, District, Municipality, ReportWeeklyCount
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.facts import population, publish, survey
from meldecentral.services.worklists import stats
from tests.factories import insert_reports


def _world():
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code="kbh"))
    districts = {d.number: d for d in db.session.scalars(sa.select(District))}
    categories = {c.code: c for c in db.session.scalars(sa.select(Category))}
    return municipality, districts, categories


def _insert(municipality, district, category, week, n, kind=None, status="resolved"):
    """n reports created on the Wednesday of ``week`` (a Monday), set-wise."""
    moment = datetime.combine(week + timedelta(days=2), time(11), UTC)
    insert_reports(municipality.id, moment, district, category, n, kind, status)


@pytest.fixture
def published(app):
    """Reports over both periods, counted and published: (municipality, districts, truth)."""
    municipality, districts, cats = _world()
    spans = publish.periods(stats.local_day(clock.now()))
    cur, prev = spans[pf.CURRENT], spans[pf.PREVIOUS]
    norrebro, vesterbro = districts[3], districts[4]
    _insert(municipality, norrebro, cats["VOLD"], cur[10], 12)
    _insert(municipality, norrebro, cats["VOLD"], cur[11], 3)
    _insert(municipality, norrebro, cats["NARKO"], cur[11], 6)
    _insert(municipality, norrebro, cats["TYVERI"], cur[12], 2)  # OTHER: small
    _insert(municipality, norrebro, cats["NABO"], cur[12], 1, kind="need")  # a new kind
    _insert(municipality, norrebro, cats["VOLD"], prev[20], 9)
    _insert(municipality, vesterbro, cats["HAERVAERK"], cur[30], 7)
    _insert(municipality, vesterbro, cats["VOLD"], cur[30], 6)
    _insert(municipality, vesterbro, cats["VOLD"], prev[3], 8)
    _insert(municipality, None, cats["VOLD"], cur[5], 2)  # no district: not public
    _insert(municipality, norrebro, cats["VOLD"], cur[5], 5, status="rejected")  # not counted
    stats.rebuild(municipality.id, years=3)
    publish.publish(municipality)
    return municipality, districts, spans


def _truth(municipality, spans):
    """The figures as they must be published, computed here from the weekly counts."""
    rows = db.session.execute(
        sa.text(
            "SELECT w.district_id, g.code, w.week, SUM(w.count) FROM report_weekly_count w "
            "JOIN category c ON c.id = w.category_id JOIN category_group g ON g.id = c.group_id "
            "WHERE w.district_id <> 0 GROUP BY w.district_id, g.code, w.week"
        )
    ).all()
    cells = {
        (d, g, w if not isinstance(w, str) else datetime.fromisoformat(w).date()): int(n)
        for d, g, w, n in rows
    }
    districts = db.session.scalars(sa.select(District.id).order_by(District.number)).all()
    groups = [
        r
        for r in db.session.scalars(
            sa.text("SELECT code FROM category_group ORDER BY position, code")
        )
    ]
    values, lines = pf.figures(cells, districts, groups, spans)
    return values, suppressed(values, lines)


def test_weekly_counts_keep_every_kind_and_leave_out_rejected(published):
    municipality, districts, spans = published
    kinds = dict(
        db.session.execute(
            sa.select(ReportWeeklyCount.kind, sa.func.sum(ReportWeeklyCount.count))
            .where(ReportWeeklyCount.district_id == districts[3].id)
            .group_by(ReportWeeklyCount.kind)
        ).all()
    )
    assert kinds == {"crime": 12 + 3 + 6 + 2 + 9, "need": 1}


def _published_figures(client, spans) -> dict:
    """Every number the API and the open-data files publish, by its figure's key."""
    doc = client.get("/api/v1/public/facts").json
    out = {}
    for period in spans:
        out[pf.city_key(period)] = doc["city"]["total"][period]
        for g, counts in doc["city"]["groups"].items():
            out[pf.group_key(g, period)] = counts[period]
        for d in doc["districts"]:
            out[pf.district_key(d["id"], period)] = d["total"][period]
            for g, counts in d["groups"].items():
                out[pf.district_group_key(d["id"], g, period)] = counts[period]
    for row in client.get("/open-data/weekly-counts.json").json["rows"]:
        week = datetime.fromisoformat(row["week_start"]).date()
        out[pf.week_key(row["district_id"], row["group"], week)] = row["count"]
    text = client.get("/open-data/weekly-counts.csv").get_data(as_text=True)
    for row in csv.DictReader(io.StringIO(text)):
        week = datetime.fromisoformat(row["week_start"]).date()
        key = pf.week_key(int(row["district_id"]), row["group"], week)
        assert (None if row["count"] == "under 5" else int(row["count"])) == out[key]
    return out


def test_every_output_publishes_exactly_what_the_rule_allows(published, client):
    municipality, districts, spans = published
    values, hidden = _truth(municipality, spans)
    shown = _published_figures(client, spans)
    assert set(shown) == set(values)  # every figure, each once
    for key, number in shown.items():
        assert number == (None if key in hidden else values[key]), key
        assert number is None or number >= THRESHOLD
    # What the data makes of it: Nørrebro's violence (15 this period) is shown, its "other"
    # (3) is not, nor the drugs (6) that would give it away from the district's total; nor
    # Vesterbro's violence (6), which would give away the zeros of the other districts from
    # the city's violence.
    norrebro = districts[3].id
    assert shown[pf.district_group_key(norrebro, "VIOLENCE", pf.CURRENT)] == 15
    assert shown[pf.district_group_key(norrebro, "OTHER", pf.CURRENT)] is None
    assert shown[pf.district_group_key(norrebro, "DRUGS", pf.CURRENT)] is None
    assert shown[pf.district_key(norrebro, pf.CURRENT)] == 15 + 6 + 2 + 1
    assert shown[pf.district_group_key(districts[4].id, "VIOLENCE", pf.CURRENT)] is None


def test_pages_show_under_5_and_the_index_with_its_parts(published, client):
    municipality, districts, spans = published
    page = client.get(f"/facts/{districts[3].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nørrebro" in html and "under 5" in html
    for text in ("Tryghedsindeks", "Meldinger", "Udvikling", "Undersøgelse"):
        assert text in html, text
    assert client.get("/facts").status_code == 200
    assert client.get(f"/facts?district={districts[3].id}").status_code == 302
    assert client.get("/facts/999").status_code == 404
    index = client.get("/open-data/").get_data(as_text=True)
    assert "CC BY 4.0" in index and "weekly-counts.csv" in index and "district_number" in index


def test_public_json_is_cached_by_etag(published, client):
    municipality, districts, spans = published
    first = client.get("/api/v1/public/facts")
    assert first.status_code == 200 and first.headers["ETag"]
    assert (
        "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    )
    again = client.get("/api/v1/public/facts", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    one = client.get(f"/api/v1/public/facts/{districts[3].id}")
    assert one.status_code == 200 and one.json["district"]["number"] == 3
    assert client.get("/api/v1/public/facts/999").status_code == 404
    # A run that changes nothing keeps the ETag; one that changes a figure gives a new one.
    assert publish.publish(municipality) == first.headers["ETag"].strip('"')
    population.set_population(municipality.id, districts[3].id, 2026, 81_000, None)
    assert publish.publish(municipality) != first.headers["ETag"].strip('"')


def test_before_the_first_publication(app, client):
    assert client.get("/api/v1/public/facts").status_code == 404
    assert client.get("/open-data/weekly-counts.csv").status_code == 404
    page = client.get("/facts")
    assert page.status_code == 200
    assert "Tallene er ikke offentliggjort endnu." in page.get_data(as_text=True)


def test_survey_import_and_its_errors(app):
    municipality, districts, _ = _world()
    done = survey.import_csv(
        municipality.id,
        "district;year;safe_neighbourhood;safe_evening\n"
        "3;2026;81,5;66\n"
        "Vesterbro-Kongens Enghave;2026;85;70\n",
    )
    assert done.rows == 2 and done.years == [2026]
    rows = {(s.district_id, s.year): s for s in survey.latest(municipality.id)}
    assert rows[(districts[3].id, 2026)].safe_neighbourhood == 81.5
    assert rows[(districts[4].id, 2026)].illustrative is False
    with pytest.raises(ValidationFailed) as bad:
        survey.import_csv(
            municipality.id, "district,year,safe_neighbourhood,safe_evening\n42,2026,120,x\n"
        )
    assert bad.value.fields == {
        "line 2: district": "unknown district",
        "line 2: safe_neighbourhood": "a percentage from 0 to 100",
        "line 2: safe_evening": "a percentage from 0 to 100",
    }
    with pytest.raises(ValidationFailed) as missing:
        survey.import_csv(municipality.id, "district,year\n3,2026\n")
    assert "safe_neighbourhood" in missing.value.fields["file"]


def test_cli_imports_a_survey_file(app, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        "district,year,safe_neighbourhood,safe_evening\n1,2027,90,80\n", encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(args=["stats", "import-survey", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 rows imported" in result.output
    path.write_text(
        "district,year,safe_neighbourhood,safe_evening\n1,20x7,90,80\n", encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(args=["stats", "import-survey", str(path)])
    assert result.exit_code != 0 and "line 2: year" in result.output


def test_admin_puts_a_category_in_another_group(app):
    from meldecentral.models import CategoryGroup
    from tests.factories import signed_in
    from tests.webutil import csrf

    admin, _ = signed_in(app, "admin")
    category = db.session.scalar(sa.select(Category).filter_by(code="NABO"))
    youth = db.session.scalar(sa.select(CategoryGroup).filter_by(code="YOUTH"))
    page = f"/admin/categories/{category.id}"
    shown = admin.get(page).get_data(as_text=True)
    assert f'<option selected value="{category.group_id}">' in shown
    form = {
        "label_da": "Nabokonflikt",
        "label_en": "Neighbour conflict",
        "kind": "concern",
        "default_urgency": "low",
        "active": "y",
    }
    res = admin.post(page, data={**form, "group": "999", "csrf_token": csrf(admin, page)})
    assert res.status_code == 422 and "gruppen findes ikke" in res.get_data(as_text=True)
    res = admin.post(page, data={**form, "group": str(youth.id), "csrf_token": csrf(admin, page)})
    assert res.status_code == 302
    db.session.refresh(category)
    assert category.group_id == youth.id

"""Full-text search over reports (services/worklists/search.py): Danish stems, the text, the
place and the notes, every word, within what the reader may see and the list's other filters,
ranked, with an escaped snippet; gone with the report when retention deletes it."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import stemming
from meldecentral.extensions import db
from meldecentral.models import AccessLog, Report
from meldecentral.services.reports import retention
from tests.conftest import auth
from tests.factories import drain, move, route, signed_in, submit_report

TRIAGE, LIST = "/api/v1/triage", "/api/v1/reports"


def ids(res) -> list[int]:
    assert res.status_code == 200, res.json
    return [item["id"] for item in res.json["items"]]


def find(client, token, q, url=LIST, **params) -> list[int]:
    return ids(client.get(url, query_string={"q": q, **params}, headers=auth(token)))


@pytest.fixture
def coord(make_user):
    return make_user("coordinator")[1]


def test_danish_stems_match_inflected_words(client, coord):
    knife = submit_report(client, text="En mand viste en kniv ved skolen.")
    other = submit_report(client, text="Larm fra en fest hele natten.")
    assert find(client, coord, "knive") == [knife]
    assert find(client, coord, "knivene", TRIAGE) == [knife]
    assert find(client, coord, "festerne") == [other]
    # A compound is a word of its own for the Danish stemmer (as for PostgreSQL's).
    assert stemming.query_stems("knivstikkeri") == ["knivstikkeri"]
    assert find(client, coord, "knivstikkeri") == []


def test_a_note_and_the_place_find_the_report(client, coord):
    noted = submit_report(client, text="Uro i gården.")
    placed = submit_report(client, text="Uro i gården.", address_text="Blågårds Plads 4")
    res = client.post(
        f"/api/v1/reports/{noted}/notes",
        json={"body": "Beboerne nævner en rød knallert.", "visibility": "internal"},
        headers=auth(coord),
    )
    assert res.status_code == 201
    assert find(client, coord, "knallerten") == [noted]
    assert find(client, coord, "blågårds plads", TRIAGE) == [placed]
    snippet = client.get(LIST, query_string={"q": "knallert"}, headers=auth(coord)).json
    assert snippet["items"][0]["snippet"] == "Beboerne nævner en rød <mark>knallert</mark>."


def test_every_word_must_match(client, coord):
    both = submit_report(client, text="Graffiti på muren og knuste ruder.")
    submit_report(client, text="Graffiti på cykelskuret.")
    assert find(client, coord, "graffiti ruder") == [both]
    assert len(find(client, coord, "graffiti")) == 2
    assert find(client, coord, "graffiti cykler ruder") == []


def test_a_unit_never_finds_what_it_may_not_see(client, coord, make_user):
    _, ssp = make_user("unit_member", "SSP")
    _, police = make_user("unit_member", "POLICE")
    secret = submit_report(client, text="Salg af hash bag tankstationen.")
    route(client, coord, secret, ["SSP"])
    noted = submit_report(client, text="Unge samles om aftenen.")
    route(client, coord, noted, ["SSP"])
    note = {"body": "Der sælges hash fra en bil.", "visibility": "internal"}
    res = client.post(f"/api/v1/reports/{noted}/notes", json=note, headers=auth(coord))
    assert res.json["shared_with"] == "own_unit"
    # Kept to the coordinators (the sharing rules' default): SSP does not find it by that note.
    assert find(client, ssp, "hash") == [secret]
    assert find(client, coord, "hash") == [secret, noted]
    shared = {**note, "body": "Der sælges også hash fra en knallert.", "shared_with": "all_units"}
    client.post(f"/api/v1/reports/{noted}/notes", json=shared, headers=auth(coord))
    assert find(client, ssp, "hash") == [secret, noted]  # a note's match after the text's
    assert find(client, police, "hash") == []
    assert find(client, police, "tankstationen") == []
    assert client.get(TRIAGE, query_string={"q": "hash"}, headers=auth(ssp)).status_code == 403


def test_search_keeps_the_other_filters(client, coord):
    here = submit_report(client, text="Indbrud i kælderrum.")  # Nørrebro, district 3
    there = submit_report(client, text="Indbrud i kælderrum.", lat=None, lon=None, district=5)
    assert set(find(client, coord, "indbrud")) == {here, there}
    assert find(client, coord, "indbrud", district=5) == [there]
    assert find(client, coord, "indbrud", TRIAGE, district=3) == [here]
    assert find(client, coord, "indbrud", category="HAD") == []


def test_best_match_first_then_newest(client, coord):
    once = submit_report(client, text="Røg fra en container ved hallen.")
    twice = submit_report(client, text="Røg og mere røg: containeren røg brænder.")
    newer = submit_report(client, text="Røg fra en container ved hallen.")
    in_note = submit_report(client, text="Uro ved hallen.")
    client.post(
        f"/api/v1/reports/{in_note}/notes",
        json={"body": "Der var røg.", "visibility": "internal"},
        headers=auth(coord),
    )
    for url in (LIST, TRIAGE):
        got = find(client, coord, "røg", url)
        assert got[0] == twice
        assert got[1:3] == [newer, once]  # equal ranks: newest first
        assert got[3] == in_note  # a match in a note after those in the text


def test_the_snippet_is_escaped_and_marks_the_words(client, coord):
    rid = submit_report(client, text='<script>alert("x")</script> Stenkast mod <b>bussen</b>.')
    for url in (LIST, TRIAGE):
        res = client.get(url, query_string={"q": "busserne stenkast"}, headers=auth(coord))
        (item,) = res.json["items"]
        assert item["id"] == rid
        assert item["snippet"] == (
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Stenkast</mark> mod "
            "&lt;b&gt;<mark>bussen</mark>&lt;/b&gt;."
        )
    # without q, no snippet; with it, every extract shown is in the access log
    assert "snippet" not in client.get(LIST, headers=auth(coord)).json["items"][0]
    logged = db.session.scalars(
        sa.select(AccessLog.channel).where(AccessLog.report_id == rid, AccessLog.action == "search")
    ).all()
    assert logged == ["api", "api"]


@pytest.mark.parametrize(
    "q, reason",
    [
        ("x" * 201, "between 1 and 200"),
        ("", "between 1 and 200"),
        ("og i at", "give at least one word"),
        ("kniv\x00", "cannot be stored"),
        ("?! -- *", "give at least one word"),
    ],
)
@pytest.mark.parametrize("url", [LIST, TRIAGE])
def test_bad_queries_are_refused_naming_q(client, coord, q, reason, url):
    res = client.get(url + "?q=" + quote(q), headers=auth(coord))
    assert res.status_code == 422, res.json
    fields = res.json["error"]["fields"]
    assert list(fields) == ["q"] and reason in str(fields["q"]), res.json


def test_a_deleted_report_is_not_found(client, coord, make_user):
    _, police = make_user("unit_member", "POLICE")
    rid = submit_report(client, text="Brand i en skraldespand i gården.")
    aid = route(client, coord, rid, ["POLICE"], reason=None)["POLICE"]
    client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "Naboen så en knallert.", "visibility": "internal"},
        headers=auth(coord),
    )
    for status, outcome in (("acknowledged", None), ("closed", "Slukket.")):
        assert move(client, police, aid, status, outcome).status_code == 200
    drain()
    assert find(client, coord, "skraldespanden") == [rid]
    closed = db.session.get(Report, rid).closed_at
    with clock.at(closed + timedelta(days=5 * 365 + 1)):
        assert retention.apply_retention().deleted == [rid]
    assert find(client, coord, "skraldespanden") == find(client, coord, "knallert") == []
    # Nothing of the text is left in the index either.
    if db.engine.dialect.name == "sqlite":
        for table in ("report_fts", "note_fts"):
            left = db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            assert left == 0, table
    else:
        left = db.session.scalar(sa.text("SELECT count(*) FROM report WHERE search IS NOT NULL"))
        assert left == 0


def test_the_queue_page_searches_within_its_filters(app, client, coord):
    page, _ = signed_in(app, "coordinator")
    here = submit_report(client, text="<b>Stenkast</b> mod bussen ved Nørrebrogade.")
    submit_report(client, text="Stenkast mod bussen.", lat=None, lon=None, district=5)
    res = page.get("/staff/queue?q=stenkast+busser&district=3")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert html.count('class="card report-card') == 1
    reference = db.session.get(Report, here).reference
    assert f'data-reference="{reference}"' in html
    assert "&lt;b&gt;<mark>Stenkast</mark>&lt;/b&gt; mod <mark>bussen</mark>" in html
    assert 'value="stenkast busser"' in html  # the box keeps the words, the filter its choice
    assert '<option selected value="3">' in html
    refused = page.get("/staff/queue?q=og+i").get_data(as_text=True)
    assert "Give at least one word to search for." in refused or "Angiv mindst" in refused


def test_the_inbox_page_searches_the_units_own_reports(app, client, coord):
    page, _ = signed_in(app, "unit_member", "SSP")
    ours = submit_report(client, text="Unge kaster sten efter <i>bussen</i>.")
    route(client, coord, ours, ["SSP"])
    theirs = submit_report(client, text="Unge kaster sten efter bussen.")
    route(client, coord, theirs, ["BBU"])
    html = page.get("/staff/inbox?q=bussen+sten").get_data(as_text=True)
    assert html.count('class="card report-card') == 1
    assert f'data-reference="{db.session.get(Report, ours).reference}"' in html
    assert "<mark>sten</mark> efter &lt;i&gt;<mark>bussen</mark>&lt;/i&gt;." in html
    assert 'value="bussen sten"' in html
    assert page.get("/staff/inbox?q=fodbold").get_data(as_text=True).count("report-card") == 0

"""Exports of a filtered report list (CSV, XLSX): the API's report list and the staff pages'
triage queue and inbox. Which rows and columns each role gets, the filters, spreadsheet
formulas made harmless, one access-log entry per export, the cap. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import flask_babel
import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import AccessLog, Category, District
from meldecentral.services.worklists import sheets
from tests.conftest import NORREBRO, auth
from tests.factories import move, route, signed_in, submit_report
from tests.webutil import text_of

CONTACT = {"name": "Hemmelig Person", "email": "hemmelig@example.org", "phone": "+4512345678"}
TEXT = "Overfald ved stationen i går, tekst der aldrig må eksporteres."


def rows_of(res) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a CSV export; asserts the BOM."""
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    data = res.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return table[0], table[1:]


def export(client, token, query="", fmt="csv"):
    return client.get(f"/api/v1/reports/export.{fmt}{query}", headers=auth(token))


def exports_logged() -> list[AccessLog]:
    return list(
        db.session.scalars(
            sa.select(AccessLog).where(AccessLog.action == "export").order_by(AccessLog.id)
        )
    )


@pytest.fixture
def world(client, make_user):
    """A street worker's two reports (one routed to the police), a resident's with contact
    details (routed to SSP), and another resident's left unrouted."""
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", unit="POLICE")
    _, ssp = make_user("unit_member", unit="SSP")
    _, worker = make_user("street_worker")
    mine_routed = submit_report(client, worker, category="HAERVAERK", text=TEXT)
    mine_open = submit_report(client, worker, category="NABO", text=TEXT, **NORREBRO)
    resident = submit_report(client, text=TEXT, contact=CONTACT)
    unrouted = submit_report(client, category="UTRYG", lat=None, lon=None, district=4)
    police_ids = route(client, coord, mine_routed, ["POLICE"])
    route(client, coord, resident, ["SSP", "POLICE"])
    move(client, police, police_ids["POLICE"], "acknowledged")
    reference = {
        rid: db.session.scalar(sa.text("select reference from report where id = :i"), {"i": rid})
        for rid in (mine_routed, mine_open, resident, unrouted)
    }
    return {
        "tokens": {"coordinator": coord, "police": police, "ssp": ssp, "worker": worker},
        "ids": {
            "mine_routed": mine_routed,
            "mine_open": mine_open,
            "resident": resident,
            "unrouted": unrouted,
        },
        "reference": reference,
    }


def refs(world, *names) -> set[str]:
    return {world["reference"][world["ids"][n]] for n in names}


def test_each_role_gets_its_rows_and_columns_and_never_the_content(client, world):
    t = world["tokens"]
    header_of, rows_by = {}, {}
    for who in ("coordinator", "police", "ssp", "worker"):
        res = export(client, t[who], "?lang=en")
        body = res.get_data(as_text=True)
        for secret in (TEXT, CONTACT["name"], CONTACT["email"], CONTACT["phone"]):
            assert secret not in body, (who, secret)
        header_of[who], rows_by[who] = rows_of(res)
        assert res.headers["X-Export-Rows"] == str(len(rows_by[who]))
    got = {who: {row[0] for row in rows} for who, rows in rows_by.items()}
    assert got["coordinator"] == refs(world, "mine_routed", "mine_open", "resident", "unrouted")
    assert got["police"] == refs(world, "mine_routed", "resident")
    assert got["ssp"] == refs(world, "resident")
    assert got["worker"] == refs(world, "mine_routed", "mine_open")

    common = [
        "Reference",
        "Received",
        "Category code",
        "Category",
        "District number",
        "District",
        "Urgency",
        "Status",
        "Units",
        "Minor involved",
        "On a housing estate",
        "Last changed",
    ]
    assert header_of["worker"] == common
    assert header_of["coordinator"] == common + ["Kind", "Source", "Next deadline"]
    assert header_of["police"] == common + ["Our unit's status", "Acknowledge by"]

    police = {row[0]: dict(zip(header_of["police"], row, strict=True)) for row in rows_by["police"]}
    mine = police[world["reference"][world["ids"]["mine_routed"]]]
    assert mine["Our unit's status"] == "acknowledged" and mine["Units"] == "POLICE"
    theirs = police[world["reference"][world["ids"]["resident"]]]
    assert theirs["Our unit's status"] == "routed"
    assert sorted(theirs["Units"].split()) == ["POLICE", "SSP"]
    assert datetime.fromisoformat(theirs["Acknowledge by"]).utcoffset() is not None
    coord = {
        r[0]: dict(zip(header_of["coordinator"], r, strict=True)) for r in rows_by["coordinator"]
    }
    unrouted = coord[world["reference"][world["ids"]["unrouted"]]]
    assert unrouted["Units"] == "" and unrouted["District number"] == "4"
    assert unrouted["Category code"] == "UTRYG" and unrouted["Next deadline"] == ""
    # ISO 8601 in Copenhagen's time (+01:00 in winter, +02:00 in summer)
    received = datetime.fromisoformat(unrouted["Received"])
    assert received.utcoffset().total_seconds() in (3600, 7200)


def test_administrators_export_nothing(client, make_user):
    _, admin = make_user("admin")
    assert export(client, admin).status_code == 403
    assert export(client, None).status_code == 401
    assert exports_logged() == []


def test_the_lists_filters_apply(client, world):
    coord = world["tokens"]["coordinator"]
    for query in (
        "?district=4",
        "?category=HAERVAERK",
        "?status=routed&status=received",
        "?unit=SSP",
        "?urgency=high",
        "?created_from=2000-01-01T00:00:00Z&created_to=2000-01-02T00:00:00Z",
    ):
        listed = client.get(f"/api/v1/reports{query}&per_page=200", headers=auth(coord))
        _, rows = rows_of(export(client, coord, query))
        assert [r[0] for r in rows] == [i["reference"] for i in listed.json["items"]], query
    _, rows = rows_of(export(client, coord, "?unit=SSP"))
    assert {r[0] for r in rows} == refs(world, "resident")
    bad = export(client, coord, "?district=abc")
    assert bad.status_code == 422 and "district" in bad.json["error"]["fields"]


def test_formulas_are_neutralised(client, world):
    coord = world["tokens"]["coordinator"]
    db.session.execute(
        sa.update(Category).where(Category.code == "UTRYG").values(label_en="=HYPERLINK(1)")
    )
    db.session.execute(sa.update(District).where(District.number == 4).values(name="@SUM(A1)"))
    db.session.commit()
    header, rows = rows_of(export(client, coord, "?district=4&lang=en"))
    (row,) = rows
    assert row[header.index("Category")] == "'=HYPERLINK(1)"
    assert row[header.index("District")] == "'@SUM(A1)"
    for dangerous in ("=1+2", "+1", "-1+2", "@x", "\tx", "\rx"):
        assert sheets.csv_cell(dangerous) == "'" + dangerous
    assert sheets.csv_cell("x=1") == "x=1" and sheets.csv_cell(4) == "4"


def test_one_access_log_entry_per_export_with_its_filter_and_count(app, client, world):
    coord = world["tokens"]["coordinator"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog))
    _, rows = rows_of(export(client, coord, "?status=routed&urgency=high"))
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog))
    assert after == before + 1
    (entry,) = exports_logged()
    assert entry.report_id is None and entry.channel == "api" and entry.role == "coordinator"
    assert entry.row_count == len(rows) >= 1
    assert entry.filters == {
        "list": "reports",
        "format": "csv",
        "status": ["routed"],
        "urgency": "high",
        "limit": app.config["EXPORT_MAX_ROWS"],
    }
    # The administrators' access-log page says what it was, in Danish and in English.
    admin_client, _admin = signed_in(app, "admin")
    page = text_of(admin_client.get("/admin/access-log"))
    n = len(rows)
    assert "Eksporteret: Meldingsliste" in page
    assert (f"{n} række" if n == 1 else f"{n} rækker") in page
    assert "status=routed" in page and "urgency=high" in page
    admin_client.get("/lang/en")
    flask_babel.refresh()  # the test shares one app context; a real request would not
    page = text_of(admin_client.get("/admin/access-log"))
    assert "Exported: Report list" in page and (f"{n} row" if n == 1 else f"{n} rows") in page


def test_the_cap_is_said_in_the_file_and_the_headers(app, client, world):
    coord = world["tokens"]["coordinator"]
    app.config["EXPORT_MAX_ROWS"] = 3
    try:
        res = export(client, coord, "?lang=en")
        header, rows = rows_of(res)
        assert res.headers["X-Export-Capped"] == "true" and res.headers["X-Export-Rows"] == "3"
        assert len(rows) == 4 and rows[-1][0].startswith("Only the first 3 rows")
        assert exports_logged()[-1].row_count == 3
        res = export(client, coord, "?limit=2")  # a limit under the cap
        _, rows = rows_of(res)
        assert len(rows) == 3 and res.headers["X-Export-Limit"] == "2"
        res = export(client, coord, "?limit=100&district=4")  # never past the cap; not capped
        _, rows = rows_of(res)
        assert len(rows) == 1 and res.headers["X-Export-Capped"] == "false"
        assert res.headers["X-Export-Limit"] == "3"
    finally:
        app.config["EXPORT_MAX_ROWS"] = 50_000


def test_a_download_in_the_users_language_never_cached(client, world):
    coord = world["tokens"]["coordinator"]
    res = export(client, coord)  # the site's language: Danish
    assert res.is_streamed  # written as it is read, never one body in memory
    assert res.headers["Cache-Control"] == "no-store"
    assert res.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="meldecentral-reports-\d{4}-\d\d-\d\d\.csv"',
        res.headers["Content-Disposition"],
    )
    header, rows = rows_of(res)
    first = res.get_data().decode("utf-8-sig").split("\r\n", 1)[0]
    assert first.count(";") == len(header) - 1  # Danish Excel's separator
    assert header[:2] == ["Reference", "Modtaget"] and "Enheder" in header
    assert {r[header.index("Mindreårig involveret")] for r in rows} <= {"Ja", "Nej"}
    english = export(client, coord, "?lang=en")
    assert english.get_data().decode("utf-8-sig").split("\r\n", 1)[0].count(",") >= 10


def test_xlsx_is_a_workbook_of_the_same_rows(client, world):
    coord = world["tokens"]["coordinator"]
    res = export(client, coord, "?lang=en", fmt="xlsx")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    assert res.mimetype.endswith("spreadsheetml.sheet")
    book = zipfile.ZipFile(io.BytesIO(res.get_data()))
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= set(
        book.namelist()
    )
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = sheet + (
        book.read("xl/sharedStrings.xml").decode()
        if "xl/sharedStrings.xml" in book.namelist()
        else ""
    )
    for reference in world["reference"].values():
        assert reference in strings
    assert "<f>" not in sheet  # no formulas at all
    assert len(re.findall(r"<row ", sheet)) == 1 + 4
    assert exports_logged()[-1].filters["format"] == "xlsx"


def test_the_queue_page_exports_what_its_filters_show(app, world):
    page_client, _ = signed_in(app, "coordinator")
    html = text_of(page_client.get("/staff/queue?district=4"))
    assert "/staff/queue/export.csv?district=4" in html
    assert "/staff/queue/export.xlsx?district=4" in html
    res = page_client.get("/staff/queue/export.csv?district=4")
    assert res.headers["Cache-Control"] == "no-store"
    _, rows = rows_of(res)
    assert {r[0] for r in rows} == refs(world, "unrouted")
    _, rows = rows_of(page_client.get("/staff/queue/export.csv?unrouted=y"))
    assert {r[0] for r in rows} == refs(world, "unrouted", "mine_open")
    entry = exports_logged()[-1]
    assert entry.channel == "web" and entry.filters["list"] == "queue"
    assert entry.filters["unrouted"] is True and entry.row_count == 2


def test_the_inbox_exports_the_units_own_assignments(app, world):
    page_client, _ = signed_in(app, "unit_member", "SSP")
    assert "/staff/inbox/export.csv" in text_of(page_client.get("/staff/inbox"))
    header, rows = rows_of(page_client.get("/staff/inbox/export.csv"))
    assert [r[0] for r in rows] == list(refs(world, "resident"))
    assert "Vores enheds status" in header and "Kilde" not in header
    street, _ = signed_in(app, "street_worker")
    assert street.get("/staff/inbox/export.csv").status_code == 403
    assert street.get("/staff/queue/export.xlsx").status_code == 403

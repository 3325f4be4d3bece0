"""Error pages are the site's own, in the visitor's language (issue 16, item 13): an unknown
address was a bare English page, and an unexpected error plain text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from tests.webutil import text_of


def test_an_unknown_address_gets_the_sites_page_in_danish(client):
    res = client.get("/no-such-page")
    page = text_of(res)
    assert res.status_code == 404 and '<html lang="da"' in page
    assert "Der er intet her" in page and "Not Found" not in page


def test_and_in_english_for_a_visitor_who_chose_english(client):
    client.get("/lang/en")
    page = text_of(client.get("/no-such-page"))
    assert '<html lang="en"' in page and "There is nothing here" in page


def test_a_method_not_allowed_keeps_its_allow_header(client):
    res = client.delete("/report")
    assert res.status_code == 405 and "GET" in res.headers["Allow"]
    assert '<html lang="da"' in text_of(res)


def test_an_unexpected_error_is_the_sites_page_with_a_code_to_quote(app, client, monkeypatch):
    from meldecentral.web import public

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(public.lookups, "active_categories", broken)
    res = client.get("/report", headers={"X-Request-ID": "abcd1234efgh"})
    page = text_of(res)
    assert res.status_code == 500 and '<html lang="da"' in page
    assert "abcd1234efgh" in page and "boom" not in page


@pytest.mark.parametrize("path", ["/api/v1/no-such", "/api/v1/reports/1/notes"])
def test_the_api_keeps_its_json_errors(client, path):
    res = client.get(path)
    assert res.status_code in (404, 405, 401) and res.is_json


def test_the_access_log_page_reads_in_danish_and_local_time(app):
    """The access log showed role and action codes and UTC times (issue 16, item 13)."""
    from datetime import UTC, datetime

    from meldecentral import clock
    from meldecentral.models import AccessLog
    from tests.factories import file_report, signed_in

    admin, _ = signed_in(app, "admin")
    coordinator_client, _ = signed_in(app, "coordinator")
    with clock.at(datetime(2026, 12, 6, 12, 0, 5, tzinfo=UTC)):
        report = file_report(signed_in(app, "street_worker")[0])
        coordinator_client.get(f"/staff/reports/{report.id}")
    row = db.session.scalar(sa.select(AccessLog).order_by(AccessLog.id.desc()))
    assert row.role == "coordinator" and row.action == "view"
    page = text_of(admin.get("/admin/access-log"))
    entry = page.split(f'data-access="{row.id}"')[1].split("</li>")[0]
    assert "Koordinator" in entry and "Set" in entry and "Webside" in entry
    assert "coordinator" not in entry and "UTC" not in entry
    local = row.created_at.astimezone(ZoneInfo("Europe/Copenhagen"))
    assert local.strftime("%H:%M:%S") in entry

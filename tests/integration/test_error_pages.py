"""Error pages are the site's own, in the visitor's language (issue 16, item 13): an unknown
address was a bare English page, and an unexpected error plain text."""

from __future__ import annotations

import pytest

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

"""Public facts about your area (no sign-in), and the open data: what the public reads of the
published, already suppressed figures (services/facts)."""

from __future__ import annotations

import json

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale

from meldecentral.pages import published_response
from meldecentral.services.facts import read
from meldecentral.web import public_bp as bp
from meldecentral.web.common import resident


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "da"


@bp.get("/facts")
def facts():
    """All districts: the city's figures, a map and a choice of district."""
    chosen = request.args.get("district", type=int)
    if chosen:
        return redirect(url_for("public.district_facts", district_id=chosen))
    published = read.facts(resident().municipality_id)
    return render_template("public/facts.html", doc=published and published.document, district=None)


@bp.get("/facts/<int:district_id>")
def district_facts(district_id: int):
    municipality_id = resident().municipality_id
    published = read.facts(municipality_id)
    one = read.district_facts(municipality_id, district_id)
    if published is None or one is None:
        abort(404)
    district = one.document["district"]
    return render_template(
        "public/facts.html",
        doc=published.document,
        district=district,
        rows=read.district_rows(published.document, district, _language()),
    )


@bp.get("/open-data/")
def open_data():
    published = read.facts(resident().municipality_id)
    return render_template("public/open_data.html", doc=published and published.document)


def _weekly():
    published = read.weekly(resident().municipality_id)
    if published is None:
        abort(404)
    return published


@bp.get("/open-data/weekly-counts.csv")
def weekly_counts_csv():
    published = _weekly()
    return published_response(
        published.etag,
        read.weekly_csv(published.document),
        "text/csv",
        filename="weekly-counts.csv",
    )


@bp.get("/open-data/weekly-counts.json")
def weekly_counts_json():
    published = _weekly()
    facts = read.facts(resident().municipality_id)
    body = {
        "licence": facts.document["licence"] if facts else {},
        "threshold": facts.document["threshold"] if facts else None,
        "columns": list(read.WEEKLY_COLUMNS),
        "rows": published.document,
    }
    return published_response(
        published.etag,
        json.dumps(body, ensure_ascii=False),
        "application/json",
        filename="weekly-counts.json",
    )

"""What the public reads: the stored, already suppressed figures (services/facts/publish.py).
The parsed document is kept in the process with its ETag; at most every FACTS_CACHE_SECONDS
(30) a small primary-key query asks whether a newer publication exists. A read never scans the
report or count tables, and most reads do not touch the database at all."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

import sqlalchemy as sa
from flask import current_app

from meldecentral.extensions import db
from meldecentral.models import PublicFacts

_cache: dict[tuple[int, str, str], object] = {}
_heads: dict[int, tuple[float, str, datetime]] = {}  # municipality -> (asked at, etag, built)
_lock = Lock()


def forget() -> None:
    """Drop what this process keeps (after a publication made here)."""
    with _lock:
        _cache.clear()
        _heads.clear()


def _head(municipality_id: int) -> tuple[str, datetime] | None:
    ttl = float(current_app.config.get("FACTS_CACHE_SECONDS", 30))
    known = _heads.get(municipality_id)
    if known is not None and time.monotonic() - known[0] < ttl:
        return known[1], known[2]
    head = db.session.execute(
        sa.select(PublicFacts.etag, PublicFacts.built_at).where(
            PublicFacts.municipality_id == municipality_id
        )
    ).first()
    if head is None:
        return None
    if ttl > 0:
        _heads[municipality_id] = (time.monotonic(), head.etag, head.built_at)
    return head.etag, head.built_at


@dataclass(frozen=True)
class Published:
    etag: str
    built_at: datetime
    document: dict | list


def _load(municipality_id: int, part: str) -> Published | None:
    head = _head(municipality_id)
    if head is None:
        return None
    etag, built_at = head
    key = (municipality_id, part, etag)
    cached = _cache.get(key)
    if cached is None:
        column = PublicFacts.document if part == "document" else PublicFacts.weekly
        # The ETag read with the text: a publication in between must not pair them wrongly.
        etag, built_at, text = db.session.execute(
            sa.select(PublicFacts.etag, PublicFacts.built_at, column).where(
                PublicFacts.municipality_id == municipality_id
            )
        ).one()
        key = (municipality_id, part, etag)
        cached = json.loads(text)
        with _lock:
            for old in [k for k in _cache if k[:2] == key[:2]]:
                del _cache[old]
            _cache[key] = cached
    return Published(etag, built_at, cached)


def facts(municipality_id: int) -> Published | None:
    """Every district and the city, or None before the first publication."""
    return _load(municipality_id, "document")


def district_facts(municipality_id: int, district_id: int) -> Published | None:
    """One district and the city; None when not published or no such district."""
    published = facts(municipality_id)
    if published is None:
        return None
    document = published.document
    for district in document["districts"]:
        if district["id"] == district_id:
            one = {k: v for k, v in document.items() if k != "districts"}
            one["district"] = district
            return Published(f"{published.etag}-{district_id}", published.built_at, one)
    return None


def weekly(municipality_id: int) -> Published | None:
    """The weekly rows of the open data."""
    return _load(municipality_id, "weekly")


@dataclass(frozen=True)
class Row:
    """One line of a district's table: counts as published (None: suppressed) and what follows
    from them alone."""

    code: str
    label: str
    current: int | None
    previous: int | None
    change: float | None  # per cent against the previous period
    rate: float | None  # per 1,000 residents, current period
    city_rate: float | None
    city_change: float | None


def _change(current: int | None, previous: int | None) -> float | None:
    if current is None or not previous:
        return None
    return round(100 * (current - previous) / previous, 0)


def _rate(count: int | None, population: int | None) -> float | None:
    if count is None or not population:
        return None
    return round(1000 * count / population, 1)


def label(labels: dict, language: str) -> str:
    """A group's label in ``language``; English, then Danish, for a language without one."""
    return labels.get(language) or labels.get("en") or labels.get("da") or ""


def district_rows(document: dict, district: dict, language: str) -> list[Row]:
    """The district's groups, then its total, against last year and the city."""
    city = document["city"]
    rows = []
    entries = [(g["code"], label(g["label"], language)) for g in document["groups"]]
    for code, text in [*entries, (None, None)]:
        mine = district["groups"][code] if code else district["total"]
        theirs = city["groups"][code] if code else city["total"]
        rows.append(
            Row(
                code=code or "",
                label=text or "",
                current=mine["current"],
                previous=mine["previous"],
                change=_change(mine["current"], mine["previous"]),
                rate=_rate(mine["current"], district["population"]),
                city_rate=_rate(theirs["current"], city["population"]),
                city_change=_change(theirs["current"], theirs["previous"]),
            )
        )
    return rows


UNDER = "under 5"  # how a suppressed count reads in the CSV file
WEEKLY_COLUMNS = (
    "week",
    "week_start",
    "district_id",
    "district_number",
    "district",
    "group",
    "count",
)


def weekly_csv(rows: list[dict]) -> str:
    """The weekly rows as CSV (comma separated, UTF-8); a suppressed count reads "under 5"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WEEKLY_COLUMNS)
    for row in rows:
        writer.writerow(
            [UNDER if c == "count" and row[c] is None else row[c] for c in WEEKLY_COLUMNS]
        )
    return out.getvalue()

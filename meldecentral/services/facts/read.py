"""What the public reads: the stored, already suppressed figures (services/facts/publish.py).
One small primary-key query per request for the ETag; the parsed document is kept in the
process until the ETag changes, so a read never scans the report or count tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import PublicFacts

_cache: dict[tuple[int, str, str], object] = {}
_lock = Lock()


@dataclass(frozen=True)
class Published:
    etag: str
    built_at: datetime
    document: dict | list


def _load(municipality_id: int, part: str) -> Published | None:
    head = db.session.execute(
        sa.select(PublicFacts.etag, PublicFacts.built_at).where(
            PublicFacts.municipality_id == municipality_id
        )
    ).first()
    if head is None:
        return None
    key = (municipality_id, part, head.etag)
    cached = _cache.get(key)
    if cached is None:
        column = PublicFacts.document if part == "document" else PublicFacts.weekly
        text = db.session.scalar(
            sa.select(column).where(PublicFacts.municipality_id == municipality_id)
        )
        cached = json.loads(text)
        with _lock:
            for old in [k for k in _cache if k[:2] == key[:2]]:
                del _cache[old]
            _cache[key] = cached
    return Published(head.etag, head.built_at, cached)


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

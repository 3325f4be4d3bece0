"""The services an Open311 client may offer a resident: the municipality's active categories,
and each one's definition (the questions of the report form, the flags)."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral.domain import open311
from meldecentral.extensions import db
from meldecentral.models import Category


def services(municipality_id: int, language: str) -> list[dict]:
    """One entry per active category, in code order. ``group`` is the category's kind (crime
    or concern), for the door to name; ``keywords`` its labels' words in both languages."""
    rows = db.session.execute(
        sa.select(Category.code, Category.label_da, Category.label_en, Category.kind)
        .filter_by(municipality_id=municipality_id, active=True)
        .order_by(Category.code)
    ).all()
    out = []
    for row in rows:
        name = row.label_da if language == "da" else row.label_en
        other = row.label_en if language == "da" else row.label_da
        out.append(
            {
                "service_code": row.code,
                "service_name": name,
                "description": other,
                "metadata": True,  # every category asks the questions of the definition
                "type": "realtime",  # the request id is known when the POST answers
                "keywords": _keywords(row.label_da, row.label_en),
                "group": row.kind,
            }
        )
    return out


def _keywords(*labels: str) -> str:
    words: dict[str, None] = {}
    for label in labels:
        for word in label.replace("(", " ").replace(")", " ").replace(",", " ").split():
            if len(word) > 2:
                words.setdefault(word.lower())
    return ", ".join(words)


def definition(municipality_id: int, code: str) -> tuple[open311.Attribute, ...] | None:
    """The questions of an active category, None if there is no such category."""
    exists = db.session.scalar(
        sa.select(Category.id).filter_by(municipality_id=municipality_id, code=code, active=True)
    )
    return open311.ATTRIBUTES if exists is not None else None

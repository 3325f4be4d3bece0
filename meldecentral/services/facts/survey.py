"""The safety survey's results per district and year, imported from CSV in the shape of
Copenhagen's yearly safety survey (Københavns Kommunes Tryghedsundersøgelse) publishes them:

    district,year,safe_neighbourhood,safe_evening[,illustrative]

``district`` is the district's number or name; the shares are percentages (0-100, a decimal
comma or point). A row for a district and year already stored replaces it. All rows are checked
before any is written: one bad row refuses the file, naming its line and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import District, SafetySurvey
from meldecentral.services.errors import ValidationFailed

COLUMNS = ("district", "year", "safe_neighbourhood", "safe_evening")


@dataclass
class Imported:
    rows: int
    years: list[int]


def _share(text: str) -> float:
    value = float(text.strip().replace(",", ".").rstrip("%"))
    if not 0 <= value <= 100:
        raise ValueError("not between 0 and 100")
    return value


def import_csv(municipality_id: int, text: str) -> Imported:
    """Raises ValidationFailed with ``fields`` {"line N: column": reason}."""
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(
            "invalid survey file", {"file": f"missing columns: {', '.join(missing)}"}
        )
    districts = db.session.execute(
        sa.select(District.id, District.number, District.name).where(
            District.municipality_id == municipality_id
        )
    ).all()
    by_key = {str(d.number): d.id for d in districts} | {d.name.lower(): d.id for d in districts}
    parsed, errors = [], {}
    for line, row in enumerate(reader, start=2):
        district_id = by_key.get((row.get("district") or "").strip().lower())
        if district_id is None:
            errors[f"line {line}: district"] = "unknown district"
        try:
            year = int((row.get("year") or "").strip())
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            errors[f"line {line}: year"] = "not a year"
            year = None
        shares = {}
        for column in ("safe_neighbourhood", "safe_evening"):
            try:
                shares[column] = _share(row.get(column) or "")
            except ValueError:
                errors[f"line {line}: {column}"] = "a percentage from 0 to 100"
        flag = (row.get("illustrative") or "").strip().lower() in {"1", "true", "yes", "ja"}
        if district_id is not None and year is not None and len(shares) == 2:
            parsed.append((district_id, year, shares, flag))
    if errors:
        raise ValidationFailed("invalid survey file", errors)
    if not parsed:
        raise ValidationFailed("invalid survey file", {"file": "no rows"})
    for district_id, year, shares, flag in parsed:
        row = db.session.get(SafetySurvey, (district_id, year))
        if row is None:
            row = SafetySurvey(district_id=district_id, year=year, municipality_id=municipality_id)
            db.session.add(row)
        row.safe_neighbourhood = shares["safe_neighbourhood"]
        row.safe_evening = shares["safe_evening"]
        row.illustrative = flag
    db.session.commit()
    return Imported(rows=len(parsed), years=sorted({p[1] for p in parsed}))


def latest(municipality_id: int) -> list[SafetySurvey]:
    return list(
        db.session.scalars(
            sa.select(SafetySurvey)
            .where(SafetySurvey.municipality_id == municipality_id)
            .order_by(SafetySurvey.year.desc(), SafetySurvey.district_id)
        )
    )

"""Districts: import from GeoJSON and find the district of a point.

Polygons are held in process as prepared shapely geometries, keyed by a version that changes when
districts are imported, so a point lookup costs a prepared intersects test per district.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from shapely import intersects_xy, prepare
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union
from sqlalchemy.orm import undefer

from meldecentral.extensions import db
from meldecentral.models import District, Municipality


@dataclass
class _Entry:
    district_id: int
    geom: object


_cache: dict[tuple[str, int], list[_Entry]] = {}
_lock = Lock()


def _cache_key(municipality_id: int) -> tuple[str, int]:
    return (str(db.engine.url), municipality_id)


def clear_cache() -> None:
    from meldecentral.services.reference import catalogue

    with _lock:
        _cache.clear()
    catalogue.clear()


def _entries(municipality_id: int) -> list[_Entry]:
    key = _cache_key(municipality_id)
    entries = _cache.get(key)
    if entries is None:
        rows = db.session.execute(
            sa.select(District.id, District.geometry)
            .where(District.municipality_id == municipality_id)
            .order_by(District.number)
        ).all()
        entries = []
        for district_id, geometry in rows:
            geom = shape(json.loads(geometry))
            prepare(geom)
            entries.append(_Entry(district_id, geom))
        with _lock:
            _cache[key] = entries
    return entries


def district_for_point(municipality_id: int, lon: float, lat: float) -> int | None:
    """The id of the district containing the point, or None. On a shared border (the demo
    polygons overlap slightly) the lowest district number wins, consistently."""
    for entry in _entries(municipality_id):
        # For a point, intersects is covers (inside or on the border); the _xy form builds no
        # Point object, which cost more than the test itself (py-spy, bench/README.md).
        if intersects_xy(entry.geom, lon, lat):
            return entry.district_id
    return None


class GeoJSONError(ValueError):
    pass


def import_districts(municipality: Municipality, geojson: dict) -> tuple[int, int]:
    """Create or update districts by number from a FeatureCollection. Returns (created, updated).
    Properties: ``bydel_nr`` or ``number``, and ``navn`` or ``name``."""
    if geojson.get("type") != "FeatureCollection":
        raise GeoJSONError("expected a GeoJSON FeatureCollection")
    created = updated = 0
    for i, feature in enumerate(geojson.get("features", [])):
        props = feature.get("properties") or {}
        number = props.get("bydel_nr", props.get("number"))
        name = props.get("navn", props.get("name"))
        if number is None or not name:
            raise GeoJSONError(f"feature {i}: needs a number (bydel_nr) and a name (navn)")
        try:
            geom = shape(feature["geometry"])
        except Exception as exc:  # shapely raises several types for bad geometry
            raise GeoJSONError(f"feature {i}: invalid geometry: {exc}") from exc
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise GeoJSONError(f"feature {i}: geometry must be a Polygon or MultiPolygon")
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        district = db.session.scalar(
            sa.select(District).filter_by(municipality_id=municipality.id, number=int(number))
        )
        if district is None:
            district = District(municipality_id=municipality.id, number=int(number))
            db.session.add(district)
            created += 1
        else:
            updated += 1
        district.name = name
        district.geometry = json.dumps(feature["geometry"], separators=(",", ":"))
        district.min_lon, district.min_lat, district.max_lon, district.max_lat = (
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        )
    db.session.commit()
    clear_cache()
    return created, updated


def enclave(geojson: dict, number: int, name: str) -> dict:
    """The hole in the union of a FeatureCollection's polygons (the largest, if several), as
    a FeatureCollection of one district: a municipality enclosed by another, as Frederiksberg
    is by Copenhagen, drawn from the surrounding one's map."""
    union = unary_union([shape(f["geometry"]) for f in geojson.get("features", [])])
    rings = [ring for part in getattr(union, "geoms", [union]) for ring in part.interiors]
    if not rings:
        raise GeoJSONError("the districts enclose no other area")
    hole = max((Polygon(ring) for ring in rings), key=lambda p: p.area)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"number": number, "name": name},
                "geometry": mapping(orient(hole)),
            }
        ],
    }


def districts_geojson(municipality_id: int) -> dict:
    rows = db.session.scalars(
        sa.select(District)
        .filter_by(municipality_id=municipality_id)
        .order_by(District.number)
        .options(undefer(District.geometry))
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": d.id,
                "properties": {"id": d.id, "number": d.number, "name": d.name},
                "geometry": json.loads(d.geometry),
            }
            for d in rows
        ],
    }

"""Reference data and the API's own description."""

from __future__ import annotations

from flask import current_app, render_template

from meldecentral.api.auth import current_actor
from meldecentral.api.blueprint import bp
from meldecentral.api.openapi import build_spec
from meldecentral.schemas.reports import CategoryOutSchema
from meldecentral.services.reference import geo, lookups


@bp.get("/categories")
def categories():
    """Report categories.
    ---
    get:
      summary: Report categories
      operationId: listCategories
      responses:
        200:
          description: OK
          content: {application/json: {schema: CategoryListSchema}}
    """
    actor = current_actor()
    rows = lookups.active_categories(actor.municipality_id, by_code=True)
    return {"items": CategoryOutSchema(many=True).dump(rows)}


@bp.get("/districts")
def districts():
    """Districts as a GeoJSON FeatureCollection.
    ---
    get:
      summary: Districts as a GeoJSON FeatureCollection
      operationId: listDistricts
      responses:
        200:
          description: GeoJSON
          content: {application/geo+json: {schema: {type: object}}}
    """
    actor = current_actor()
    return (
        geo.districts_geojson(actor.municipality_id),
        200,
        {"Content-Type": "application/geo+json"},
    )


@bp.get("/openapi.json")
def openapi():
    if "_openapi" not in current_app.extensions:
        current_app.extensions["_openapi"] = build_spec(current_app._get_current_object())
    return current_app.extensions["_openapi"]


@bp.get("/docs")
def docs():
    return render_template("api_docs.html", spec=openapi())

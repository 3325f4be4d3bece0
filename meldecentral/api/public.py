"""Public facts about each district: no sign-in, the figures as published (suppressed)."""

from __future__ import annotations

import json

from meldecentral.api.auth import current_actor
from meldecentral.api.blueprint import bp
from meldecentral.api.errors import ApiError
from meldecentral.pages import published_response

# The docstrings name these schemas; importing them registers them with marshmallow.
from meldecentral.schemas.facts import FactsSchema, OneDistrictFactsSchema  # noqa: F401
from meldecentral.services.facts import read

_NOT_YET = "the figures have not been published yet"


def _answer(published):
    body = json.dumps(published.document, ensure_ascii=False)
    return published_response(published.etag, body, "application/json")


@bp.get("/public/facts")
def public_facts():
    """Facts about every district and the city: reports of the last 52 complete weeks against
    the 52 before, per category group, and the safety index with its parts.
    ---
    get:
      summary: "Public: facts about every district"
      description: >-
        No sign-in. Counts under 5 are never published, nor any number from which one could be
        worked out (a total less its published parts): such a count is null. Weeks are the
        finest time unit. Cached (ETag, Cache-Control); the figures change at most once per
        publishing run.
      operationId: publicFacts
      security: []
      responses:
        200:
          description: OK
          content: {application/json: {schema: FactsSchema}}
        304: {description: not modified since the ETag given in If-None-Match}
        404:
          description: not published yet
          content: {application/json: {schema: Error}}
    """
    published = read.facts(current_actor().municipality_id)
    if published is None:
        raise ApiError(404, "not_found", _NOT_YET)
    return _answer(published)


@bp.get("/public/facts/<int:district_id>")
def public_district_facts(district_id: int):
    """Facts about one district (its id as GET /districts gives it) and the city.
    ---
    get:
      summary: "Public: facts about one district"
      description: >-
        The district's id as GET /districts gives it. The same figures and rules as
        GET /public/facts.
      operationId: publicDistrictFacts
      security: []
      responses:
        200:
          description: OK
          content: {application/json: {schema: OneDistrictFactsSchema}}
        304: {description: not modified since the ETag given in If-None-Match}
        404:
          description: no such district, or not published yet
          content: {application/json: {schema: Error}}
    """
    published = read.district_facts(current_actor().municipality_id, district_id)
    if published is None:
        raise ApiError(404, "not_found", "no such district, or " + _NOT_YET)
    return _answer(published)

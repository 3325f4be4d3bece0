"""Saved views: a coordinator's or unit member's named filter sets of their list (the triage
queue, the inbox), private or shared with their unit, and their default view. The rules are in
services.worklists.views; /triage and /inbox apply a view with ``?view=``."""

from __future__ import annotations

from flask import request, url_for

from meldecentral.api.auth import require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.util import json_body, load
from meldecentral.schemas.views import (
    SavedViewInSchema,
    SavedViewOutSchema,
    SavedViewPatchSchema,
    SavedViewQuerySchema,
    load_filters,
)
from meldecentral.services.worklists import views

_in = SavedViewInSchema()
_patch = SavedViewPatchSchema()
_query = SavedViewQuerySchema()
_out = SavedViewOutSchema()
_INVALID = "the view has invalid fields"


def dump(view, user_id: int, default_id: int | None) -> dict:
    return _out.dump(
        {
            "id": view.id,
            "name": view.name,
            "list_kind": view.list_kind,
            "filters": view.filters or {},
            "shared": view.unit_id is not None,
            "unit": view.unit.code if view.unit is not None else None,
            "mine": view.owner_user_id == user_id,
            "owner_name": view.owner.name,
            "default": view.id == default_id,
            "created_at": view.created_at,
            "updated_at": view.updated_at,
        }
    )


def _dump(actor, view) -> dict:
    default = views.default_view(actor, view.list_kind)
    return dump(view, actor.user_id, default.id if default else None)


@bp.get("/views")
def list_views():
    """Your saved views and those shared with your unit.
    ---
    get:
      summary: "Coordinators and unit members: saved views of their list"
      description: >-
        Your own views first, then those shared with your unit (coordinators: by other
        coordinators), each by name; and which one is your default.
      operationId: listViews
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: SavedViewQuerySchema}
      responses:
        200:
          description: OK
          content: {application/json: {schema: SavedViewListSchema}}
        401: Unauthorized
        403: Forbidden
        422: InvalidFields
    """
    actor = require_staff()
    query = load(_query, request.args.to_dict(), "invalid query")
    items, default_id = views.list_views(actor, query.get("list_kind"))
    return {
        "items": [dump(v, actor.user_id, default_id) for v in items],
        "default_id": default_id,
    }


@bp.post("/views")
def create_view():
    """Save a filter set under a name.
    ---
    post:
      summary: "Coordinators and unit members: save a view"
      description: >-
        The filters are the list's query parameters (less paging), checked as the list checks
        them; an unknown one is refused naming it. Private unless shared with your unit.
      operationId: createView
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: SavedViewInSchema}}
      responses:
        201:
          description: saved
          headers: {Location: {schema: {type: string}}}
          content: {application/json: {schema: SavedViewOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403: Forbidden
        409:
          description: you have a view of this list with this name
          content: {application/json: {schema: Error}}
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    own = views.list_of(actor)  # 403 before anything else for a role without views
    body = load(_in, json_body(), _INVALID)
    kind = body.get("list_kind") or own
    filters = load_filters(kind, body["filters"])  # 422 naming filters.<key>
    view = views.create_view(
        actor,
        name=body["name"],
        filters=filters,
        kind=kind,
        shared=body["shared"],
        make_default=body["default"],
    )
    location = url_for("api.get_view", view_id=view.id)
    return _dump(actor, view), 201, {"Location": location}


@bp.get("/views/<int:view_id>")
def get_view(view_id: int):
    """One saved view you may use.
    ---
    get:
      summary: "Coordinators and unit members: a saved view"
      operationId: getView
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: SavedViewOutSchema}}
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = require_staff()
    return _dump(actor, views.get_view(actor, view_id))


@bp.patch("/views/<int:view_id>")
def update_view(view_id: int):
    """Rename a view, replace its filters, share it or make it private: its owner only.
    ---
    patch:
      summary: "The owner: rename a view, replace its filters, share or unshare it"
      description: >-
        Made private, a view stops being the default of the others who had chosen it.
      operationId: updateView
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: SavedViewPatchSchema}}
      responses:
        200:
          description: OK
          content: {application/json: {schema: SavedViewOutSchema}}
        400: MalformedJson
        401: Unauthorized
        403:
          description: not the view's owner (or a role without saved views)
          content: {application/json: {schema: Error}}
        404: NotFound
        409:
          description: you have a view of this list with this name
          content: {application/json: {schema: Error}}
        415: NotJson
        422: InvalidFields
    """
    actor = require_staff()
    kind = views.get_view(actor, view_id).list_kind  # 403 or 404 before the body
    body = load(_patch, json_body(), _INVALID)
    filters = None
    if "filters" in body:
        filters = load_filters(kind, body["filters"])  # 422 naming filters.<key>
    view = views.update_view(
        actor, view_id, name=body.get("name"), filters=filters, shared=body.get("shared")
    )
    return _dump(actor, view)


@bp.delete("/views/<int:view_id>")
def delete_view(view_id: int):
    """Delete a view: its owner only.
    ---
    delete:
      summary: "The owner: delete a view"
      description: It stops being anyone's default.
      operationId: deleteView
      security: [{bearerAuth: []}]
      responses:
        204: {description: deleted}
        401: Unauthorized
        403:
          description: not the view's owner (or a role without saved views)
          content: {application/json: {schema: Error}}
        404: NotFound
    """
    actor = require_staff()
    views.delete_view(actor, view_id)
    return "", 204


@bp.put("/views/<int:view_id>/default")
def set_default(view_id: int):
    """Make a view (yours, or one shared with your unit) your default.
    ---
    put:
      summary: "Coordinators and unit members: make a view your default"
      description: >-
        The list opens on it: the queue page without filters, and /triage or /inbox with
        view=default.
      operationId: setDefaultView
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: SavedViewOutSchema}}
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = require_staff()
    return _dump(actor, views.set_default(actor, view_id))


@bp.delete("/views/<int:view_id>/default")
def clear_default(view_id: int):
    """Stop using a view as your default (nothing changes if it was not).
    ---
    delete:
      summary: "Coordinators and unit members: stop using a view as your default"
      operationId: clearDefaultView
      security: [{bearerAuth: []}]
      responses:
        200:
          description: OK
          content: {application/json: {schema: SavedViewOutSchema}}
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = require_staff()
    return _dump(actor, views.clear_default(actor, view_id))

"""Who is calling the API: a bearer token's user, or an anonymous resident."""

from __future__ import annotations

from flask import current_app, request

from meldecentral.api.errors import ApiError
from meldecentral.services.actor import Actor
from meldecentral.services.staff import users


def current_actor() -> Actor:
    # Cached on the request (not on g, which outlives a request when an app context is reused).
    cached = getattr(request, "_mc_actor", None)
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = users.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "unauthorized", "invalid or revoked token")
        actor = Actor.for_user(user)
    else:
        municipality_id = users.municipality_id_by_code(current_app.config["DEFAULT_MUNICIPALITY"])
        actor = Actor(role="resident", municipality_id=municipality_id)
    request._mc_actor = actor
    return actor


def require_staff() -> Actor:
    actor = current_actor()
    if not actor.is_staff:
        raise ApiError(401, "unauthorized", "a staff token is required")
    return actor


def require_role(role: str, message: str | None = None) -> Actor:
    """A staff token of this role, or 401/403."""
    actor = require_staff()
    if actor.role != role:
        raise ApiError(403, "forbidden", message or f"only the {role} role may do this")
    return actor

"""Who is calling the API: a bearer token's user, or an anonymous resident."""

from __future__ import annotations

from flask import request

from meldecentral.api.errors import ApiError
from meldecentral.services.actor import Actor
from meldecentral.services.reference import municipalities
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
        # A token works in its user's own municipality only; elsewhere it is no token at all
        # (the same answer as a wrong one: nothing says the user exists elsewhere).
        if user is None or not municipalities.belongs_here(user):
            raise ApiError(401, "unauthorized", "invalid or revoked token")
        actor = Actor.for_user(user)
    else:
        actor = Actor(role="resident", municipality_id=municipalities.current_id())
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

"""API tokens: list and revoke them one by one. A user manages their own; an administrator
those of their municipality's users. Creating and checking a token live in ``users``."""

from __future__ import annotations

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import ApiToken, User
from meldecentral.services.actor import Actor
from meldecentral.services.errors import NotFound


def _may_manage(actor: Actor, user: User | None) -> bool:
    if user is None or not actor.is_staff:
        return False
    if user.id == actor.user_id:
        return True
    return actor.role == roles.ADMIN and user.municipality_id == actor.municipality_id


def list_tokens(actor: Actor, user_id: int | None = None) -> list[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included (marked so)."""
    user_id = actor.user_id if user_id is None else user_id
    if not _may_manage(actor, db.session.get(User, user_id)):
        raise NotFound("no such user")
    return tokens_of(user_id)


def tokens_of(user_id: int) -> list[ApiToken]:
    """No access check: for the command line and for callers that checked already."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .filter_by(user_id=user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Revoke one token. Someone else's token, or one that does not exist, is a 404 alike,
    so ids cannot be probed."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not _may_manage(actor, token.user):
        raise NotFound("no such token")
    return revoke(token)


def revoke_by_id(token_id: int) -> ApiToken | None:
    """No access check: for the command line."""
    token = db.session.get(ApiToken, token_id)
    return revoke(token) if token is not None else None


def revoke(token: ApiToken) -> ApiToken:
    """No access check: for the command line. Revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.session.commit()
    return token


def revoke_all(user_id: int) -> int:
    """Revoke every live token of a user, in the caller's transaction (deactivation commits):
    reactivating the user must not bring them back."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return result.rowcount


def state(token: ApiToken) -> str:
    """'revoked', 'expired' or 'active'."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= clock.now():
        return "expired"
    return "active"

"""Open311 client applications: an administrator issues a key per application (shown once,
only its hash kept) and may revoke it; a POST of a service request names its key."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.domain.reasons import N_
from meldecentral.extensions import db
from meldecentral.models import Open311Client
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed

KEY_PREFIX = "o311_"  # tells a leaked key apart from a staff token (mc_) in a secret scan


@dataclass(frozen=True)
class Caller:
    """The application a valid key belongs to: what intake needs, no ORM object."""

    id: int
    municipality_id: int
    name: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _require_admin(actor: Actor) -> None:
    if actor.role != roles.ADMIN:
        raise Forbidden("only an administrator manages Open311 client applications")


def issue_key(
    actor: Actor | None, name: str, *, municipality_id: int | None = None
) -> tuple[Open311Client, str]:
    """A new client application and its key, returned this once: an administrator's for
    their municipality, or (``actor`` None) the command line's for ``municipality_id``
    (whoever runs it is trusted with the server)."""
    if actor is not None:
        _require_admin(actor)
        municipality_id = actor.municipality_id
    if municipality_id is None:
        raise ValueError("the command line names the municipality")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            "invalid client application",
            {"name": [N_("give the application a name (1-100 chars)")]},
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = Open311Client(
        municipality_id=municipality_id,
        name=name,
        key_hash=_hash(key),
        prefix=key[:10],
        active=True,
        created_by_id=actor.user_id if actor is not None else None,
        created_at=clock.now(),
    )
    db.session.add(client)
    db.session.commit()
    return client, key


def list_clients(actor: Actor | None, municipality_id: int | None = None) -> list[Open311Client]:
    """The municipality's applications, newest first, revoked ones included."""
    if actor is not None:
        _require_admin(actor)
        municipality_id = actor.municipality_id
    return list(
        db.session.scalars(
            sa.select(Open311Client)
            .filter_by(municipality_id=municipality_id)
            .order_by(Open311Client.created_at.desc(), Open311Client.id.desc())
        )
    )


def revoke_key(actor: Actor | None, client_id: int) -> Open311Client:
    """Revoke an application's key; revoking twice keeps the first time. Another
    municipality's application is a 404, like one that does not exist."""
    client = db.session.get(Open311Client, client_id)
    if actor is not None:
        _require_admin(actor)
        if client is not None and client.municipality_id != actor.municipality_id:
            client = None
    if client is None:
        raise NotFound("no such client application")
    if client.active:
        client.active = False
        client.revoked_at = clock.now()
        db.session.commit()
    return client


def caller_for_key(key: str | None) -> Caller | None:
    """The active application holding ``key``, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    client = db.session.scalar(sa.select(Open311Client).filter_by(key_hash=_hash(key), active=True))
    if client is None:
        return None
    now = clock.now()
    # A write per request would cost more than the submission: at most once a minute.
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        client.last_used_at = now
    caller = Caller(client.id, client.municipality_id, client.name)
    db.session.commit()
    return caller

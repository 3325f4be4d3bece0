"""Staff users, passwords (argon2) and API tokens (random, stored as sha256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy.orm import joinedload

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import ApiToken, Municipality, Unit, User
from meldecentral.services.errors import ValidationFailed

_hasher = PasswordHasher()
TOKEN_PREFIX = "mc_"  # noqa: S105 - a prefix, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def municipality_by_code(code: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).filter_by(code=code))


# Municipality ids never change once created: each process remembers the ones it has seen, so
# an anonymous request (a resident) costs no query to find its municipality.
_municipality_ids: dict[tuple[str, str], int] = {}


def municipality_id_by_code(code: str) -> int | None:
    key = (str(db.engine.url), code)
    found = _municipality_ids.get(key)
    if found is None:
        found = db.session.scalar(sa.select(Municipality.id).filter_by(code=code))
        if found is not None:
            _municipality_ids[key] = found
    return found


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))


def user_for_session(user_id: int, version: int) -> User | None:
    """The signed-in user of a session cookie, if the account is active and the session's
    version is current (a logout, password change or lock bumps it)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def create_user(
    *,
    municipality: Municipality,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
    unit_code: str | None = None,
    platform_admin: bool = False,
) -> User:
    errors: dict[str, list[str]] = {}
    if role not in roles.STAFF_ROLES:
        errors["role"] = [Reason("one of %(choices)s", choices=", ".join(roles.STAFF_ROLES))]
    unit = None
    if role == roles.UNIT_MEMBER:
        unit = db.session.scalar(
            sa.select(Unit).filter_by(municipality_id=municipality.id, code=unit_code or "")
        )
        if unit is None:
            errors["unit"] = [N_("a unit member needs an existing unit")]
    if password is not None and len(password) < 12:
        errors["password"] = [N_("at least 12 characters")]
    if db.session.scalar(sa.select(User.id).filter_by(email=email.lower())):
        errors["email"] = [N_("already in use")]
    if errors:
        raise ValidationFailed("invalid user", errors)
    user = User(
        municipality_id=municipality.id,
        email=email.lower(),
        name=name,
        role=role,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password) if password else None,
        platform_admin=platform_admin,
    )
    db.session.add(user)
    db.session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, days: int | None = None) -> str:
    """Returns the token once; only its hash is kept. It expires after ``days`` (the
    API_TOKEN_DAYS setting unless given)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            "invalid token", {"name": [N_("give the token a name (1-100 chars)")]}
        )
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    if not 1 <= days <= 3650:
        raise ValidationFailed("invalid token", {"days": [N_("between 1 and 3650 days")]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=_token_hash(token),
            prefix=token[:10],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(
        sa.select(ApiToken)
        .filter_by(token_hash=_token_hash(token), revoked_at=None)
        .options(joinedload(ApiToken.user))  # one query per request, not two
    )
    if row is None or not row.user.active:
        return None
    now = clock.now()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    # Avoid a write per request: refresh last use at most once a minute.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        db.session.commit()
    return row.user

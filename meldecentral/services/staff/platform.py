"""The platform administrator's use cases: the municipalities a deployment serves, a new one
(with its first administrator), and where each is reached (host names, path prefix). Which
municipality a request is for is services.reference.municipalities'."""

from __future__ import annotations

import re

import sqlalchemy as sa

from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import Municipality, User
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed
from meldecentral.services.reference import municipalities
from meldecentral.services.reference.municipalities import normalise_host
from meldecentral.services.staff import users

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,19}$")
PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _require_platform_admin(actor: Actor) -> None:
    if not actor.platform_admin:
        raise Forbidden("only platform administrators")


def list_all(actor: Actor) -> list[Municipality]:
    _require_platform_admin(actor)
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.code)))


def get(actor: Actor, municipality_id: int) -> Municipality:
    _require_platform_admin(actor)
    found = db.session.get(Municipality, municipality_id)
    if found is None:
        raise NotFound("no such municipality")
    return found


def create(actor: Actor | None, data: dict) -> Municipality:
    """A new municipality with where it is reached, and, when ``admin_email`` is given, its
    first administrator (who then creates its units, categories, rules and users). ``actor``
    None is the operator at the command line."""
    if actor is not None:
        _require_platform_admin(actor)
    code = (data.get("code") or "").strip().lower()
    errors: dict[str, list] = {}
    if not CODE.match(code):
        errors["code"] = [N_("2-20 lower-case letters, digits, - or _, starting with a letter")]
    elif db.session.scalar(sa.select(Municipality.id).filter_by(code=code)):
        errors["code"] = [Reason("municipality %(code)r exists", code=code)]
    name = (data.get("name") or "").strip()
    if not 1 <= len(name) <= 100:
        errors["name"] = [N_("give the municipality a name (1-100 chars)")]
    hosts, prefix = _check_mapping(None, data, errors)
    if errors:
        raise ValidationFailed("invalid municipality", errors)
    municipality = Municipality(code=code, name=name, hosts=hosts, path_prefix=prefix)
    db.session.add(municipality)
    db.session.flush()
    if data.get("admin_email"):
        try:
            users.create_user(
                municipality=municipality,
                email=data["admin_email"],
                name=data.get("admin_name") or data["admin_email"],
                role="admin",
                password=data.get("admin_password") or None,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            raise ValidationFailed(
                "invalid administrator", {f"admin_{k}": v for k, v in exc.fields.items()}
            ) from None
    db.session.commit()
    municipalities.clear()
    return municipality


def update_mapping(actor: Actor | None, municipality_id: int, data: dict) -> Municipality:
    """Change where a municipality is reached: ``hosts`` (a list, or text of one per line)
    and ``path_prefix`` (empty: none); a key left out is kept."""
    if actor is not None:
        _require_platform_admin(actor)
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFound("no such municipality")
    errors: dict[str, list] = {}
    merged = {
        "hosts": data.get("hosts", municipality.hosts or []),
        "path_prefix": data.get("path_prefix", municipality.path_prefix),
    }
    hosts, prefix = _check_mapping(municipality.id, merged, errors)
    if "name" in data:
        name = (data.get("name") or "").strip()
        if not 1 <= len(name) <= 100:
            errors["name"] = [N_("give the municipality a name (1-100 chars)")]
        else:
            municipality.name = name
    if errors:
        db.session.rollback()
        raise ValidationFailed("invalid municipality", errors)
    municipality.hosts = hosts
    municipality.path_prefix = prefix
    db.session.commit()
    municipalities.clear()
    return municipality


def grant(user_id: int, on: bool = True) -> User:
    """Make a user a platform administrator, or no longer one: the operator's, at the
    command line (no page grants it, so no administrator can make themselves one)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.platform_admin = on
    user.session_version += 1  # sessions with the old powers end
    db.session.commit()
    return user


def _check_mapping(own_id: int | None, data: dict, errors: dict) -> tuple[list[str], str | None]:
    raw = data.get("hosts") or []
    if isinstance(raw, str):
        raw = raw.split()
    hosts = sorted({normalise_host(h) for h in raw if h.strip()})
    bad = [h for h in hosts if not HOST.match(h)]
    if bad:
        errors["hosts"] = [Reason("not a host name: %(host)s", host=", ".join(bad))]
    others = db.session.execute(
        sa.select(Municipality.code, Municipality.hosts).where(Municipality.id != (own_id or 0))
    ).all()
    taken = sorted({h for code, theirs in others for h in (theirs or []) if h in hosts})
    if taken:
        errors.setdefault("hosts", []).append(
            Reason("already another municipality's: %(host)s", host=", ".join(taken))
        )
    prefix = (data.get("path_prefix") or "").strip().lower() or None
    if prefix is not None:
        if not PREFIX.match(prefix):
            errors["path_prefix"] = [N_("1-40 lower-case letters, digits or -")]
        elif db.session.scalar(
            sa.select(Municipality.id).where(
                Municipality.path_prefix == prefix, Municipality.id != (own_id or 0)
            )
        ):
            errors["path_prefix"] = [N_("already in use")]
    return hosts, prefix

"""Which municipality a request is for, and the municipalities a deployment serves.

One deployment serves several municipalities. A request belongs to one of them by its host
name (``meld.kk.dk``) or by a path prefix (``/k/frb/...``), both stored per municipality as
data (``Municipality.hosts``, ``Municipality.path_prefix``) that a platform administrator
edits. A host no municipality claims is the default municipality's (``DEFAULT_MUNICIPALITY``),
so a deployment for one city needs no configuration at all.

``current()`` / ``current_id()`` say which municipality the request is for, resolved when
first asked and kept on the request: the pages, the API, tracking and Open311's
``jurisdiction_id`` ask it. (A request with a path prefix is resolved at once by
``create_app``'s hook: an unknown prefix is a 404.) Outside a request (command line, workers)
``current()`` is the default municipality.

The mapping is held per process for ``REFDATA_CACHE_SECONDS`` (as the reference data is):
changes made through this process clear it at once, other processes see them within that time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import Municipality, User
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed
from meldecentral.services.staff import users

# Where the path-prefix middleware (meldecentral.prefix) leaves the prefix it moved into
# SCRIPT_NAME, and where the resolved municipality is kept for the rest of the request.
PREFIX_KEY = "meldecentral.path_prefix"
SERVED_KEY = "meldecentral.municipality"

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,19}$")
PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


@dataclass(frozen=True)
class Served:
    """A municipality as a request sees it: no ORM object, so it outlives the session."""

    id: int
    code: str
    name: str
    path_prefix: str | None


@dataclass(frozen=True)
class _Map:
    loaded_at: float
    by_host: dict[str, Served]
    by_prefix: dict[str, Served]
    by_code: dict[str, Served]


_maps: dict[str, _Map] = {}
_lock = Lock()


def clear() -> None:
    with _lock:
        _maps.clear()


def _served(m: Municipality) -> Served:
    return Served(m.id, m.code, m.name, m.path_prefix)


def _map() -> _Map:
    key = str(db.engine.url)
    ttl = current_app.config.get("REFDATA_CACHE_SECONDS", 30)
    now = time.monotonic()
    found = _maps.get(key)
    if found is not None and now - found.loaded_at < ttl:
        return found
    by_host, by_prefix, by_code = {}, {}, {}
    for m in db.session.scalars(sa.select(Municipality).order_by(Municipality.id)):
        served = _served(m)
        by_code[m.code] = served
        for host in m.hosts or []:
            by_host.setdefault(host, served)
        if m.path_prefix:
            by_prefix[m.path_prefix] = served
    fresh = _Map(now, by_host, by_prefix, by_code)
    with _lock:
        _maps[key] = fresh
    return fresh


def normalise_host(host: str) -> str:
    """``Meld.KK.dk:443`` -> ``meld.kk.dk``."""
    host = (host or "").strip().lower().rstrip(".")
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def resolve(host: str, prefix: str | None) -> Served | None:
    """The municipality of a request: by its path prefix when it has one (an unknown prefix is
    None: the page does not exist), else by its host, else the default municipality."""
    mapping = _map()
    if prefix is not None:
        return mapping.by_prefix.get(prefix)
    served = mapping.by_host.get(normalise_host(host))
    if served is not None:
        return served
    return mapping.by_code.get(current_app.config["DEFAULT_MUNICIPALITY"])


def resolve_request() -> Served | None:
    """Resolve the current request and keep the answer on it (``current`` reads it)."""
    served = resolve(request.host, request.environ.get(PREFIX_KEY))
    request.environ[SERVED_KEY] = served
    return served


def default() -> Served | None:
    return _map().by_code.get(current_app.config["DEFAULT_MUNICIPALITY"])


def current() -> Served | None:
    """The municipality of this request; the default one outside a request."""
    if has_request_context():
        if SERVED_KEY not in request.environ:
            return resolve_request()
        return request.environ[SERVED_KEY]
    return default()


def current_id() -> int | None:
    served = current()
    return served.id if served else None


def by_code(code: str) -> Served | None:
    return _map().by_code.get(code)


def belongs_here(user: User | None) -> bool:
    """A staff user acts only in their own municipality: elsewhere they are not signed in."""
    return user is not None and user.municipality_id == current_id()


# The platform administrator's use cases.


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
    clear()
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
    clear()
    return municipality


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


def path_root() -> str:
    """The first segment of a path prefix: ``/k/<prefix>/...``."""
    return current_app.config["MUNICIPALITY_PATH_ROOT"]

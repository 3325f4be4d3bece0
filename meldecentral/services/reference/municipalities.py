"""Which municipality a request is for, and the municipalities a deployment serves.

One deployment serves several municipalities. A request belongs to one of them by its host
name (``meld.kk.dk``) or by a path prefix (``/k/frb/...``), both stored per municipality as
data (``Municipality.hosts``, ``Municipality.path_prefix``) that a platform administrator
edits (services.staff.platform). A host no municipality claims is the default
municipality's (``DEFAULT_MUNICIPALITY``), so a deployment for one city needs no
configuration at all.

``current()`` / ``current_id()`` say which municipality the request is for, resolved when
first asked and kept on the request: the pages, the API, tracking and Open311's
``jurisdiction_id`` ask it. (A request with a path prefix is resolved at once by
``create_app``'s hook: an unknown prefix is a 404.) Outside a request (command line, workers)
``current()`` is the default municipality.

The mapping is held per process for ``REFDATA_CACHE_SECONDS`` (as the reference data is):
changes made through this process clear it at once, other processes see them within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from meldecentral.extensions import db
from meldecentral.models import Municipality, User

# Where the path-prefix middleware (meldecentral.prefix) leaves the prefix it moved into
# SCRIPT_NAME, and where the resolved municipality is kept for the rest of the request.
PREFIX_KEY = "meldecentral.path_prefix"
SERVED_KEY = "meldecentral.municipality"


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


def base_url(municipality_id: int) -> str:
    """Where links to a municipality's pages start (notifications: the staff page of a report,
    a reporter's tracking page): PUBLIC_BASE_URL for the default municipality; for another,
    its first host name or its path prefix (MUNICIPALITY_LINKS says which comes first)."""
    config = current_app.config
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    mapping = _map()
    served = next((s for s in mapping.by_code.values() if s.id == municipality_id), None)
    if served is None or served.code == config["DEFAULT_MUNICIPALITY"]:
        return base
    hosts = sorted(h for h, s in mapping.by_host.items() if s.id == municipality_id)
    by_host = f"{base.partition('://')[0]}://{hosts[0]}" if hosts else None
    by_prefix = f"{base}/{path_root()}/{served.path_prefix}" if served.path_prefix else None
    first, second = (
        (by_prefix, by_host)
        if config["MUNICIPALITY_LINKS"] == "prefix"
        else (
            by_host,
            by_prefix,
        )
    )
    return first or second or base


def path_root() -> str:
    """The first segment of a path prefix: ``/k/<prefix>/...``."""
    return current_app.config["MUNICIPALITY_PATH_ROOT"]

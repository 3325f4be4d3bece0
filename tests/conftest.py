"""Fixtures. Database-facing tests run on SQLite and on PostgreSQL (a fresh database per run).

PostgreSQL comes from MC_TEST_PG_URL (default: the local server with trust auth). Where it
cannot be reached, its variant is skipped and says why; CI (``.ci/run``) starts it and sets
MC_REQUIRE_PG=1, which turns that skip into a failure.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from unittest import mock

import pytest
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from meldecentral import create_app
from meldecentral.extensions import db
from meldecentral.services.staff import users
from tests.database import reset
from tests.webutil import PASSWORD

_hash_password = users.hash_password  # the service's own, for _password_hash
_hasher = users._hasher  # the service's argon2 PasswordHasher, for _MemoisedVerify

PG_ADMIN_URL = os.environ.get(
    "MC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_available() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure: say why we skip
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    reason = _pg_available()
    if reason:
        if os.environ.get("MC_REQUIRE_PG"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"mc_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _migrated_app(url: str):
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def _sqlite_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "test.sqlite"
    return _migrated_app(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def _pg_app(pg_database):
    return _migrated_app(pg_database)


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request):
    """The app on a database with only the reference data in it (tests.database.reset)."""
    app = request.getfixturevalue("_sqlite_app" if request.param == "sqlite" else "_pg_app")
    reset(app)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


_counter = iter(range(1, 1_000_000))


@functools.cache
def _password_hash(password: str) -> str:
    return _hash_password(password)


# argon2's verify of one hash and one password: its outcome (True, or the exception it raised)
_verified: dict[tuple[str, str | bytes], BaseException | None] = {}


class _MemoisedVerify:
    """The service's PasswordHasher, but its verify is made once per (hash, password) and run:
    a verify costs about 0.15 s, and the suite signs the same users (one hash, as above) in
    with the same password many times. argon2's verify is deterministic, so the outcome is the
    one it gave: True, or its exception again (a wrong password, a hash that is not one). The
    sign-in service runs as before around it (the dummy hash for an unknown address, the
    rehash check, the lockout); hashing and the rehash check are the hasher's own."""

    def verify(self, hash: str, password: str | bytes) -> bool:
        key = (hash, password)
        if key not in _verified:
            try:
                _hasher.verify(hash, password)
                _verified[key] = None
            except (VerificationError, InvalidHashError) as exc:
                _verified[key] = exc
        failed = _verified[key]
        if failed is not None:
            raise type(failed)(*failed.args)
        return True

    def __getattr__(self, name: str):
        return getattr(_hasher, name)


@pytest.fixture(autouse=True, scope="session")
def _argon2_verify_once():
    with mock.patch.object(users, "_hasher", _MemoisedVerify()):
        yield


def create_staff(role: str, unit: str | None = None):
    """A staff user and an API token, in the current app context.

    Every such user has the same password, so its argon2 hash is made once per run and reused
    (a hash costs about 0.1 s; a run made hundreds). The user is created by the service as
    before, with the same statements; only the hashing inside it is memoised."""
    municipality = users.municipality_by_code("kbh")
    n = next(_counter)
    with mock.patch.object(users, "hash_password", _password_hash):
        user = users.create_user(
            municipality=municipality,
            email=f"{role}{n}@test.example",
            name=f"{role} {n}",
            role=role,
            password=PASSWORD,
            unit_code=unit,
        )
    return user, users.create_token(user, "test")


@pytest.fixture
def make_user_in():
    def make(app, role: str, unit: str | None = None):
        with app.app_context():
            return create_staff(role, unit)

    return make


@pytest.fixture
def make_user(app):
    """make_user(role, unit=None) -> (user, token)"""
    return create_staff


def auth(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


# A point in Nørrebro (district 3) and one in the sea, for place tests.
NORREBRO = {"lat": 55.6960, "lon": 12.5450}
OUTSIDE = {"lat": 55.60, "lon": 12.80}


# The files that take longest (real worker stacks, the browser, schemathesis, the permission
# matrices) run first: with the suite on several workers (make test), the many short files then
# fill in at the end, instead of one long file running alone after all the others.
_LONG_FIRST = (
    "tests/workers/",
    "tests/e2e/",
    "test_schemathesis.py",
    "test_schemathesis_writes.py",
    "test_permissions.py",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not any(part in item.nodeid for part in _LONG_FIRST))

"""A resident's submission on PostgreSQL runs as one statement on the driver's connection
(meldecentral/db/driver.py): what SQLAlchemy did around it must still hold. A duplicate key is
SQLAlchemy's IntegrityError (the submission draws another reference); a connection the server
dropped is invalidated and the request is a 503, the next one stored; the connection goes back
to the pool as it was lent (not in autocommit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meldecentral.db import driver
from meldecentral.extensions import db
from meldecentral.models import OutboxEvent, Report, ReportEvent
from meldecentral.services.reports import submit
from tests.conftest import NORREBRO

BODY = {"category": "VOLD", "text": "Overfald ved stationen i går.", **NORREBRO}


@pytest.fixture
def pg(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the driver's path is PostgreSQL's; SQLite goes through a Connection")
    return app


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Report, ReportEvent, OutboxEvent)
    )


def test_a_taken_reference_is_an_integrity_error_and_another_is_drawn(pg, monkeypatch):
    client = pg.test_client()
    first = client.post("/api/v1/reports", json=BODY)
    assert first.status_code == 201
    taken = first.json["reference"]
    before = _counts()
    drawn = iter([taken, "MC-ZZZZ-ZZZ2"])
    monkeypatch.setattr(submit, "new_reference", lambda: next(drawn))
    second = client.post("/api/v1/reports", json=BODY)
    assert second.status_code == 201, second.json
    assert second.json["reference"] == "MC-ZZZZ-ZZZ2"
    # Nothing of the refused statement stayed: one report, one history row, one event more.
    assert _counts() == tuple(n + 1 for n in before)
    # Directly: the driver's error is SQLAlchemy's class.
    with pytest.raises(sa.exc.IntegrityError):
        stmt = sa.text(
            "INSERT INTO report_daily_count (municipality_id, day, district_id, category_id, "
            "count) VALUES (0, :day, 0, 0, 1), (0, :day, 0, 0, 1) RETURNING count"
        )
        driver.fetch_one_autocommit(
            db.engine, driver.DriverStatement(stmt, db.engine.dialect), {"day": "2026-01-01"}
        )
    with db.engine.connect() as conn:  # lent as before: a transaction begins, not autocommit
        assert conn.connection.dbapi_connection.autocommit is False


def test_a_dropped_connection_is_a_503_and_the_next_submission_is_stored(pg):
    client = pg.test_client()
    assert client.post("/api/v1/reports", json=BODY).status_code == 201  # a pooled connection
    before = _counts()
    db.session.remove()
    admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert dropped >= 1
    statuses = [client.post("/api/v1/reports", json=BODY).status_code for _ in range(3)]
    # Each dropped connection costs at most one request a 503 (Retry-After), never a 500.
    assert set(statuses) <= {201, 503} and statuses[-1] == 201, statuses
    assert _counts()[0] == before[0] + statuses.count(201)

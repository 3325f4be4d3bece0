"""The demo loader (issue 16): its past queues nothing for the workers, and the district
statistics count it."""

from __future__ import annotations

from unittest import mock

import pytest
import sqlalchemy as sa

from meldecentral.domain import workflow
from meldecentral.extensions import db
from meldecentral.models import Municipality, OutboxEvent, Report
from meldecentral.services import demo
from meldecentral.services.staff import users
from meldecentral.services.worklists import stats
from tests.conftest import _password_hash

pytestmark = pytest.mark.slow  # a year of demo reports: a few seconds per database


def test_demo_queues_only_what_is_still_to_do_and_is_counted(app):
    handed: list[int] = []
    hooks = app.extensions.setdefault("outbox_hooks", [])
    hook = lambda events: handed.extend(e.id for e in events)  # noqa: E731
    hooks.append(hook)
    try:
        # Its twelve staff share the demo password: hashed once per run (as create_staff's).
        with mock.patch.object(users, "hash_password", _password_hash):
            demo.load_demo(40)
    finally:
        hooks.remove(hook)
    events = db.session.execute(sa.select(OutboxEvent.id, OutboxEvent.handled_at)).all()
    unhandled = {e.id for e in events if e.handled_at is None}
    assert len(events) > 100  # the demo's year of history
    # Only what is still to do reaches the relay: the reports the demo left unrouted.
    assert set(handed) == unhandled
    assert len(handed) < 10
    # The district statistics include the demo reports.
    municipality = db.session.scalar(sa.select(Municipality).filter_by(code="kbh"))
    counted = db.session.scalar(
        sa.select(sa.func.count(Report.id)).where(
            Report.status.not_in((workflow.REJECTED, workflow.MERGED)),
            Report.municipality_id == municipality.id,
        )
    )
    result = stats.district_counts(municipality.id, 365)
    assert sum(d.total or 0 for d in result.districts) == counted == 40
    # The demo's second municipality has a few reports of its own, counted as its own.
    other = db.session.scalar(sa.select(Municipality).filter_by(code="frb"))
    theirs = db.session.scalar(
        sa.select(sa.func.count(Report.id)).where(Report.municipality_id == other.id)
    )
    result = stats.district_counts(other.id, 365)
    assert theirs == 2 and sum(d.total or 0 for d in result.districts) <= theirs

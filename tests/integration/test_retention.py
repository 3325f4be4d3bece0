"""Retention: contact details and attachments go a while after a report is closed, the report
itself (leaving a tombstone) after longer; the access log keeps its rows. Time is moved with
meldecentral.clock.at."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.exc import DBAPIError

from config import ConfigError, load_config
from meldecentral import clock, create_app
from meldecentral.extensions import db
from meldecentral.models import (
    AccessLog,
    Assignment,
    Attachment,
    Delivery,
    Note,
    Report,
    ReporterContact,
    ReportEvent,
    ReportTombstone,
    RoutingDecision,
)
from meldecentral.services.reports import retention
from tests.conftest import NORREBRO, auth
from tests.factories import drain, move, route, submit_report

CONTACT = {"name": "Maja Mortensen", "email": "maja@example.org", "phone": "+45 20 30 40 50"}


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def closed_report(app, client, make_user, tmp_path, monkeypatch):
    """A resident's report with contact details and a photo, routed to the police, viewed,
    noted on, closed with an outcome (all notifications planned)."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    rid = submit_report(client, category="HAERVAERK", text="Ruder smadret.", contact=CONTACT)
    aid = route(client, coord, rid, ["POLICE"], reason=None)["POLICE"]
    photo = client.post(
        f"/api/v1/reports/{rid}/attachments",
        data={"file": (io.BytesIO(jpeg()), "a.jpg")},
        headers=auth(police),
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201
    client.get(photo.json["link"], headers=auth(coord))
    client.get(f"/api/v1/reports/{rid}", headers=auth(police))
    for status, outcome in (("acknowledged", None), ("closed", "Politiet har talt med skolen.")):
        res = move(client, police, aid, status, outcome)
        assert res.status_code == 200, res.json
    client.post(
        f"/api/v1/reports/{rid}/notes",
        json={"body": "Sagen er lukket.", "visibility": "internal"},
        headers=auth(coord),
    )
    drain()
    report = db.session.get(Report, rid)
    assert report.status == "resolved" and report.closed_at is not None
    return report


def _count(model, report_id):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.report_id == report_id)
    )


def test_nothing_happens_before_the_anonymisation_time(closed_report):
    with clock.at(closed_report.closed_at + timedelta(days=179)):
        result = retention.apply_retention()
    assert result.anonymised == result.deleted == []
    assert db.session.get(ReporterContact, closed_report.contact.id).email == CONTACT["email"]


def test_contact_and_attachments_go_after_180_days(app, closed_report, client):
    rid = closed_report.id
    path = app.config["UPLOAD_FOLDER"] + "/" + db.session.scalar(sa.select(Attachment.storage_name))
    later = closed_report.closed_at + timedelta(days=181)
    with clock.at(later):
        result = retention.apply_retention()
        assert result.anonymised == [rid] and result.deleted == []
        assert retention.apply_retention().anonymised == []  # idempotent
    db.session.expire_all()
    contact = db.session.scalar(sa.select(ReporterContact).where(ReporterContact.report_id == rid))
    assert (contact.name, contact.email, contact.phone) == (None, None, None)
    assert contact.anonymised_at == later and contact.wants_updates is False
    assert _count(Attachment, rid) == 0
    assert not __import__("os").path.exists(path)
    # the report itself stays, its text unchanged, and says what happened in its history
    report = db.session.get(Report, rid)
    assert report.text == "Ruder smadret."
    event = db.session.scalars(
        sa.select(ReportEvent).where(
            ReportEvent.report_id == rid, ReportEvent.action == "anonymised"
        )
    ).one()
    assert event.data == {"contact": True, "attachments_deleted": 1}
    assert client.get(f"/api/v1/track/{report.reference}").status_code == 200


def test_reopened_or_open_reports_are_kept(closed_report, client):
    old_open = client.post(
        "/api/v1/reports",
        json={"category": "NABO", "text": "Larm.", **NORREBRO, "contact": CONTACT},
    ).json["id"]
    with clock.at(clock.now() + timedelta(days=10 * 365)):
        result = retention.apply_retention()
    assert old_open not in result.anonymised + result.deleted
    assert db.session.get(Report, old_open).contact.email == CONTACT["email"]


def test_the_report_goes_after_five_years_leaving_a_tombstone(app, closed_report, client):
    rid, reference = closed_report.id, closed_report.reference
    category, created, closed = "HAERVAERK", closed_report.created_at, closed_report.closed_at
    views_before = db.session.scalar(
        sa.select(sa.func.count(AccessLog.id)).where(AccessLog.report_id == rid)
    )
    assert views_before == 2  # a view and a download
    assert _count(Delivery, rid) >= 1 and _count(RoutingDecision, rid) + _count(Note, rid) >= 1
    later = closed + timedelta(days=5 * 365 + 1)
    with clock.at(later):
        result = retention.apply_retention()
    assert result.deleted == [rid]
    db.session.expire_all()
    assert db.session.get(Report, rid) is None
    for model in (Assignment, Attachment, Delivery, Note, ReportEvent, RoutingDecision):
        assert _count(model, rid) == 0, model
    assert db.session.scalar(sa.select(sa.func.count(ReporterContact.id))) == 0
    tomb = db.session.scalars(sa.select(ReportTombstone)).one()
    assert (tomb.report_id, tomb.reference, tomb.category_code, tomb.district_number) == (
        rid,
        reference,
        category,
        3,
    )
    assert (tomb.created_at, tomb.closed_at, tomb.deleted_at) == (created, closed, later)
    assert "retention" in tomb.reason
    # the access log keeps every row, with the reference and without the report id
    rows = db.session.scalars(sa.select(AccessLog).where(AccessLog.report_reference == reference))
    assert [(r.report_id, r.action) for r in rows] == [(None, "download"), (None, "view")]
    assert client.get(f"/api/v1/track/{reference}").status_code == 404


def test_a_duplicate_loses_its_pointer_when_its_original_goes(closed_report, client, make_user):
    _, coord = make_user("coordinator")
    dup = client.post(
        "/api/v1/reports", json={"category": "HAERVAERK", "text": "Samme ruder.", **NORREBRO}
    ).json["id"]
    res = client.post(
        f"/api/v1/reports/{dup}/transitions",
        json={"status": "merged", "duplicate_of": closed_report.id},
        headers=auth(coord),
    )
    assert res.status_code == 200
    with clock.at(closed_report.closed_at + timedelta(days=5 * 365 - 1)):
        # not five years yet
        assert retention.apply_retention().deleted == []
    with clock.at(clock.now() + timedelta(days=5 * 365 + 1)):
        deleted = retention.apply_retention().deleted
    # the original goes first (closed first); the FK would refuse it if the pointer stayed
    assert deleted == [closed_report.id, dup]


def test_access_log_stays_append_only_in_postgresql(app, closed_report):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    rid = closed_report.id
    for change in ({"action": "edited"}, {"report_id": None, "action": "edited"}):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(
                sa.update(AccessLog).where(AccessLog.report_id == rid).values(change)
            )
        db.session.rollback()
    # pointing a row at another report is refused too
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.update(AccessLog).values(report_id=rid + 1000))
    db.session.rollback()
    # nulling report_id and nothing else is the one update allowed (retention uses it)
    db.session.execute(
        sa.update(AccessLog).where(AccessLog.report_id == rid).values(report_id=None)
    )
    db.session.rollback()


def test_the_celery_task_runs_the_job_and_beat_schedules_it(app, closed_report):
    from workers.schedule import beat_schedule
    from workers.tasks import apply_retention

    entry = beat_schedule(app.config)["apply-retention"]
    assert entry["task"] == "workers.tasks.apply_retention" and entry["schedule"] == 3600
    with clock.at(closed_report.closed_at + timedelta(days=200)):
        assert apply_retention.run() == {"anonymised": 1, "deleted": 0}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"RETENTION_ANONYMISE_DAYS": "29"}, "below the floor of 30"),
        ({"RETENTION_DELETE_DAYS": "300"}, "below the floor of 365"),
        ({"RETENTION_ANONYMISE_DAYS": "400", "RETENTION_DELETE_DAYS": "400"}, "longer than"),
    ],
)
def test_retention_below_the_floor_refuses_to_start(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config("development", env=env)


def test_overrides_below_the_floor_refuse_to_start_too():
    with pytest.raises(ConfigError, match="RETENTION_ANONYMISE_DAYS"):
        create_app("testing", {"RETENTION_ANONYMISE_DAYS": 7})
    cfg = load_config("development", env={"RETENTION_ANONYMISE_DAYS": "90"})
    assert cfg["RETENTION_ANONYMISE_DAYS"] == 90 and cfg["RETENTION_DELETE_DAYS"] == 1825


def test_the_conversation_goes_with_the_report(closed_report, client, make_user):
    """Issue 19: the reporter's photo goes at anonymisation (its message stays); questions,
    answers and satisfaction go with the report."""
    from meldecentral.models import ReporterFeedback, ReporterMessage

    _, coord = make_user("coordinator")
    rid, ref = closed_report.id, closed_report.reference
    asked = client.post(
        f"/api/v1/reports/{rid}/questions", json={"body": "Hvilken opgang?"}, headers=auth(coord)
    )
    assert asked.status_code == 201
    assert client.post(f"/api/v1/track/{ref}/answers", json={"body": "Nr. 3."}).status_code == 201
    assert client.post(f"/api/v1/track/{ref}/feedback", json={"satisfied": True}).status_code == 201
    answer = db.session.scalar(sa.select(ReporterMessage).filter_by(kind="answer"))
    photo_id = db.session.scalar(sa.select(Attachment.id).where(Attachment.report_id == rid))
    answer.attachment_id = photo_id  # as a photo sent with the answer
    db.session.commit()
    with clock.at(closed_report.closed_at + timedelta(days=181)):
        assert retention.apply_retention().anonymised == [rid]
    db.session.expire_all()
    assert db.session.get(ReporterMessage, answer.id).attachment_id is None
    with clock.at(closed_report.closed_at + timedelta(days=5 * 365 + 1)):
        assert retention.apply_retention().deleted == [rid]
    assert _count(ReporterMessage, rid) == 0 and _count(ReporterFeedback, rid) == 0

"""Staff pages with the test client: the street worker's form and its JSON twin, the triage
queue and report page, the unit's inbox, undelivered notifications, and who may see what."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import AccessLog, Assignment, Delivery, Note, Report
from meldecentral.services.actor import Actor
from meldecentral.services.reports import view
from tests.conftest import NORREBRO, create_staff
from tests.factories import drain, file_report, signed_in
from tests.webutil import csrf, text_of


def test_street_worker_form_without_javascript(app):
    client, user = signed_in(app, "street_worker")
    html = text_of(client.get("/staff/report"))
    assert "Brug min position" in html and 'name="district"' in html
    res = client.post(
        "/staff/report",
        data={
            "csrf_token": csrf(client, "/staff/report"),
            "category": "GRUPPE",
            "text": "Gruppe ved kiosken hver aften.",
            "district": "3",
            "minor_involved": "y",
            "interpreter_language": "ar",
        },
    )
    assert res.status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert report.source == "staff" and report.reporter_user_id == user.id
    assert report.minor_involved and report.interpreter_language == "ar"
    assert report.reference in text_of(client.get(res.headers["Location"]))
    assert report.reference in text_of(client.get("/staff/mine"))


def test_json_endpoint_is_idempotent(app):
    client, _ = signed_in(app, "street_worker")
    token = csrf(client, "/staff/report")
    body = {"category": "NARKO", "text": "Handel ved legepladsen.", **NORREBRO}
    headers = {"X-CSRFToken": token, "Idempotency-Key": "phone-queue-0001"}
    first = client.post("/staff/api/reports", json=body, headers=headers)
    again = client.post("/staff/api/reports", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["reference"] == again.json["reference"] and again.json["replayed"]
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1


def test_json_endpoint_needs_csrf_session_and_the_role(app, client):
    body = {"category": "NARKO", "text": "x", **NORREBRO}
    res = client.post("/staff/api/reports", json=body, headers={"Idempotency-Key": "12345678"})
    assert res.status_code == 400  # no CSRF token (and no session)
    worker, _ = signed_in(app, "street_worker")
    res = worker.post("/staff/api/reports", json=body, headers={"Idempotency-Key": "12345678"})
    assert res.status_code == 400 and res.json["error"]["code"] == "400"
    token = csrf(worker, "/staff/report")
    res = worker.post(
        "/staff/api/reports",
        json={"category": "NARKO"},
        headers={"X-CSRFToken": token, "Idempotency-Key": "12345678"},
    )
    assert res.status_code == 422 and "text" in res.json["error"]["fields"]
    res = worker.post(
        "/staff/api/reports",
        json={**body, "happening_now": True, "category": "VOLD"},
        headers={"X-CSRFToken": token, "Idempotency-Key": "abcdefgh"},
    )
    assert res.status_code == 422 and res.json["error"]["redirect"] == "/emergency"
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0


def test_a_refused_queued_report_names_each_field_in_the_page_language(app):
    """Issue 16, item 12: the phone's queue shows the server's reasons next to the fields to
    correct, so they come per form field and in the page's language, all at once."""
    client, _ = signed_in(app, "street_worker")
    token = csrf(client, "/staff/report")
    headers = {"X-CSRFToken": token, "Idempotency-Key": "phone-queue-0002"}
    res = client.post("/staff/api/reports", json={"category": "NARKO", "text": ""}, headers=headers)
    assert res.status_code == 422
    fields = res.json["error"]["fields"]
    assert fields["district"] == ["Vælg en bydel, eller brug din position."]
    assert fields["text"] == ["Udfyld venligst dette felt."]
    client.get("/lang/en")
    refresh()  # the test's one app context caches the locale between requests
    res = client.post("/staff/api/reports", json={"category": "NARKO", "text": ""}, headers=headers)
    assert res.json["error"]["fields"]["district"] == ["Choose a district, or use your position."]
    # Corrected, the same queued report (same key) is accepted.
    body = {"category": "NARKO", "text": "Handel ved legepladsen.", "district": 3}
    assert client.post("/staff/api/reports", json=body, headers=headers).status_code == 201
    # The same key with other content: refused (409), in the page's language too.
    res = client.post("/staff/api/reports", json={**body, "text": "Andet."}, headers=headers)
    assert res.status_code == 409
    assert res.json["error"]["message"] == "This report was already sent, with other content."


@pytest.mark.slow
def test_report_page_is_logged_and_hidden_from_others(app):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker)
    drain()  # HAERVAERK, not on an estate: POLICE
    coord, coordinator = signed_in(app, "coordinator")
    assert coord.get(f"/staff/reports/{report.id}").status_code == 200
    police, _ = signed_in(app, "unit_member", "POLICE")
    assert police.get(f"/staff/reports/{report.id}").status_code == 200
    ssp, _ = signed_in(app, "unit_member", "SSP")
    assert ssp.get(f"/staff/reports/{report.id}").status_code == 404
    other_worker, _ = signed_in(app, "street_worker")
    assert other_worker.get(f"/staff/reports/{report.id}").status_code == 404
    assert worker.get(f"/staff/reports/{report.id}").status_code == 200
    logs = db.session.scalars(sa.select(AccessLog).where(AccessLog.channel == "web")).all()
    assert len(logs) == 3 and {log.action for log in logs} == {"view"}
    assert coordinator.id in {log.user_id for log in logs}


def test_pages_by_role(app):
    worker, _ = signed_in(app, "street_worker")
    assert worker.get("/staff/queue").status_code == 403
    assert worker.get("/admin/users").status_code == 403
    assert worker.get("/staff/").headers["Location"] == "/staff/report"
    unit, _ = signed_in(app, "unit_member", "SSP")
    assert unit.get("/staff/report").status_code == 403
    assert unit.get("/staff/").headers["Location"] == "/staff/inbox"


def test_coordinator_routes_an_unrouted_report_by_hand(app):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker, category="UTRYG", text="Mørk sti, lyset er gået.")
    coord, _ = signed_in(app, "coordinator")
    queue = text_of(coord.get("/staff/queue", query_string={"unrouted": "y"}))
    assert report.reference in queue
    page = f"/staff/reports/{report.id}"
    token = csrf(coord, page)
    bad = coord.post(f"{page}/route", data={"route-csrf_token": token, "route-reason": "x"})
    assert bad.status_code == 422 and "vælg mindst én enhed" in text_of(bad)
    res = coord.post(
        f"{page}/route",
        data={
            "route-csrf_token": token,
            "route-units": ["HOUSING", "SSP"],
            "route-reason": "Estate",
        },
    )
    assert res.status_code == 302
    units = db.session.scalars(
        sa.select(Assignment.unit_id).where(Assignment.report_id == report.id)
    ).all()
    assert len(units) == 2
    assert report.reference not in text_of(
        coord.get("/staff/queue", query_string={"unrouted": "y"})
    )
    assert report.reference in text_of(coord.get("/staff/queue", query_string={"unit": "SSP"}))


def test_coordinator_rejects_with_a_reason_and_changes_category(app):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker)
    coord, _ = signed_in(app, "coordinator")
    page = f"/staff/reports/{report.id}"
    token = csrf(coord, page)
    res = coord.post(
        f"{page}/change",
        data={"change-csrf_token": token, "change-category": "NABO", "change-district": "3"},
    )
    assert res.status_code == 302
    db.session.refresh(report)
    assert report.category.code == "NABO" and report.lat is not None  # same district: point kept
    res = coord.post(f"{page}/status", data={"reject-csrf_token": token, "target": "rejected"})
    assert res.status_code == 422 and 'id="reject-reason-err"' in text_of(res)
    res = coord.post(
        f"{page}/status",
        data={
            "reject-csrf_token": token,
            "target": "rejected",
            "reject-reason": "Ikke kommunens sag.",
        },
    )
    assert res.status_code == 302
    db.session.refresh(report)
    assert report.status == "rejected"


def test_likely_duplicates_and_merge(app):
    worker, _ = signed_in(app, "street_worker")
    original = file_report(worker)
    near = file_report(worker, lat=NORREBRO["lat"] + 0.002)  # ~220 m
    far = file_report(worker, lat=NORREBRO["lat"] + 0.009)  # ~1 km
    other = file_report(worker, category="TYVERI")
    old = file_report(worker)
    old.created_at = clock.now() - timedelta(days=10)
    db.session.commit()
    coordinator, _ = create_staff("coordinator")
    found = view.likely_duplicates(Actor.for_user(coordinator), near)
    assert [c.report.id for c in found] == [original.id]
    assert 200 < found[0].distance_m < 250
    assert far.id not in [c.report.id for c in found] and other.id not in [
        c.report.id for c in found
    ]
    coord, _ = signed_in(app, "coordinator")
    page = f"/staff/reports/{near.id}"
    html = text_of(coord.get(page))
    assert f'data-duplicate="{original.reference}"' in html
    res = coord.post(
        f"{page}/status",
        data={
            "merge-csrf_token": csrf(coord, page),
            "target": "merged",
            "merge-duplicate_of": original.reference,
        },
    )
    assert res.status_code == 302
    db.session.refresh(near)
    assert near.status == "merged" and near.duplicate_of_id == original.id


def test_unit_inbox_acknowledge_note_and_close(app, client):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker)
    drain()
    police, _ = signed_in(app, "unit_member", "POLICE")
    ssp, _ = signed_in(app, "unit_member", "SSP")
    inbox = text_of(police.get("/staff/inbox"))
    assert report.reference in inbox and re.search(r"Frist: [^<]*\d\d:\d\d", inbox)
    assert report.reference not in text_of(ssp.get("/staff/inbox"))
    assignment = db.session.scalars(sa.select(Assignment)).one()
    token = csrf(police, "/staff/inbox")
    url = f"/staff/assignments/{assignment.id}"
    base = {"a-csrf_token": token, "report_id": report.id}
    assert (
        police.post(url, data={**base, "a-status": "acknowledged", "back": "inbox"}).status_code
        == 302
    )
    # Another unit cannot move it.
    ssp.post(
        url,
        data={
            "a-csrf_token": csrf(ssp, "/staff/inbox"),
            "report_id": report.id,
            "a-status": "in_progress",
        },
    )
    db.session.refresh(assignment)
    assert assignment.status == "acknowledged"
    page = f"/staff/reports/{report.id}"
    police.post(
        f"{page}/notes",
        data={
            "note-csrf_token": token,
            "note-body": "Patrulje sendt.",
            "note-visibility": "public",
        },
    )
    assert db.session.scalar(sa.select(Note.visibility)) == "public"
    police.post(url, data={**base, "a-status": "closed", "a-outcome": ""})
    db.session.refresh(assignment)
    assert assignment.status == "acknowledged"  # an outcome is required
    police.post(url, data={**base, "a-status": "closed", "a-outcome": "Ruderne er skiftet."})
    db.session.refresh(assignment)
    assert assignment.status == "closed"
    track = text_of(client.get(f"/track/{report.reference}"))
    assert "Ruderne er skiftet." in track and "Patrulje sendt." in track


def test_overdue_deadline_is_said_plainly(app):
    worker, _ = signed_in(app, "street_worker")
    report = file_report(worker)
    drain()
    assignment = db.session.scalars(sa.select(Assignment)).one()
    with clock.at(assignment.ack_deadline + timedelta(hours=2, minutes=5)):
        # signed in at the moved time: a session older than 30 idle minutes would have ended
        police, _ = signed_in(app, "unit_member", "POLICE")
        html = text_of(police.get("/staff/inbox"))
    assert "Overskredet med 2 t" in html and report.reference in html


def test_dead_letters_and_resend(app):
    worker, _ = signed_in(app, "street_worker")
    file_report(worker)
    planned = drain()
    from meldecentral.services.delivery import send

    for delivery_id in planned:  # as the worker does: it planned them, it sends them
        send.attempt(delivery_id, claimed=True)  # no addresses in the demo: dead at once
    dead = db.session.scalars(sa.select(Delivery).where(Delivery.status == "dead")).all()
    assert dead
    coord, _ = signed_in(app, "coordinator")
    html = text_of(coord.get("/staff/deliveries"))
    assert f'data-delivery="{dead[0].id}"' in html
    res = coord.post(
        f"/staff/deliveries/{dead[0].id}/resend",
        data={"csrf_token": csrf(coord, "/staff/deliveries")},
    )
    assert res.status_code == 302
    db.session.refresh(dead[0])
    assert dead[0].status == "pending"


def test_street_worker_form_with_a_photo(app, tmp_path):
    import io

    from PIL import Image

    from meldecentral.models import Attachment

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    client, _ = signed_in(app, "street_worker")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(png, "PNG")
    png.seek(0)
    res = client.post(
        "/staff/report",
        data={
            "csrf_token": csrf(client, "/staff/report"),
            "category": "HAERVAERK",
            "text": "Graffiti på muren.",
            "district": "3",
            "photo": (png, "wall.png"),
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert attachment.width == 40
    bad = client.post(
        "/staff/report",
        data={
            "csrf_token": csrf(client, "/staff/report"),
            "category": "HAERVAERK",
            "text": "Graffiti igen.",
            "district": "3",
            "photo": (io.BytesIO(b"not an image"), "x.png"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302
    assert "ikke billedet" in text_of(client.get(bad.headers["Location"]))


def test_a_photo_report_sent_twice_is_one_report_with_one_photo(app, tmp_path):
    """Issue 16, item 9: the street worker's plain POST (a report with a photo) carries the
    page's one-time token; pressing Send twice, or Back and Send, gives the first report."""
    import io

    from PIL import Image

    from meldecentral.models import Attachment

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    client, _ = signed_in(app, "street_worker")
    html = text_of(client.get("/staff/report"))
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', html).group(1)

    def send():
        png = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(png, "PNG")
        png.seek(0)
        return client.post(
            "/staff/report",
            data={
                "csrf_token": csrf(client, "/staff/report"),
                "submission_token": token,
                "category": "HAERVAERK",
                "text": "Graffiti på muren.",
                "district": "3",
                "photo": (png, "wall.png"),
            },
            content_type="multipart/form-data",
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1
    assert len(db.session.scalars(sa.select(Attachment)).all()) == 1


def test_triage_queue_pages_past_fifty(app):
    """Regression: the pager once overwrote the translation function `_` and gave a 500."""
    worker, _w = signed_in(app, "street_worker")
    for _i in range(51):
        file_report(worker)
    coordinator, _c = signed_in(app, "coordinator")
    first = coordinator.get("/staff/queue")
    assert first.status_code == 200 and "page=2" in first.get_data(as_text=True)
    second = coordinator.get("/staff/queue?page=2")
    assert second.status_code == 200 and "page=1" in second.get_data(as_text=True)

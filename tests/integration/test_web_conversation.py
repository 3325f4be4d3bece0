"""The conversation on the pages (issue 19): the tracking page in the reporter's language, its
forms (CSRF, a photo through the attachment service's checks, what to fix), and what staff see:
the reporter's language, the conversation, "the reporter answered" in the inbox."""

import io

import sqlalchemy as sa
from PIL import Image

from meldecentral.extensions import db
from meldecentral.models import Attachment, Report, ReporterMessage
from meldecentral.services.actor import Actor
from meldecentral.services.reports import conversation
from tests.factories import drain, signed_in, submit_report
from tests.webutil import csrf, text_of


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def _asked(client, language="en") -> Report:
    rid = submit_report(client, language=language)
    drain()
    report = db.session.get(Report, rid)
    centre = Actor(role="coordinator", municipality_id=report.municipality_id)
    conversation.ask(centre, rid, "Which entrance?")
    return report


def test_the_tracking_page_speaks_the_reporters_language_unless_they_chose(client):
    report = _asked(client, "en")
    page = text_of(client.get(f"/track/{report.reference}"))
    assert '<html lang="en"' in page
    assert "We have a question for you" in page and "Which entrance?" in page
    client.get("/lang/da")  # the visitor's own choice wins
    page = text_of(client.get(f"/track/{report.reference}"))
    assert '<html lang="da"' in page and "Vi har et spørgsmål til dig" in page


def test_the_reporter_answers_with_a_photo_on_the_page(client):
    report = _asked(client)
    path = f"/track/{report.reference}"
    token = csrf(client, path)
    # Without the CSRF token nothing is stored.
    refused = client.post(f"{path}/answer", data={"answer-body": "The yard."})
    assert refused.status_code in (400, 422)
    assert db.session.scalar(sa.select(sa.func.count(ReporterMessage.id))) == 1
    # An empty answer and a file that is no photo: the form says what to fix, kept typed.
    bad = client.post(
        f"{path}/answer",
        data={"csrf_token": token, "answer-body": ""},
    )
    assert bad.status_code == 422 and "answer-body-err" in text_of(bad)
    not_a_photo = client.post(
        f"{path}/answer",
        data={
            "csrf_token": token,
            "answer-body": "The yard.",
            "answer-photo": (io.BytesIO(b"not an image"), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert not_a_photo.status_code == 422
    assert "answer-photo-err" in text_of(not_a_photo) and "The yard." in text_of(not_a_photo)
    ok = client.post(
        f"{path}/answer",
        data={
            "csrf_token": token,
            "answer-body": "The yard, by the bins.",
            "answer-photo": (io.BytesIO(_jpeg()), "yard.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302 and ok.headers["Location"] == path
    answer = db.session.scalar(sa.select(ReporterMessage).filter_by(kind="answer"))
    assert answer.body == "The yard, by the bins." and answer.attachment_id
    assert db.session.get(Attachment, answer.attachment_id).report_id == report.id
    page = text_of(client.get(path))
    assert "Thank you. Your answer was sent." in page and "We have a question" not in page


def test_staff_ask_see_the_answer_and_the_reporter_reopens_and_answers_on_the_page(app, client):
    """One signed-in unit member for both halves (signing in is the slow part)."""
    police, _ = signed_in(app, "unit_member", "POLICE")
    rid = submit_report(client, language="en")
    drain()
    token = csrf(police, f"/staff/reports/{rid}")
    res = police.post(
        f"/staff/reports/{rid}/question",
        data={"question-csrf_token": token, "question-body": "Hvilken opgang?"},
    )
    assert res.status_code == 302
    report = db.session.get(Report, rid)
    path = f"/track/{report.reference}"
    client.post(f"{path}/answer", data={"csrf_token": csrf(client, path), "answer-body": "Gården."})
    page = text_of(police.get(f"/staff/reports/{rid}"))
    assert 'data-language="en"' in page and "English" in page
    assert "Dialog med melderen" in page and "Hvilken opgang?" in page and "Gården." in page
    inbox = text_of(police.get("/staff/inbox"))
    assert "data-reporter-answered" in inbox and "Melderen har svaret" in inbox

    # The unit closes; the reporter (an English page) reopens and says how it went.
    (assignment,) = report.assignments
    for status, extra in (("acknowledged", {}), ("closed", {"a-outcome": "Talt med viceværten."})):
        police.post(
            f"/staff/assignments/{assignment.id}",
            data={"a-csrf_token": token, "a-status": status, "report_id": rid, **extra},
        )
    page = text_of(client.get(path))
    assert "How did it go?" in page and "Reopen the report" in page
    token = csrf(client, path)
    missing = client.post(f"{path}/reopen", data={"csrf_token": token, "reopen-reason": ""})
    assert missing.status_code == 422 and "reopen-reason-err" in text_of(missing)
    res = client.post(
        f"{path}/feedback",
        data={"csrf_token": token, "feedback-satisfied": "yes", "feedback-reason": "friendly"},
    )
    assert res.status_code == 302
    page = text_of(client.get(path))
    assert "Thank you for telling us how it went." in page and "How did it go?" not in page
    res = client.post(f"{path}/reopen", data={"csrf_token": token, "reopen-reason": "Again."})
    assert res.status_code == 302
    page = text_of(client.get(path))
    assert "Your report is open again." in page and "Talt med viceværten." in page
    staff_page = text_of(police.get(f"/staff/reports/{rid}"))
    assert "Melderen bad om at genåbne meldingen" in staff_page and "Tilfreds:" in staff_page

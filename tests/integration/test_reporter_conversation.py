"""The conversation with the reporter (issue 19): a question and its answer, information added,
a reopen request within the municipality's period, satisfaction per unit, and every message to
the reporter in their language."""

from datetime import timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Delivery,
    Municipality,
    Report,
)
from tests.conftest import auth
from tests.factories import drain, move, submit_report


def _reference(rid: int) -> str:
    return db.session.get(Report, rid).reference


def _routed_to_police(client, **fields) -> tuple[int, str, int]:
    rid = submit_report(client, **fields)
    drain()  # routed to the police by the rules
    (assignment,) = db.session.get(Report, rid).assignments
    return rid, _reference(rid), assignment.id


def _close(client, police, assignment_id, outcome="Vi har talt med de involverede."):
    if db.session.get(Assignment, assignment_id).status == "routed":
        for status in ("acknowledged", "in_progress"):
            assert move(client, police, assignment_id, status).status_code == 200
    res = move(client, police, assignment_id, "closed", outcome)
    assert res.status_code == 200, res.json
    drain()


def _reporter_deliveries(rid: int) -> list[Delivery]:
    return db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.report_id == rid, Delivery.audience == "reporter")
        .order_by(Delivery.id)
    ).all()


def test_a_unit_asks_the_reporter_answers_and_the_inbox_shows_it(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    rid, ref, aid = _routed_to_police(
        client, contact={"email": "beboer@example.org"}, language="en"
    )
    res = client.post(
        f"/api/v1/reports/{rid}/questions",
        json={"body": "Which entrance, the one on the street or the yard?"},
        headers=auth(police),
    )
    assert res.status_code == 201, res.json
    assert res.json["unit"] == "POLICE" and res.json["kind"] == "question"
    drain()
    (told,) = _reporter_deliveries(rid)
    # In the reporter's language, through the outbox; thin: the question itself is not in it.
    assert told.channel == "email" and told.subject == f"A question about your report {ref}"
    assert "entrance" not in told.body and f"/track/{ref}" in told.body

    page = client.get(f"/api/v1/track/{ref}").json
    assert page["reporter"]["question"]["body"].startswith("Which entrance")
    assert page["language"] == "en"

    res = client.post(f"/api/v1/track/{ref}/answers", json={"body": "The yard, by the bins."})
    assert res.status_code == 201, res.json
    assert (
        res.json["kind"] == "answer"
        and res.json["question_id"] == page["reporter"]["question"]["id"]
    )
    # A second answer to nothing: 409, saying why.
    again = client.post(f"/api/v1/track/{ref}/answers", json={"body": "Also..."})
    assert again.status_code == 409 and again.json["error"]["code"] == "no_question"

    inbox = client.get("/api/v1/inbox", headers=auth(police)).json
    (item,) = [i for i in inbox["items"] if i["report"]["id"] == rid]
    assert item["reporter_answered"] is True
    detail = client.get(f"/api/v1/reports/{rid}", headers=auth(police)).json
    assert [m["kind"] for m in detail["conversation"]] == ["question", "answer"]
    # In the history: who asked, and that the reporter (a resident) answered.
    rows = [(h["action"], h["actor_role"]) for h in detail["history"]]
    assert ("reporter_question", "unit_member") in rows and ("reporter_answer", "resident") in rows
    assert detail["language"] == "en"
    # The unit's next move clears the mark.
    assert move(client, police, aid, "acknowledged").status_code == 200
    assert db.session.get(Assignment, aid).reporter_replied_at is None


def test_an_anonymous_reporter_sees_the_question_on_the_tracking_page_only(client, make_user):
    _, coord = make_user("coordinator")
    rid, ref, _ = _routed_to_police(client)
    res = client.post(
        f"/api/v1/reports/{rid}/questions", json={"body": "Hvilken opgang?"}, headers=auth(coord)
    )
    assert res.status_code == 201 and res.json["unit"] is None
    drain()
    assert _reporter_deliveries(rid) == []
    assert client.get(f"/api/v1/track/{ref}").json["reporter"]["question"]["body"] == (
        "Hvilken opgang?"
    )


def test_who_may_ask_and_bad_questions_name_the_field(client, make_user):
    _, ssp = make_user("unit_member", "SSP")
    _, police = make_user("unit_member", "POLICE")
    rid, _, _ = _routed_to_police(client)
    assert (
        client.post(
            f"/api/v1/reports/{rid}/questions", json={"body": "?"}, headers=auth(ssp)
        ).status_code
        == 404
    )  # not theirs to see
    res = client.post(f"/api/v1/reports/{rid}/questions", json={"body": ""}, headers=auth(police))
    assert res.status_code == 422 and "body" in res.json["error"]["fields"]


def test_adding_information_lands_on_the_report_and_is_refused_once_closed(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    rid, ref, aid = _routed_to_police(client)
    res = client.post(f"/api/v1/track/{ref}/info", json={"body": "De kom igen i aftes."})
    assert res.status_code == 201 and res.json["kind"] == "info"
    assert db.session.get(Assignment, aid).reporter_replied_at is not None
    bad = client.post(f"/api/v1/track/{ref}/info", json={"body": ""})
    assert bad.status_code == 422 and "body" in bad.json["error"]["fields"]
    assert client.post("/api/v1/track/MC-AAAA-0000/info", json={"body": "x"}).status_code == 404
    _close(client, police, aid)
    late = client.post(f"/api/v1/track/{ref}/info", json={"body": "En ting mere."})
    assert late.status_code == 409 and late.json["error"]["code"] == "not_open"


def test_reopen_within_the_period_keeps_the_earlier_outcome(client, make_user, monkeypatch):
    _, police = make_user("unit_member", "POLICE")
    rid, ref, aid = _routed_to_police(client, contact={"email": "b@example.org"})
    _close(client, police, aid, "Første udfald.")
    page = client.get(f"/api/v1/track/{ref}").json
    assert page["reporter"]["may_reopen"] is True
    no_reason = client.post(f"/api/v1/track/{ref}/reopen", json={"reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]

    res = client.post(f"/api/v1/track/{ref}/reopen", json={"reason": "Det er startet igen."})
    assert res.status_code == 201, res.json
    report = db.session.get(Report, rid)
    assert report.status == "in_progress" and report.closed_at is None
    assignment = db.session.get(Assignment, aid)
    assert assignment.status == "in_progress" and assignment.reporter_replied_at is not None
    _close(client, police, aid, "Andet udfald.")
    # Both outcomes stay visible to the reporter.
    assert client.get(f"/api/v1/track/{ref}").json["outcomes"] == [
        "Første udfald.",
        "Andet udfald.",
    ]

    # After the municipality's period (data, not code): refused.
    db.session.get(Municipality, report.municipality_id).reopen_days = 3
    db.session.commit()
    later = clock.now() + timedelta(days=4)
    monkeypatch.setattr(clock, "now", lambda: later)
    late = client.post(f"/api/v1/track/{ref}/reopen", json={"reason": "Igen."})
    assert late.status_code == 409 and late.json["error"]["code"] == "not_reopenable"
    assert client.get(f"/api/v1/track/{ref}").json["reporter"]["may_reopen"] is False


def test_a_unit_reopens_its_own_assignment_not_another_units(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    rid, ref, aid = _routed_to_police(client)
    _close(client, police, aid, "Udfald.")
    assert move(client, ssp, aid, "in_progress").status_code == 404
    res = move(client, police, aid, "in_progress")
    assert res.status_code == 200, res.json
    assert db.session.get(Report, rid).status == "in_progress"
    assert client.get(f"/api/v1/track/{ref}").json["outcomes"] == ["Udfald."]


def test_satisfaction_once_after_the_outcome_and_per_unit_in_the_statistics(client, make_user):
    _, police = make_user("unit_member", "POLICE")
    _, coord = make_user("coordinator")
    rid, ref, aid = _routed_to_police(client)
    early = client.post(f"/api/v1/track/{ref}/feedback", json={"satisfied": True})
    assert early.status_code == 409 and early.json["error"]["code"] == "no_feedback"
    _close(client, police, aid)
    assert client.get(f"/api/v1/track/{ref}").json["reporter"]["may_give_feedback"] is True
    wrong = client.post(
        f"/api/v1/track/{ref}/feedback", json={"satisfied": True, "reason": "too_slow"}
    )
    assert wrong.status_code == 422 and "reason" in wrong.json["error"]["fields"]
    res = client.post(
        f"/api/v1/track/{ref}/feedback",
        json={"satisfied": False, "reason": "too_slow", "comment": "Fire uger."},
    )
    assert res.status_code == 201, res.json
    twice = client.post(f"/api/v1/track/{ref}/feedback", json={"satisfied": True})
    assert twice.status_code == 409

    rid2, ref2, aid2 = _routed_to_police(client)
    _close(client, police, aid2)
    assert (
        client.post(f"/api/v1/track/{ref2}/feedback", json={"satisfied": True}).status_code == 201
    )

    stats = client.get("/api/v1/stats/satisfaction?days=30", headers=auth(coord)).json
    (unit,) = stats["units"]
    assert unit == {
        "unit": "POLICE",
        "answers": 2,
        "satisfied": 1,
        "share": 0.5,
        "reasons": {"too_slow": 1},
    }
    detail = client.get(f"/api/v1/reports/{rid}", headers=auth(police)).json
    assert detail["feedback"]["satisfied"] is False and detail["feedback"]["reason"] == "too_slow"


def test_reporter_messages_are_in_the_reporters_language(app, client, make_user):
    """Danish for a Danish reporter, English for an English one, the municipality's language
    for a language the site does not speak; Accept-Language stands in for a missing field."""
    _, coord = make_user("coordinator")
    by_language = {}
    for language, headers in (
        ("da", {}),
        ("en", {}),
        ("xx", {}),
        (None, {"Accept-Language": "en-GB,en;q=0.9"}),
    ):
        body = {"contact": {"email": "r@example.org"}}
        if language:
            body["language"] = language
        rid = submit_report(client, **body) if not headers else _submit_with(client, headers, body)
        drain()
        assert (
            client.post(
                f"/api/v1/reports/{rid}/questions", json={"body": "?"}, headers=auth(coord)
            ).status_code
            == 201
        )
        drain()
        (told,) = _reporter_deliveries(rid)
        by_language[language or "accept"] = (told.subject, _reference(rid))
    assert by_language["da"][0] == f"Et spørgsmål om din melding {by_language['da'][1]}"
    assert by_language["en"][0] == f"A question about your report {by_language['en'][1]}"
    assert by_language["xx"][0].startswith("Et spørgsmål")  # not spoken here: the municipality's
    assert by_language["accept"][0].startswith("A question")


def _submit_with(client, headers: dict, body: dict) -> int:
    from tests.factories import VIOLENCE

    res = client.post("/api/v1/reports", json={**VIOLENCE, **body}, headers=headers)
    assert res.status_code == 201, res.json
    return res.json["id"]


def test_a_merged_reporter_is_told_of_the_merge_in_their_language(client, make_user):
    _, coord = make_user("coordinator")
    original = submit_report(client)
    duplicate = submit_report(client, contact={"email": "d@example.org"}, language="en")
    drain()
    res = client.post(
        f"/api/v1/reports/{duplicate}/transitions",
        json={"status": "merged", "duplicate_of": original},
        headers=auth(coord),
    )
    assert res.status_code == 200
    drain()
    (told,) = _reporter_deliveries(duplicate)
    assert told.subject == f"Your report {_reference(duplicate)} is handled with another"

"""A rejected or merged report keeps no open work, and a merged report's reporter follows the
report it was merged into (issue 16, item 3)."""

from datetime import timedelta

import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import Assignment, Delivery, Report
from meldecentral.services.routing import escalation
from tests.conftest import auth
from tests.factories import drain, move, route, submit_report


def transition(client, token, report_id, **body):
    res = client.post(f"/api/v1/reports/{report_id}/transitions", json=body, headers=auth(token))
    assert res.status_code == 200, res.json
    return res.json


def test_rejecting_closes_open_assignments_with_history_and_no_escalation(
    client, make_user, monkeypatch
):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    rid = submit_report(client, contact={"email": "beboer@example.org"})
    ids = route(client, coord, rid, ["POLICE", "SSP"])
    drain()
    transition(client, coord, rid, status="rejected", reason="Internt: kendt chikane.")
    before = db.session.scalar(sa.select(sa.func.count(Delivery.id)))
    drain()

    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.report_id == rid).order_by(Assignment.id)
    ).all()
    assert [a.status for a in assignments] == ["closed", "closed"]
    assert all(a.closed_at and "afvist" in a.outcome for a in assignments)
    assert all("Internt" not in a.outcome for a in assignments)  # the reason stays internal
    report = db.session.get(Report, rid)
    assert report.status == "rejected" and report.next_deadline is None
    # No reporter update and no alert for a closing that is not a unit's outcome.
    assert db.session.scalar(sa.select(sa.func.count(Delivery.id))) == before

    detail = client.get(f"/api/v1/reports/{rid}", headers=auth(coord)).json
    closed = [h for h in detail["history"] if h["action"] == "assignment_status" and h["to_status"]]
    assert {(h["assignment_id"], h["from_status"], h["to_status"]) for h in closed} == {
        (ids["POLICE"], "routed", "closed"),
        (ids["SSP"], "routed", "closed"),
    }
    # Not reopened while the report stays rejected.
    res = move(client, coord, ids["POLICE"], "in_progress")
    assert res.status_code == 409, res.json
    # The unit's inbox no longer lists it; long after the deadline nothing escalates.
    inbox = client.get("/api/v1/inbox", headers=auth(police)).json
    assert rid not in [item["report"]["id"] for item in inbox["items"]]
    later = clock.now() + timedelta(days=30)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert escalation.escalate_overdue() == []


def test_merged_reporters_are_told_and_see_the_originals_updates_and_outcome(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    original = submit_report(client, contact={"email": "a@example.org"})
    duplicate = submit_report(client, contact={"email": "b@example.org"})
    silent = submit_report(client, contact={"email": "c@example.org", "wants_updates": False})
    drain()  # both routed to the police by the rules
    for rid in (duplicate, silent):
        transition(client, coord, rid, status="merged", duplicate_of=original)
    drain()
    dup = db.session.get(Report, duplicate)
    assert [a.status for a in dup.assignments] == ["closed"]
    orig = db.session.get(Report, original)
    assert f"merged into {orig.reference}" in dup.assignments[0].outcome

    (assignment,) = orig.assignments
    note = client.post(
        f"/api/v1/reports/{original}/notes",
        json={"body": "Vi har talt med stationen.", "visibility": "public"},
        headers=auth(police),
    )
    assert note.status_code == 201
    client.post(
        f"/api/v1/reports/{original}/notes",
        json={"body": "Internt: kendt sted.", "visibility": "internal"},
        headers=auth(police),
    )
    assert move(client, police, assignment.id, "acknowledged").status_code == 200
    assert move(client, police, assignment.id, "closed", "Patruljer om aftenen.").status_code == 200
    drain()

    told = db.session.execute(
        sa.select(Delivery.report_id, Delivery.dedupe_key).where(Delivery.audience == "reporter")
    ).all()
    by_report = {}
    for report_id, key in told:
        by_report.setdefault(report_id, []).append(key)
    # The original's reporter and the duplicate's, once per update and outcome, the duplicate's
    # also of the merge itself (issue 19); not the one who asked for no updates.
    assert len(by_report[original]) == 2 and len(by_report[duplicate]) == 3
    assert "reporter:merged" in by_report[duplicate]
    assert silent not in by_report
    assert len(set(by_report[original]) | set(by_report[duplicate])) == 5

    track = client.get(f"/api/v1/track/{dup.reference}").json
    assert track["status"] == "merged"
    assert [u["body"] for u in track["updates"]] == ["Vi har talt med stationen."]
    assert "Patruljer om aftenen." in track["outcomes"]
    assert "Internt" not in str(track)
    page = client.get(f"/track/{dup.reference}")
    assert "Patruljer om aftenen." in page.text and "Vi har talt med stationen." in page.text

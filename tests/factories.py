"""Set-up shared by the integration tests, through the same API and services the tests check:
a report submitted, routed to units and moved along, the outbox handled as a worker would, a
staff member signed in to the pages. All in the current app context (the ``app`` fixture's).

Staff users and tokens come from ``tests.conftest.create_staff`` (the ``make_user`` fixture).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import OutboxEvent, Report
from tests.conftest import NORREBRO, auth, create_staff
from tests.webutil import csrf, page_client, sign_in, with_totp
from workers.handlers import handle

# Violence in Nørrebro: high urgency, routed to the police by the demo's rules.
VIOLENCE = {"category": "VOLD", "text": "Overfald ved stationen i går.", **NORREBRO}


def submit_report(client, token: str | None = None, **fields) -> int:
    """A report through the API (``VIOLENCE`` but for ``fields``); its id. Asserts the 201.
    The text names an assault: under another category a resident confirms that nobody is in
    danger right now, as the 112 guard asks."""
    body = {**VIOLENCE, **fields}
    if token is None and body["category"] != VIOLENCE["category"]:
        body.setdefault("confirm_not_emergency", True)
    res = client.post("/api/v1/reports", json=body, headers=auth(token))
    assert res.status_code == 201, res.json
    return res.json["id"]


def route(client, token: str, report_id: int, units: list[str], reason: str | None = "test"):
    """A coordinator assigns ``units`` (no reason sent when ``reason`` is None); the new
    assignments' ids by unit code. Asserts the 201."""
    body = {"units": units} | ({"reason": reason} if reason is not None else {})
    res = client.post(f"/api/v1/reports/{report_id}/assignments", json=body, headers=auth(token))
    assert res.status_code == 201, res.json
    return {a["unit"]: a["id"] for a in res.json["assignments"]}


def move(client, token: str, assignment_id: int, status: str, outcome: str | None = None):
    """A unit moves its assignment to ``status`` (with an outcome when closing); the response."""
    body = {"status": status} | ({"outcome": outcome} if outcome else {})
    return client.post(
        f"/api/v1/assignments/{assignment_id}/transitions", json=body, headers=auth(token)
    )


def drain() -> list[int]:
    """Handle every unhandled outbox event, in id order and until none is left, as the worker
    would (routing, notifications planned); the ids of the deliveries planned."""
    out = []
    while True:
        ids = db.session.scalars(
            sa.select(OutboxEvent.id).where(OutboxEvent.handled_at.is_(None)).order_by("id")
        ).all()
        if not ids:
            return out
        for event_id in ids:
            out += handle(event_id)


def signed_in(app, role: str, unit: str | None = None):
    """A new staff member signed in through the pages (with an authenticator app where the role
    needs one: coordinators, admins, the police); (page client, user)."""
    user, _ = create_staff(role, unit)
    if role in ("coordinator", "admin") or unit == "POLICE":
        with_totp(user)
    client = page_client(app)
    assert sign_in(client, user).status_code == 302
    return client, user


def file_report(client, **over) -> Report:
    """A report through the staff form's JSON endpoint (a signed-in page client), each with an
    Idempotency-Key of its own unless ``key`` is given. Asserts the 201."""
    key = over.pop("key", None) or uuid.uuid4().hex
    body = {"category": "HAERVAERK", "text": "Knuste ruder i opgangen.", **NORREBRO, **over}
    res = client.post(
        "/staff/api/reports",
        json=body,
        headers={"X-CSRFToken": csrf(client, "/staff/report"), "Idempotency-Key": key},
    )
    assert res.status_code == 201, res.json
    return db.session.get(Report, res.json["id"])


def insert_reports(municipality_id, moment, district, category, n, kind=None, status="resolved"):
    """``n`` reports created at ``moment``, set-wise (no history, no events): counting tests'
    raw material, where thousands through the services would cost minutes."""
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Report)) or 0
    db.session.execute(
        sa.insert(Report),
        [
            {
                "municipality_id": municipality_id,
                "reference": f"T-{start + i:06d}",
                "kind": kind or category.kind,
                "category_id": category.id,
                "text": "Testmelding",
                "district_id": district.id if district else None,
                "urgency": "normal",
                "status": status,
                "source": "staff",
                "created_at": moment,
                "updated_at": moment,
            }
            for i in range(n)
        ],
    )
    db.session.commit()

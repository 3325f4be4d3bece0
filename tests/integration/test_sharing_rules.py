"""Sharing rules (docs/security.md): the reporter's contact only for the units whose rule or a
coordinator gave it to them; an internal note for its author's unit or every unit on the
report, as chosen when writing. The matrix of every reader is in test_permissions.py."""

import pytest
import sqlalchemy as sa

from meldecentral.domain.routing import RuleError, decide, parse_rules
from meldecentral.extensions import db
from meldecentral.models import Assignment, Note, ReportEvent, Unit
from tests.conftest import auth
from tests.factories import drain, route, submit_report
from tests.webutil import csrf, page_client, sign_in, with_totp

CONTACT = {"contact": {"email": "reporter@example.org", "phone": "+4512345678"}}


def _contact(client, token, report_id):
    res = client.get(f"/api/v1/reports/{report_id}", headers=auth(token))
    assert res.status_code == 200
    return res.json.get("contact")


def _assignments(report_id) -> dict[str, Assignment]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Unit.code, Assignment).join(Unit).where(Assignment.report_id == report_id)
    ).all()
    return {code: a for code, a in rows}


def test_a_rule_names_the_units_that_get_the_contact(client, make_user):
    """VAABEN goes to POLICE and SSP; its rule gives the contact to POLICE only."""
    _, police = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    rid = submit_report(client, category="VAABEN", **CONTACT)
    drain()
    got = {code: a.contact_shared for code, a in _assignments(rid).items()}
    assert got == {"POLICE": True, "SSP": False}
    assert _contact(client, police, rid)["email"] == "reporter@example.org"
    assert _contact(client, ssp, rid) is None
    history = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == rid, ReportEvent.action == "assigned")
    ).all()
    assert {e.data["unit"]: e.data["contact"] for e in history} == {"POLICE": True, "SSP": False}


def test_contact_units_must_be_units_of_the_rule():
    with pytest.raises(RuleError) as err:
        parse_rules(
            [{"id": 1, "name": "x", "order": 1, "units": ["POLICE"], "contact_units": ["SSP"]}]
        )
    assert err.value.field == "contact_units"


def test_decide_gathers_the_contact_units_of_every_rule_that_matched():
    from datetime import UTC, datetime

    from meldecentral.domain.routing import ReportFacts

    rules = parse_rules(
        [
            {"id": 1, "name": "a", "order": 1, "units": ["COORD"], "stop": False},
            {"id": 2, "name": "b", "order": 2, "units": ["POLICE", "SSP"],
             "contact_units": ["SSP"]},
        ]
    )  # fmt: skip
    facts = ReportFacts("VOLD", 3, None, None, False, False, False, None, "high", "crime",
                        datetime(2026, 12, 7, tzinfo=UTC))  # fmt: skip
    decision = decide(rules, facts)
    assert decision.units == ("COORD", "POLICE", "SSP")
    assert decision.contact_units == ("SSP",)


def test_a_coordinator_routing_by_hand_chooses_who_gets_the_contact(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    rid = submit_report(client, category="NABO", text="Larm hver nat.", **CONTACT)
    res = client.post(
        f"/api/v1/reports/{rid}/assignments",
        json={"units": ["POLICE", "SSP"], "contact_units": ["SSP"]},
        headers=auth(coord),
    )
    assert res.status_code == 201, res.json
    assert {a["unit"]: a["contact_shared"] for a in res.json["assignments"]} == {
        "POLICE": False,
        "SSP": True,
    }
    assert _contact(client, police, rid) is None
    assert _contact(client, ssp, rid)["phone"] == "+4512345678"


def test_contact_for_a_unit_not_routed_to_is_refused(client, make_user):
    _, coord = make_user("coordinator")
    rid = submit_report(client, category="NABO", text="Larm hver nat.")
    res = client.post(
        f"/api/v1/reports/{rid}/assignments",
        json={"units": ["POLICE"], "contact_units": ["SSP"]},
        headers=auth(coord),
    )
    assert res.status_code == 422
    assert "contact_units" in res.json["error"]["fields"]
    assert _assignments(rid) == {}  # nothing routed


def test_a_coordinator_gives_and_takes_back_the_contact(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    rid = submit_report(client, category="NABO", text="Larm hver nat.", **CONTACT)
    ids = route(client, coord, rid, ["POLICE"])
    assert _contact(client, police, rid) is None
    url = f"/api/v1/assignments/{ids['POLICE']}/contact"
    # the unit itself may not take it
    assert client.post(url, json={"shared": True}, headers=auth(police)).status_code == 403
    res = client.post(url, json={"shared": True}, headers=auth(coord))
    assert res.status_code == 200 and res.json["contact_shared"] is True
    assert _contact(client, police, rid)["email"] == "reporter@example.org"
    assert client.post(url, json={"shared": False}, headers=auth(coord)).status_code == 200
    assert _contact(client, police, rid) is None
    actions = db.session.scalars(
        sa.select(ReportEvent.action).where(ReportEvent.report_id == rid).order_by(ReportEvent.id)
    ).all()
    assert actions[-2:] == ["contact_shared", "contact_unshared"]
    bad = client.post(url, json={"shared": "maybe"}, headers=auth(coord))
    assert bad.status_code == 422 and "shared" in bad.json["error"]["fields"]


def test_a_note_is_kept_to_the_authors_unit_unless_shared(client, make_user):
    _, coord = make_user("coordinator")
    _, police = make_user("unit_member", "POLICE")
    _, ssp = make_user("unit_member", "SSP")
    rid = submit_report(client, category="NABO", text="Larm hver nat.")
    route(client, coord, rid, ["POLICE", "SSP"])
    url = f"/api/v1/reports/{rid}/notes"
    kept = client.post(url, json={"body": "kept", "visibility": "internal"}, headers=auth(police))
    assert kept.status_code == 201 and kept.json["shared_with"] == "own_unit"
    shared = {"body": "shared", "visibility": "internal", "shared_with": "all_units"}
    assert client.post(url, json=shared, headers=auth(police)).status_code == 201
    bad = {"body": "x", "visibility": "internal", "shared_with": "everyone"}
    res = client.post(url, json=bad, headers=auth(police))
    assert res.status_code == 422 and "shared_with" in res.json["error"]["fields"]

    def bodies(token):
        res = client.get(f"/api/v1/reports/{rid}", headers=auth(token))
        return sorted(n["body"] for n in res.json["notes"])

    assert bodies(police) == ["kept", "shared"]
    assert bodies(ssp) == ["shared"]
    assert bodies(coord) == ["kept", "shared"]
    note = db.session.scalars(sa.select(Note).where(Note.body == "kept")).one()
    assert note.author_unit_id is not None


def test_the_report_page_offers_the_choice_and_keeps_the_note_to_the_unit(app, client, make_user):
    _, coord = make_user("coordinator")
    rid = submit_report(client, category="NABO", text="Larm hver nat.")
    route(client, coord, rid, ["POLICE", "SSP"])
    police_user, _ = make_user("unit_member", "POLICE")
    with_totp(police_user)
    pages = page_client(app)
    assert sign_in(pages, police_user).status_code == 302
    page = pages.get(f"/staff/reports/{rid}").get_data(as_text=True)
    assert 'value="own_unit"' in page and 'value="all_units"' in page
    token = csrf(pages, f"/staff/reports/{rid}")
    res = pages.post(
        f"/staff/reports/{rid}/notes",
        data={
            "note-csrf_token": token,
            "note-body": "Kun politiet.",
            "note-visibility": "own_unit",
        },
    )
    assert res.status_code == 302
    note = db.session.scalars(sa.select(Note).where(Note.body == "Kun politiet.")).one()
    assert (note.visibility, note.shared_with) == ("internal", "own_unit")
    _, ssp = make_user("unit_member", "SSP")
    notes = client.get(f"/api/v1/reports/{rid}", headers=auth(ssp)).json["notes"]
    assert "Kun politiet." not in [n["body"] for n in notes]


def test_a_coordinator_gives_the_contact_on_the_report_page(app, client, make_user):
    from tests.factories import signed_in

    _, coord_token = make_user("coordinator")
    rid = submit_report(client, category="NABO", text="Larm hver nat.", **CONTACT)
    ids = route(client, coord_token, rid, ["SSP"])
    pages, _ = signed_in(app, "coordinator")
    page = pages.get(f"/staff/reports/{rid}").get_data(as_text=True)
    assert 'data-contact="not-shared"' in page
    token = csrf(pages, f"/staff/reports/{rid}")
    res = pages.post(
        f"/staff/assignments/{ids['SSP']}/contact",
        data={"csrf_token": token, "shared": "1", "report_id": rid},
    )
    assert res.status_code == 302
    assert _assignments(rid)["SSP"].contact_shared is True
    assert 'data-contact="shared"' in pages.get(f"/staff/reports/{rid}").get_data(as_text=True)
    # without the CSRF token: refused, nothing changed
    res = pages.post(
        f"/staff/assignments/{ids['SSP']}/contact", data={"shared": "0", "report_id": rid}
    )
    assert _assignments(rid)["SSP"].contact_shared is True

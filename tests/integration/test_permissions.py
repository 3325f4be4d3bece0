"""The permission matrix (ASVS V4.1.3, V4.2.1): every role against every endpoint, generated
from one table. The test walks ``app.url_map`` and fails when a rule (API or page) has no row
here, so a new endpoint cannot ship without a decision about who may call it.

Each case runs on a world that no earlier case has changed: a street worker's report (with a
photo) routed to the police, and an undelivered notification. A new world is built after every
case that wrote anything to the database (its request, or what the row made before it); a case
that only read leaves the world as it found it, and the next case gets the same one (``Worlds``).
Statuses say what each role gets: 404 where the report does not exist for them (need-to-know),
403 where they see it but their role may not act, 401 without a token.

The HTML pages (rows made with ``Page``) are requested with the role's session cookie, signed
in through the real /login form (and its TOTP step), never with a token. Their POSTs carry a
valid CSRF token and the least form data that is valid, so that the status says whether the
role may, not whether the form was filled in (``test_web_*`` cover a missing token and bad
data). ``LOGIN`` is a redirect to the sign-in page, what a staff page answers the signed out;
a plain 302 is any other redirect (after a successful POST, or to the role's home page).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from meldecentral import clock
from meldecentral.domain.routing import rule_to_dict
from meldecentral.extensions import db
from meldecentral.models import (
    Assignment,
    Category,
    Delivery,
    DetectedHotspot,
    InAppNotification,
    Report,
    Unit,
)
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.facts import publish
from meldecentral.services.facts import read as facts_read
from meldecentral.services.hotspots import areas
from meldecentral.services.reports import attachments, conversation, submit, transitions
from meldecentral.services.routing import assign, route
from meldecentral.services.staff import signin
from tests.conftest import NORREBRO, auth, create_staff
from tests.database import reset
from tests.webutil import PASSWORD, PageClient, csrf, page_client, sign_in, with_totp

ROLES = (
    "anonymous",
    "street_worker",  # the report's author
    "other_street_worker",
    "coordinator",
    "unit_member",  # of the unit the report is routed to (POLICE)
    "other_unit_member",  # of another unit (SSP)
    "admin",
)
USERS = {
    "street_worker": ("street_worker", None),
    "other_street_worker": ("street_worker", None),
    "coordinator": ("coordinator", None),
    "unit_member": ("unit_member", "POLICE"),
    "other_unit_member": ("unit_member", "SSP"),
    "admin": ("admin", None),
}


@dataclass
class World:
    report_id: int
    reference: str
    assignment_id: int
    attachment_id: int
    delivery_id: int
    rules: list
    category_id: int  # the report's
    unit_id: int  # COORD: in-app only, so an administrator can save it unchanged
    notification_id: int  # in-app, for the report's unit (POLICE)
    author_id: int = 0  # the street worker who wrote the report
    municipality_id: int = 0  # the report's
    hotspot_id: int = 0  # its chief: the unit member (POLICE)
    chief_id: int = 0
    detection_id: int = 0


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "JPEG")
    return buf.getvalue()


def build_world(users: dict) -> World:
    author = Actor.for_user(users["street_worker"])
    stored = submit.submit_report(
        author, {"category": "HAERVAERK", "text": "Knust rude.", **NORREBRO}
    ).report
    report = db.session.get(Report, stored.id)
    (assignment,) = assign.assign_units(SYSTEM, report.id, ["POLICE"], reason="matrix")
    photo = attachments.store_attachment(
        author, report.id, FileStorage(io.BytesIO(jpeg()), "a.jpg")
    )
    delivery = Delivery(
        dedupe_key=f"matrix:{report.id}",
        report_id=report.id,
        audience="unit",
        channel="email",
        subject="s",
        body="b",
        payload={},
        status="dead",
    )
    db.session.add(delivery)
    notification = InAppNotification(
        unit_id=assignment.unit_id, report_id=report.id, subject="s", kind="assignment.routed"
    )
    db.session.add(notification)
    db.session.commit()
    rules = [rule_to_dict(r) for r in route.load_rules(report.municipality_id)]
    unit_id = db.session.scalar(
        sa.select(Unit.id).filter_by(municipality_id=report.municipality_id, code="COORD")
    )
    return World(
        report.id,
        report.reference,
        assignment.id,
        photo.id,
        delivery.id,
        rules,
        report.category_id,
        unit_id,
        notification.id,
        author.user_id,
        report.municipality_id,
        *_hotspot(users),
    )


HOTSPOT_AREA = {
    "type": "Polygon",
    "coordinates": [[[12.54, 55.69], [12.55, 55.69], [12.55, 55.70], [12.54, 55.69]]],
}


def _hotspot(users: dict) -> tuple[int, int, int]:
    """A hotspot whose chief is the unit member, and a detection (new)."""
    chief = users["unit_member"]
    today = areas.today()
    hid = areas.create_hotspot(
        Actor.for_user(users["coordinator"]),
        areas.NewHotspot("Matrix", HOTSPOT_AREA, today, today + timedelta(days=7), chief.id),
    )
    now = clock.now()
    detection = DetectedHotspot(
        municipality_id=chief.municipality_id,
        centre_cell="881f05a4a1fffff",
        radius=0,
        cells=["881f05a4a1fffff"],
        resolution=8,
        window_start=now - timedelta(weeks=8),
        window_end=now,
        baseline_weeks=52,
        observed=20,
        expected=5.0,
        statistic=12.0,
        p_value=0.001,
        alpha=0.01,
        replicas=999,
        status="new",
    )
    db.session.add(detection)
    db.session.commit()
    return hid, chief.id, detection.id


def hotspot_form(w: World) -> dict:
    today = areas.today()
    return {
        "name": "Ny hotspot",
        "area": json.dumps(HOTSPOT_AREA),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "chief": str(w.chief_id),
    }


Request = Callable[[World], tuple[str, dict]]


def json_(path: str, body: Callable[[World], dict] | dict | None = None) -> Request:
    def make(w: World):
        data = body(w) if callable(body) else body
        return path.format(w=w), ({"json": data} if data is not None else {})

    return make


def from_outside(path: str) -> Request:
    return lambda w: (path, {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}})


def spare_token(w: World) -> int:
    """A new token of the report's author each time, so revoking it leaves the role's own."""
    from meldecentral.models import ApiToken, User
    from meldecentral.services.staff import users as staff_users

    staff_users.create_token(db.session.get(User, w.author_id), "matrix spare")
    return db.session.scalar(sa.select(sa.func.max(ApiToken.id)).filter_by(user_id=w.author_id))


def revoke_spare_token(w: World):
    return f"/api/v1/tokens/{spare_token(w)}", {}


def admin_revoke_spare_token(w: World) -> str:
    return f"/admin/users/{w.author_id}/tokens/{spare_token(w)}/revoke"


def photo_upload(w: World):
    return f"/api/v1/reports/{w.report_id}/attachments", {
        "data": {"file": (io.BytesIO(jpeg()), "b.jpg")},
        "content_type": "multipart/form-data",
    }


def police_view(w: World) -> int:
    """A saved inbox view of the police's unit member (the newest), shared with the police."""
    from meldecentral.models import SavedView, User
    from meldecentral.services.worklists import views

    member = db.session.scalar(
        sa.select(User)
        .join(Unit, User.unit_id == Unit.id)
        .where(User.role == "unit_member", Unit.code == "POLICE")
        .order_by(User.id.desc())
    )
    name = f"matrix {w.report_id}"
    # (the same world asked twice, as test_municipalities.py does: the view made the first time)
    made = db.session.scalar(sa.select(SavedView.id).filter_by(owner_user_id=member.id, name=name))
    if made is not None:
        return made
    return views.create_view(Actor.for_user(member), name=name, filters={}, shared=True).id


def on_police_view(suffix: str = "", body: dict | None = None) -> Request:
    return lambda w: (f"/api/v1/views/{police_view(w)}{suffix}", {"json": body} if body else {})


def police_view_page(action: str) -> Callable[[World], str]:
    return lambda w: f"/staff/views/{police_view(w)}/{action}"


def open311_post(w: World):
    """A service request from a client application with a new key (the role's token, sent
    too, counts for nothing: Open311 knows applications, not staff)."""
    from meldecentral.services.open311 import clients

    report = db.session.get(Report, w.report_id)
    _, key = clients.issue_key(None, "matrix app", municipality_id=report.municipality_id)
    form = {"api_key": key, "service_code": "NABO", "description": "Larm om natten."}
    form |= {"lat": str(NORREBRO["lat"]), "long": str(NORREBRO["lon"])}
    return "/open311/v2/requests.xml", {"data": form}


def admin_revoke_open311(w: World) -> str:
    """A new client application each time, so revoking it leaves nothing behind."""
    from meldecentral.services.open311 import clients

    report = db.session.get(Report, w.report_id)
    client, _ = clients.issue_key(None, "matrix spare", municipality_id=report.municipality_id)
    return f"/admin/open311/{client.id}/revoke"


# The reporter's side of the conversation (issue 19) needs a question, or a resolved report.
def _centre(w: World) -> Actor:
    report = db.session.get(Report, w.report_id)
    return Actor(role="coordinator", municipality_id=report.municipality_id)


def asked(w: World) -> dict:
    conversation.ask(_centre(w), w.report_id, "Hvilken opgang?")
    return {"body": "Gården."}


def resolved(w: World) -> None:
    # (idempotent: the isolation matrix of test_municipalities shares one world across cases)
    if db.session.get(Assignment, w.assignment_id).status != "closed":
        transitions.transition_assignment(_centre(w), w.assignment_id, "closed", outcome="Set.")


def reporter_json(action: str, body: dict, before=None) -> Request:
    def make(w: World):
        data = before(w) if before else None
        return f"/api/v1/track/{w.reference}/{action}", {"json": data or body}

    return make


def reporter_page(action: str, before=None) -> Callable[[World], str]:
    def path(w: World) -> str:
        if before:
            before(w)
        return f"/track/{w.reference}/{action}"

    return path


REPORT_BODY = {"category": "NABO", "text": "Larm om natten.", **NORREBRO}

# A browser's Web Push subscription, as PushSubscription.toJSON() gives it.
PUSH_SUBSCRIPTION = {
    "endpoint": "https://push.example.org/send/matrix",
    "keys": {"p256dh": "B" + "A" * 86, "auth": "c2VjcmV0LWF1dGg"},
}
LOGIN = "302 to /login"  # a page's answer to the signed out: go and sign in

Body = dict | Callable[[World], dict] | None


@dataclass(frozen=True)
class Page:
    """A request to an HTML page, made with the role's session cookie. ``form`` is POSTed with
    a valid CSRF token in the field ``csrf`` (a form with a prefix has its own, e.g.
    "note-csrf_token"); ``json`` is POSTed with the token in X-CSRFToken, as the page's script
    does; ``session`` is put in the session first. ``path`` is formatted with the world, or is
    a function of it."""

    path: str | Callable[[World], str]
    form: Body = None
    csrf: str = "csrf_token"
    json: Body = None
    headers: Body = None
    session: Body = None

    def request(self, w: World, token: str) -> tuple[str, dict]:
        path = self.path(w) if callable(self.path) else self.path.format(w=w)
        kwargs: dict = {"headers": {**(_value(self.headers, w) or {})}}
        if self.form is not None:
            kwargs["data"] = {**_value(self.form, w), self.csrf: token}
        if self.json is not None:
            kwargs["json"] = _value(self.json, w)
            kwargs["headers"]["X-CSRFToken"] = token
        return path, kwargs


def _value(body: Body, w: World):
    return body(w) if callable(body) else body


def spare_user():
    """A street worker of no report, for the pages that act on a user (sign-in, unlock)."""
    user, _ = create_staff("street_worker")
    return user


def category_form(w: World) -> dict:
    """The report's category as it is: saved unchanged."""
    c = db.session.get(Category, w.category_id)
    flags = {"emergency_when_now": c.emergency_when_now, "active": c.active}
    return {
        "label_da": c.label_da,
        "label_en": c.label_en,
        "kind": c.kind,
        "default_urgency": c.default_urgency,
        **{name: "y" for name, on in flags.items() if on},
    }


def unit_form(w: World) -> dict:
    """The COORD unit as it is: saved unchanged."""
    u = db.session.get(Unit, w.unit_id)
    channels = u.channels or {}
    return {
        "name": u.name,
        "email": u.email or "",
        "sms_number": u.sms_number or "",
        "webhook_url": u.webhook_url or "",
        **({"active": "y"} if u.active else {}),
        **{
            f"channels_{urgency}": channels.get(urgency, [])
            for urgency in ("high", "normal", "low")
        },
    }


def new_user(w: World) -> dict:
    return {
        "email": f"matrix{w.report_id}@test.example",
        "name": "Ny bruger",
        "role": "street_worker",
        "unit": "",
        "password": PASSWORD,
    }


def sign_in_form(w: World) -> dict:
    return {"email": spare_user().email, "password": PASSWORD}


STAFF_REPORT = {"category": "NABO", "text": "Larm om natten.", "district": "3"}


def published(path: str) -> Callable[[World], str]:
    """The path, once the public figures have been published (once per test: a world does not
    reset the database)."""

    def make(w: World) -> str:
        municipality_id = db.session.get(Report, w.report_id).municipality_id
        if facts_read.facts(municipality_id) is None:
            publish.publish_municipality(municipality_id)
        return path

    return make


def survey_file(w: World) -> dict:
    csv = b"district,year,safe_neighbourhood,safe_evening\n3,2026,85,70\n"
    return {"file": (io.BytesIO(csv), "survey.csv")}


def districts_file(w: World) -> dict:
    """One small district, number 99 (created, then updated by the next role that may)."""
    square = [[[12.50, 55.60], [12.51, 55.60], [12.51, 55.61], [12.50, 55.61], [12.50, 55.60]]]
    feature = {
        "type": "Feature",
        "properties": {"number": 99, "name": "Matrixby"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    return {"file": (io.BytesIO(data), "districts.geojson")}


# fmt: off
# (method, rule): (request, expected status per role in ROLES order; LOGIN: to the sign-in page)
#                                                  anon  sw   sw2  coord unit unit2 admin
MATRIX: dict[tuple[str, str], tuple[Request | Page, tuple[int | str, ...]]] = {
    ("GET", "/api/v1/categories"): (json_("/api/v1/categories"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/districts"): (json_("/api/v1/districts"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/openapi.json"): (json_("/api/v1/openapi.json"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/docs"): (json_("/api/v1/docs"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/public/facts"): (lambda w: (published("/api/v1/public/facts")(w), {}),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/public/facts/<int:district_id>"): (
        lambda w: (published("/api/v1/public/facts/3")(w), {}),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/reports"): (json_("/api/v1/reports", REPORT_BODY),
                                                    (201, 201, 201, 201, 201, 201, 201)),
    ("GET", "/api/v1/reports"): (json_("/api/v1/reports"),
                                                    (401, 200, 200, 200, 200, 200, 200)),
    # exports of the report list: each role its own rows; administrators see no reports
    ("GET", "/api/v1/reports/export.csv"): (json_("/api/v1/reports/export.csv"),
                                                    (401, 200, 200, 200, 200, 200, 403)),
    ("GET", "/api/v1/reports/export.xlsx"): (json_("/api/v1/reports/export.xlsx"),
                                                    (401, 200, 200, 200, 200, 200, 403)),
    ("GET", "/api/v1/track/<reference>"): (json_("/api/v1/track/{w.reference}"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    # Open311 GeoReport v2: public reads; POST with a client application's api_key
    ("GET", "/open311/v2/discovery.<any(xml, json):fmt>"): (json_("/open311/v2/discovery.xml"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open311/v2/services.<any(xml, json):fmt>"): (json_("/open311/v2/services.json"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open311/v2/services/<service_code>.<any(xml, json):fmt>"): (
        json_("/open311/v2/services/NABO.xml"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/open311/v2/requests.<any(xml, json):fmt>"): (open311_post,
                                                    (201, 201, 201, 201, 201, 201, 201)),
    ("GET", "/open311/v2/requests.<any(xml, json):fmt>"): (json_("/open311/v2/requests.json"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open311/v2/requests/<int:service_request_id>.<any(xml, json):fmt>"): (
        json_("/open311/v2/requests/{w.report_id}.xml"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open311/v2/tokens/<token>.<any(xml, json):fmt>"): (
        json_("/open311/v2/tokens/{w.reference}.json"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open311/v2/servicerequestupdates.<any(xml, json):fmt>"): (
        json_("/open311/v2/servicerequestupdates.xml"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/reports/<int:report_id>"): (json_("/api/v1/reports/{w.report_id}"),
                                                    (401, 200, 404, 200, 200, 404, 404)),
    ("PATCH", "/api/v1/reports/<int:report_id>"): (
        json_("/api/v1/reports/{w.report_id}", {"category": "NABO"}),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("POST", "/api/v1/reports/<int:report_id>/transitions"): (
        json_("/api/v1/reports/{w.report_id}/transitions", {"status": "rejected", "reason": "x"}),
                                                    (401, 403, 404, 200, 403, 404, 404)),
    ("POST", "/api/v1/reports/<int:report_id>/assignments"): (
        json_("/api/v1/reports/{w.report_id}/assignments", {"units": ["SSP"]}),
                                                    (401, 403, 403, 201, 403, 403, 403)),
    ("POST", "/api/v1/reports/<int:report_id>/notes"): (
        json_("/api/v1/reports/{w.report_id}/notes", {"body": "x", "visibility": "internal"}),
                                                    (401, 201, 404, 201, 201, 404, 404)),
    ("POST", "/api/v1/reports/<int:report_id>/attachments"): (photo_upload,
                                                    (401, 201, 404, 201, 201, 404, 404)),
    ("GET", "/api/v1/attachments/<int:attachment_id>"): (
        json_("/api/v1/attachments/{w.attachment_id}"),
                                                    (401, 200, 404, 200, 200, 404, 404)),
    ("POST", "/api/v1/reports/bulk"): (
        json_("/api/v1/reports/bulk",
              lambda w: {"action": "route", "reports": [w.report_id], "units": ["SSP"]}),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("POST", "/api/v1/assignments/<int:assignment_id>/contact"): (
        json_("/api/v1/assignments/{w.assignment_id}/contact", {"shared": True}),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("POST", "/api/v1/assignments/<int:assignment_id>/transitions"): (
        json_("/api/v1/assignments/{w.assignment_id}/transitions", {"status": "acknowledged"}),
                                                    (401, 403, 404, 200, 200, 404, 404)),
    ("GET", "/api/v1/routing/rules"): (json_("/api/v1/routing/rules"),
                                                    (401, 403, 403, 403, 403, 403, 200)),
    ("PUT", "/api/v1/routing/rules"): (
        json_("/api/v1/routing/rules", lambda w: {"rules": w.rules}),
                                                    (401, 403, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/access-log"): (json_("/api/v1/access-log?reference={w.reference}"),
                                                    (401, 403, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/deliveries/dead"): (json_("/api/v1/deliveries/dead"),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("GET", "/api/v1/deliveries/waiting"): (json_("/api/v1/deliveries/waiting"),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("POST", "/api/v1/deliveries/<int:delivery_id>/resend"): (
        json_("/api/v1/deliveries/{w.delivery_id}/resend"),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("GET", "/api/v1/triage"): (json_("/api/v1/triage"),
                                                    (401, 403, 403, 200, 403, 403, 403)),
    ("GET", "/api/v1/inbox"): (json_("/api/v1/inbox"),
                                                    (401, 403, 403, 403, 200, 200, 403)),
    ("GET", "/api/v1/stats/districts"): (json_("/api/v1/stats/districts?days=30"),
                                                    (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/stats/satisfaction"): (json_("/api/v1/stats/satisfaction?days=30"),
                                                    (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/stats/periods"): (json_("/api/v1/stats/periods?unit=week"),
                                                    (401, 200, 200, 200, 200, 200, 200)),
    # The conversation with the reporter: staff ask; the reporter holds the reference.
    ("POST", "/api/v1/reports/<int:report_id>/questions"): (
        json_("/api/v1/reports/{w.report_id}/questions", {"body": "Hvilken opgang?"}),
                                                    (401, 403, 404, 201, 201, 404, 404)),
    ("POST", "/api/v1/track/<reference>/answers"): (reporter_json("answers", {}, asked),
                                                    (201, 201, 201, 201, 201, 201, 201)),
    ("POST", "/api/v1/track/<reference>/info"): (reporter_json("info", {"body": "Mere."}),
                                                    (201, 201, 201, 201, 201, 201, 201)),
    ("POST", "/api/v1/track/<reference>/reopen"): (
        reporter_json("reopen", {"reason": "Igen."}, resolved),
                                                    (201, 201, 201, 201, 201, 201, 201)),
    ("POST", "/api/v1/track/<reference>/feedback"): (
        reporter_json("feedback", {"satisfied": True}, resolved),
                                                    (201, 201, 201, 201, 201, 201, 201)),
    # the dashboard's figures: aggregates, no report; coordinators and administrators
    ("GET", "/api/v1/dashboard"): (json_("/api/v1/dashboard"),
                                                    (401, 403, 403, 200, 403, 403, 200)),
    ("GET", "/api/v1/tokens"): (json_("/api/v1/tokens"),
                                                    (401, 200, 200, 200, 200, 200, 200)),
    # a token of the report's author: theirs, and their administrator's to revoke
    ("DELETE", "/api/v1/tokens/<int:token_id>"): (revoke_spare_token,
                                                    (401, 200, 404, 404, 404, 404, 200)),
    # Saved views: coordinators' of the triage queue, unit members' of their inbox; the view is
    # the police member's, shared with the police (only the owner changes or deletes it).
    ("GET", "/api/v1/views"): (json_("/api/v1/views"),
                                                    (401, 403, 403, 200, 200, 200, 403)),
    ("POST", "/api/v1/views"): (json_("/api/v1/views", lambda w: {"name": f"m{w.report_id}"}),
                                                    (401, 403, 403, 201, 201, 201, 403)),
    ("GET", "/api/v1/views/<int:view_id>"): (on_police_view(),
                                                    (401, 403, 403, 404, 200, 404, 403)),
    ("PATCH", "/api/v1/views/<int:view_id>"): (on_police_view("", {"shared": False}),
                                                    (401, 403, 403, 404, 200, 404, 403)),
    ("DELETE", "/api/v1/views/<int:view_id>"): (on_police_view(),
                                                    (401, 403, 403, 404, 204, 404, 403)),
    ("PUT", "/api/v1/views/<int:view_id>/default"): (on_police_view("/default"),
                                                    (401, 403, 403, 404, 200, 404, 403)),
    ("DELETE", "/api/v1/views/<int:view_id>/default"): (on_police_view("/default"),
                                                    (401, 403, 403, 404, 200, 404, 403)),
    ("GET", "/healthz"): (json_("/healthz"),        (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/readyz"): (json_("/readyz"),          (200, 200, 200, 200, 200, 200, 200)),
    # from an outside address, without METRICS_TOKEN: nobody (staff tokens do not count)
    ("GET", "/metrics"): (from_outside("/metrics"),
                                                    (403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/static/<path:filename>"): (json_("/static/css/api-docs.css"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    # Pages: the session cookie of a sign-in through /login; POSTs with a valid CSRF token.
    ("GET", "/"): (Page("/"),                       (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/sw.js"): (Page("/sw.js"),             (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/manifest.webmanifest"): (Page("/manifest.webmanifest"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/emergency"): (Page("/emergency"),     (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/favicon.ico"): (Page("/favicon.ico"), (301, 301, 301, 301, 301, 301, 301)),
    ("GET", "/lang/<code>"): (Page("/lang/en"),     (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/place"): (Page("/place?lat=55.696&lon=12.545"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/report"): (Page("/report"),           (200, 200, 200, 200, 200, 200, 200)),
    # (a signed-in user files as a resident too)
    ("POST", "/report"): (Page("/report", form=STAFF_REPORT),
                                                    (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/report/receipt"): (
        Page("/report/receipt", session=lambda w: {"receipt": w.reference}),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/track"): (Page("/track"),             (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/track/<reference>/answer"): (
        Page(reporter_page("answer", asked), csrf="answer-csrf_token",
             form={"answer-body": "Gården."}),     (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/track/<reference>/info"): (
        Page(reporter_page("info"), csrf="info-csrf_token", form={"info-body": "Mere."}),
                                                    (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/track/<reference>/reopen"): (
        Page(reporter_page("reopen", resolved), csrf="reopen-csrf_token",
             form={"reopen-reason": "Igen."}),      (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/track/<reference>/feedback"): (
        Page(reporter_page("feedback", resolved), csrf="feedback-csrf_token",
             form={"feedback-satisfied": "yes"}),   (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/track/<reference>"): (Page("/track/{w.reference}"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/vendor/<package>/<path:filename>"): (Page("/vendor/leaflet/leaflet.js"),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    # Signing in: the signed in are sent home; without a password step, no code step.
    ("GET", "/facts"): (Page(published("/facts")), (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/facts/<int:district_id>"): (Page(published("/facts/3")),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open-data/"): (Page(published("/open-data/")),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open-data/weekly-counts.csv"): (Page(published("/open-data/weekly-counts.csv")),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/open-data/weekly-counts.json"): (Page(published("/open-data/weekly-counts.json")),
                                                    (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/login"): (Page("/login"),             (200, 302, 302, 302, 302, 302, 302)),
    ("POST", "/login"): (Page("/login", form=sign_in_form),
                                                    (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/login/code"): (Page("/login/code"),
                                                    (LOGIN,) * 7),
    ("POST", "/login/code"): (Page("/login/code", form={"code": "123456"}),
                                                    (LOGIN,) * 7),
    ("GET", "/login/enrol"): (Page("/login/enrol"),
                                                    (LOGIN,) * 7),
    ("POST", "/login/enrol"): (Page("/login/enrol", form={"code": "123456"}),
                                                    (LOGIN,) * 7),
    ("POST", "/logout"): (Page("/logout", form={}),
                                                    (LOGIN,) * 7),
    # Staff pages
    ("GET", "/staff/"): (Page("/staff/"),           (LOGIN, 302, 302, 302, 302, 302, 302)),
    ("GET", "/staff/api/csrf"): (Page("/staff/api/csrf"),
                                                    (LOGIN, 200, 200, 200, 200, 200, 200)),
    ("GET", "/staff/report"): (Page("/staff/report"),
                                                    (LOGIN, 200, 200, 403, 403, 403, 403)),
    ("POST", "/staff/report"): (Page("/staff/report", form=STAFF_REPORT),
                                                    (LOGIN, 302, 302, 403, 403, 403, 403)),
    ("POST", "/staff/api/reports"): (
        Page("/staff/api/reports", json=REPORT_BODY,
             headers=lambda w: {"Idempotency-Key": f"matrix-{w.report_id}"}),
                                                    (401, 201, 201, 403, 403, 403, 403)),
    ("POST", "/staff/push/subscribe"): (Page("/staff/push/subscribe", json=PUSH_SUBSCRIPTION),
                                                    (LOGIN, 201, 201, 201, 201, 201, 403)),
    ("POST", "/staff/push/unsubscribe"): (
        Page("/staff/push/unsubscribe", json={"endpoint": PUSH_SUBSCRIPTION["endpoint"]}),
                                                    (LOGIN, 200, 200, 200, 200, 200, 200)),
    ("GET", "/staff/report/sent/<int:report_id>"): (Page("/staff/report/sent/{w.report_id}"),
                                                    (LOGIN, 200, 404, 403, 403, 403, 403)),
    ("GET", "/staff/mine"): (Page("/staff/mine"),   (LOGIN, 200, 200, 403, 403, 403, 403)),
    # (filtered to one page: the reports earlier cases left behind must not decide the outcome)
    ("GET", "/staff/queue"): (Page("/staff/queue?status=merged"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 403)),
    ("GET", "/staff/inbox"): (Page("/staff/inbox"), (LOGIN, 403, 403, 403, 200, 200, 403)),
    ("GET", "/staff/dashboard"): (Page("/staff/dashboard"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 200)),
    ("GET", "/staff/statistics"): (Page("/staff/statistics"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 200)),
    # the staff map: coordinators, and unit members (their unit's reports only: the points
    # come from access.visible_reports); administrators see no report, so no map
    ("GET", "/staff/map"): (Page("/staff/map"),     (LOGIN, 403, 403, 200, 200, 200, 403)),
    ("GET", "/staff/map/points"): (Page("/staff/map/points"),
                                                    (LOGIN, 403, 403, 200, 200, 200, 403)),
    ("GET", "/staff/queue/export.<any(csv, xlsx):fmt>"): (
        Page("/staff/queue/export.csv?status=merged"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 403)),
    ("GET", "/staff/inbox/export.<any(csv, xlsx):fmt>"): (Page("/staff/inbox/export.xlsx"),
                                                    (LOGIN, 403, 403, 403, 200, 200, 403)),
    ("GET", "/staff/reports/<int:report_id>"): (Page("/staff/reports/{w.report_id}"),
                                                    (LOGIN, 200, 404, 200, 200, 404, 403)),
    # The report page's photos: thumbnail and full size for those who see the report; the
    # author (a street worker) adds one on the page (others use the API, as before)
    ("GET", "/staff/photos/<int:attachment_id>/thumbnail"): (
        Page("/staff/photos/{w.attachment_id}/thumbnail"),
                                                    (LOGIN, 200, 404, 200, 200, 404, 403)),
    ("GET", "/staff/photos/<int:attachment_id>"): (Page("/staff/photos/{w.attachment_id}"),
                                                    (LOGIN, 200, 404, 200, 200, 404, 403)),
    ("POST", "/staff/reports/<int:report_id>/photos"): (
        Page("/staff/reports/{w.report_id}/photos", csrf="photo-csrf_token",
             form=lambda w: {"photo-file": (io.BytesIO(jpeg()), "c.jpg")}),
                                                    (LOGIN, 302, 404, 403, 403, 403, 403)),
    ("POST", "/staff/reports/<int:report_id>/change"): (
        Page("/staff/reports/{w.report_id}/change", csrf="change-csrf_token",
             form={"change-category": "NABO", "change-district": "3"}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("POST", "/staff/reports/<int:report_id>/route"): (
        Page("/staff/reports/{w.report_id}/route", csrf="route-csrf_token",
             form={"route-units": ["SSP"], "route-reason": "matrix"}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("POST", "/staff/reports/<int:report_id>/status"): (
        Page("/staff/reports/{w.report_id}/status", csrf="reject-csrf_token",
             form={"target": "rejected", "reject-reason": "Ikke kommunens sag."}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("POST", "/staff/reports/<int:report_id>/notes"): (
        Page("/staff/reports/{w.report_id}/notes", csrf="note-csrf_token",
             form={"note-body": "Set.", "note-visibility": "own_unit"}),
                                                    (LOGIN, 403, 403, 302, 302, 404, 403)),
    ("POST", "/staff/reports/<int:report_id>/question"): (
        Page("/staff/reports/{w.report_id}/question", csrf="question-csrf_token",
             form={"question-body": "Hvilken opgang?"}),
                                                    (LOGIN, 403, 403, 302, 302, 404, 403)),
    ("POST", "/staff/queue/bulk"): (
        Page("/staff/queue/bulk", csrf="bulk-csrf_token",
             form=lambda w: {"bulk-action": "route", "bulk-units": ["SSP"],
                             "ids": [str(w.report_id)]}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("POST", "/staff/assignments/<int:assignment_id>/contact"): (
        Page("/staff/assignments/{w.assignment_id}/contact",
             form=lambda w: {"shared": "1", "report_id": w.report_id}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("POST", "/staff/assignments/<int:assignment_id>"): (
        Page("/staff/assignments/{w.assignment_id}", csrf="a-csrf_token",
             form=lambda w: {"a-status": "acknowledged", "report_id": w.report_id}),
                                                    (LOGIN, 403, 403, 302, 302, 404, 403)),
    ("POST", "/staff/views"): (
        Page("/staff/views", form=lambda w: {"name": f"m{w.report_id}", "sharing": "unit"}),
                                                    (LOGIN, 403, 403, 302, 302, 302, 403)),
    ("POST", "/staff/views/<int:view_id>/default"): (
        Page(police_view_page("default"), form={}),
                                                    (LOGIN, 403, 403, 404, 302, 404, 403)),
    ("POST", "/staff/views/<int:view_id>/not-default"): (
        Page(police_view_page("not-default"), form={}),
                                                    (LOGIN, 403, 403, 404, 302, 404, 403)),
    ("POST", "/staff/views/<int:view_id>/delete"): (
        Page(police_view_page("delete"), form={}),
                                                    (LOGIN, 403, 403, 404, 302, 404, 403)),
    ("GET", "/staff/deliveries"): (Page("/staff/deliveries"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 403)),
    ("POST", "/staff/deliveries/<int:delivery_id>/resend"): (
        Page("/staff/deliveries/{w.delivery_id}/resend", form={}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 403)),
    ("GET", "/staff/notifications"): (Page("/staff/notifications"),
                                                    (LOGIN, 403, 403, 200, 200, 200, 403)),
    # (the notification is the police's: not the centre's, nor another unit's)
    ("POST", "/staff/notifications/<int:notification_id>/read"): (
        Page("/staff/notifications/{w.notification_id}/read", form={}),
                                                    (LOGIN, 403, 403, 404, 302, 404, 403)),
    ("POST", "/staff/notifications/read"): (Page("/staff/notifications/read", form={}),
                                                    (LOGIN, 403, 403, 302, 302, 302, 403)),
    # Hotspots: coordinators and admins manage them; a chief (the unit member) sees theirs.
    ("GET", "/staff/hotspots"): (Page("/staff/hotspots"),
                                                    (LOGIN, 403, 403, 200, 200, 200, 200)),
    ("GET", "/staff/hotspots/new"): (Page("/staff/hotspots/new"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 200)),
    ("POST", "/staff/hotspots/new"): (Page("/staff/hotspots/new", form=hotspot_form),
                                                    (LOGIN, 403, 403, 302, 403, 403, 302)),
    ("GET", "/staff/hotspots/<int:hotspot_id>"): (Page("/staff/hotspots/{w.hotspot_id}"),
                                                    (LOGIN, 403, 403, 200, 200, 404, 200)),
    ("GET", "/staff/hotspots/detections"): (Page("/staff/hotspots/detections"),
                                                    (LOGIN, 403, 403, 200, 403, 403, 200)),
    ("POST", "/staff/hotspots/detections/<int:detection_id>/dismiss"): (
        Page("/staff/hotspots/detections/{w.detection_id}/dismiss", form={}),
                                                    (LOGIN, 403, 403, 302, 403, 403, 302)),
    # Administration
    ("GET", "/admin/"): (Page("/admin/"),           (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/"): (Page("/admin/", form=new_user),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/users"): (Page("/admin/users"), (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/users"): (Page("/admin/users", form=new_user),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", "/admin/users/<int:user_id>/<action>"): (
        Page(lambda w: f"/admin/users/{spare_user().id}/unlock", form={}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/users/<int:user_id>/tokens"): (Page("/admin/users/{w.author_id}/tokens"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke"): (
        Page(admin_revoke_spare_token, form={"confirm": "yes"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/units"): (Page("/admin/units"), (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/units"): (
        Page("/admin/units", form=lambda w: {"code": f"M{w.report_id}", "name": "Ny enhed"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/districts"): (Page("/admin/districts"), (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/districts"): (Page("/admin/districts", form=districts_file),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    # The platform administrator's (a flag none of these roles has; test_municipalities.py)
    ("GET", "/admin/municipalities"): (Page("/admin/municipalities"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 403)),
    ("POST", "/admin/municipalities"): (
        Page("/admin/municipalities", form=lambda w: {"code": f"m{w.report_id}", "name": "Ny"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 403)),
    ("GET", "/admin/municipalities/<int:municipality_id>"): (
        Page("/admin/municipalities/{w.municipality_id}"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 403)),
    ("POST", "/admin/municipalities/<int:municipality_id>"): (
        Page("/admin/municipalities/{w.municipality_id}", form={"name": "Ny"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 403)),
    ("GET", "/admin/units/<int:unit_id>"): (Page("/admin/units/{w.unit_id}"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/units/<int:unit_id>"): (Page("/admin/units/{w.unit_id}", form=unit_form),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/categories"): (Page("/admin/categories"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("GET", "/admin/categories/<int:category_id>"): (Page("/admin/categories/{w.category_id}"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/categories/<int:category_id>"): (
        Page("/admin/categories/{w.category_id}", form=category_form),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/categories/new"): (Page("/admin/categories/new"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    # (created inactive: the report forms do not change)
    ("POST", "/admin/categories/new"): (
        Page("/admin/categories/new", form=lambda w: {
            "code": f"M{w.report_id}", "label_da": "Ny", "label_en": "New", "kind": "concern",
            "default_urgency": "low"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/rules"): (Page("/admin/rules"), (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("GET", "/admin/languages"): (Page("/admin/languages"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    # (nothing switched off: the resident pages do not change)
    ("POST", "/admin/languages"): (Page("/admin/languages", form={}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/access-log"): (Page("/admin/access-log"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("GET", "/admin/open311"): (Page("/admin/open311"),
                                                    (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/open311"): (Page("/admin/open311", form={"name": "Matrix app"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 201)),
    ("POST", "/admin/open311/<int:client_id>/revoke"): (
        Page(admin_revoke_open311, form={"confirm": "yes"}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", "/admin/rules"): (
        Page("/admin/rules", form=lambda w: {"rules": json.dumps(w.rules)}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("GET", "/admin/facts"): (Page("/admin/facts"), (LOGIN, 403, 403, 403, 403, 403, 200)),
    ("POST", "/admin/facts/population"): (
        Page("/admin/facts/population",
             form={"district": "3", "year": "2026", "population": "80000", "source": ""}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", "/admin/facts/survey"): (Page("/admin/facts/survey", form=survey_file),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    ("POST", "/admin/facts/publish"): (Page("/admin/facts/publish", form={}),
                                                    (LOGIN, 403, 403, 403, 403, 403, 302)),
    # The development inbox: not registered in production (tests/integration/test_dev_inbox.py);
    # its pages for any signed-in staff, its stand-in receivers for the channels (machines).
    ("GET", "/dev/mailbox"): (Page("/dev/mailbox"), (LOGIN, 200, 200, 200, 200, 200, 200)),
    ("GET", "/dev/webhooks"): (Page("/dev/webhooks"),
                                                    (LOGIN, 200, 200, 200, 200, 200, 200)),
    ("GET", "/dev/sms"): (Page("/dev/sms"),         (LOGIN, 200, 200, 200, 200, 200, 200)),
    ("POST", "/dev/webhooks/<code>"): (json_("/dev/webhooks/POLICE", {"type": "x"}),
                                                    (204, 204, 204, 204, 204, 204, 204)),
    ("POST", "/dev/sms"): (json_("/dev/sms", {"to": "+4570000001", "message": "x"}),
                                                    (204, 204, 204, 204, 204, 204, 204)),
}
# fmt: on

# The blueprints of the HTML pages: their rows must be ``Page`` rows (a session, not a token).
PAGE_BLUEPRINTS = {"public", "staff", "admin", "auth", "dev"}


def routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture
def sqlite_app(request, tmp_path):
    """Access rules do not depend on the database: SQLite only, for speed."""
    app = request.getfixturevalue("_sqlite_app")
    reset(app)
    with app.app_context():
        old = app.config["UPLOAD_FOLDER"]
        app.config["UPLOAD_FOLDER"] = str(tmp_path)
        yield app
        app.config["UPLOAD_FOLDER"] = old
        db.session.remove()


def test_every_endpoint_has_a_row(sqlite_app):
    have = routes(sqlite_app)
    missing = sorted(have - set(MATRIX))
    assert not missing, f"add these to MATRIX: {missing}"
    stale = sorted(set(MATRIX) - have)
    assert not stale, f"no such endpoints any more: {stale}"
    pages = {
        (method, rule.rule)
        for rule in sqlite_app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in PAGE_BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    not_pages = sorted(r for r in pages if not isinstance(MATRIX[r][0], Page))
    assert not not_pages, f"pages are tried with a session (Page(...)), not a token: {not_pages}"


class Worlds:
    """The world for the next case: the one built before, if no statement but a SELECT has run
    on the database since it was handed out, else a new one (build_world). Every statement
    counts, whoever made it (the request, a row's preparation, a sign-in), and one that is not
    a SELECT (an INSERT, UPDATE, DELETE, a savepoint) counts as a change, even if it changed
    nothing or was rolled back. Files (a photo) are only written with rows."""

    def __init__(self, users: dict):
        self.users, self.world, self.built, self.changed = users, None, 0, True

    def _statement(self, conn, cursor, statement: str, *args) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            self.changed = True

    def __enter__(self) -> Worlds:
        sa.event.listen(db.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(db.engine, "before_cursor_execute", self._statement)

    def next(self) -> World:
        if self.changed:
            self.world = build_world(self.users)
            self.built += 1
        self.changed = False
        return self.world


@pytest.mark.slow
def test_permission_matrix(sqlite_app):
    client = sqlite_app.test_client()
    users, tokens = {}, {"anonymous": None}
    for role, (kind, unit) in USERS.items():
        users[role], tokens[role] = create_staff(kind, unit)
    wrong = []
    with Worlds(users) as worlds:
        for (method, rule), (make_request, expected) in MATRIX.items():
            if isinstance(make_request, Page):
                continue
            for role, status in zip(ROLES, expected, strict=True):
                world = worlds.next()
                path, kwargs = make_request(world)
                res = client.open(path, method=method, headers=auth(tokens[role]), **kwargs)
                res.close()  # an unread export's stream, closed here, not by a later GC
                if res.status_code != status:
                    wrong.append(f"{method} {rule} as {role}: {res.status_code}, expected {status}")
                db.session.rollback()
    assert not wrong, "\n".join(wrong)
    # (each world is a new report; nothing leaked between cases)
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) >= worlds.built


def staff_user(kind: str, unit: str | None):
    """A staff user with an authenticator app, where the role needs one."""
    user, _ = create_staff(kind, unit)
    if signin.totp_required(user):
        with_totp(user)
    return user


class Sessions:
    """One sign-in per role through the real pages (/login, then the TOTP code where the role
    needs one), kept as its session cookie and CSRF token. Each case gets a new client with a
    copy of that cookie, so that nothing one case puts in its session (a flash message, a
    receipt, a sign-out) reaches the next. A case that ended the user's sessions (sign-out
    bumps the session version) gives the role a new user, signed in afresh (the next worlds
    are that user's)."""

    def __init__(self, app, users: dict):
        self.app, self.users, self.signed_in = app, users, {}

    def client(self, role: str) -> tuple[PageClient, str]:
        if role in self.signed_in and self.signed_in[role][2] != self._version(role):
            self.users[role] = staff_user(*USERS[role])
            del self.signed_in[role]
        if role not in self.signed_in:
            self.signed_in[role] = (*self._sign_in(self.users.get(role)), self._version(role))
        cookie, token, _ = self.signed_in[role]
        client = page_client(self.app)
        client.set_cookie("session", cookie)
        return client, token

    def _version(self, role: str) -> int | None:
        user = self.users.get(role)
        return user.session_version if user is not None else None

    def _sign_in(self, user) -> tuple[str, str]:
        client = page_client(self.app)
        if user is None:
            token = csrf(client, "/login")
        else:
            res = sign_in(client, user)
            assert res.status_code == 302 and res.headers["Location"] == "/staff/", user.role
            token = client.get("/staff/api/csrf").json["token"]
        return client.get_cookie("session").value, token


def outcome(res) -> int | str:
    location = urlsplit(res.headers.get("Location", "")).path
    return LOGIN if res.status_code == 302 and location.startswith("/login") else res.status_code


@pytest.mark.slow
def test_page_permission_matrix(sqlite_app):
    users = {role: staff_user(kind, unit) for role, (kind, unit) in USERS.items()}
    sessions = Sessions(sqlite_app, users)
    wrong = []
    with Worlds(users) as worlds:
        for (method, rule), (page, expected) in MATRIX.items():
            if not isinstance(page, Page):
                continue
            for role, want in zip(ROLES, expected, strict=True):
                client, token = sessions.client(role)
                world = worlds.next()
                if page.session is not None:
                    with client.session_transaction() as session:
                        session.update(page.session(world))
                path, kwargs = page.request(world, token)
                got = outcome(client.open(path, method=method, **kwargs))
                if got != want:
                    wrong.append(f"{method} {rule} as {role}: {got}, expected {want}")
                db.session.rollback()
    assert not wrong, "\n".join(wrong)
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) >= worlds.built


# Sharing rules (docs/security.md): who reads the reporter's contact and which internal notes,
# on a resident's report assigned to POLICE (with the contact: its rule or a coordinator said
# so) and to SSP (without it). Each note's text says who wrote it and for whom.
SHARING_READERS = {
    # reader: (role, unit, reads the contact, the notes read)
    "coordinator": (
        "coordinator",
        None,
        True,
        {"police-own", "police-all", "ssp-own", "coord-own", "public"},
    ),
    "police": ("unit_member", "POLICE", True, {"police-own", "police-all", "public"}),
    "ssp": ("unit_member", "SSP", False, {"ssp-own", "police-all", "public"}),
}
# Not their report: 404, neither contact nor notes.
NOT_SHOWN = {
    "bbu": ("unit_member", "BBU"),
    "admin": ("admin", None),
    "street_worker": ("street_worker", None),
}


def _read(client, token, report_id) -> tuple[int, bool, set[str]]:
    res = client.get(f"/api/v1/reports/{report_id}", headers=auth(token))
    if res.status_code != 200:
        return res.status_code, False, set()
    return 200, bool(res.json.get("contact")), {n["body"] for n in res.json["notes"]}


def test_sharing_rules_matrix(sqlite_app):
    from meldecentral.services.reports import notes

    client = sqlite_app.test_client()
    staff = {name: create_staff(role, unit) for name, (role, unit, *_) in SHARING_READERS.items()}
    staff |= {name: create_staff(role, unit) for name, (role, unit) in NOT_SHOWN.items()}
    body = {"category": "HAERVAERK", "text": "Knust rude.", **NORREBRO}
    res = client.post("/api/v1/reports", json={**body, "contact": {"email": "r@example.org"}})
    assert res.status_code == 201, res.json
    report = db.session.get(Report, res.json["id"])
    assign.assign_units(
        SYSTEM, report.id, ["POLICE", "SSP"], reason="matrix", contact_units=["POLICE"]
    )
    for text, who, visibility, audience in [
        ("police-own", "police", "internal", "own_unit"),
        ("police-all", "police", "internal", "all_units"),
        ("ssp-own", "ssp", "internal", "own_unit"),
        ("coord-own", "coordinator", "internal", "own_unit"),
        ("public", "coordinator", "public", "own_unit"),
    ]:
        notes.add_note(Actor.for_user(staff[who][0]), report.id, text, visibility, audience)
    wrong = []
    for name, (_role, _unit, contact, readable) in SHARING_READERS.items():
        got = _read(client, staff[name][1], report.id)
        if got != (200, contact, readable):
            wrong.append(f"{name}: {got}, expected {(200, contact, readable)}")
    for name in NOT_SHOWN:
        got = _read(client, staff[name][1], report.id)
        if got != (404, False, set()):
            wrong.append(f"{name}: {got}, expected 404")

    # A street worker's own report: they read the public updates and their own notes.
    author = Actor.for_user(staff["street_worker"][0])
    own = submit.submit_report(author, body).report
    assign.assign_units(SYSTEM, own.id, ["POLICE"], reason="matrix")
    notes.add_note(author, own.id, "author-own", "internal", "own_unit")
    notes.add_note(
        Actor.for_user(staff["police"][0]), own.id, "police-all", "internal", "all_units"
    )
    notes.add_note(Actor.for_user(staff["police"][0]), own.id, "public", "public")
    for name, want in [
        ("street_worker", (200, False, {"author-own", "public"})),
        ("police", (200, False, {"police-all", "public"})),  # no contact: not by its rule
        ("coordinator", (200, False, {"author-own", "police-all", "public"})),  # none given
    ]:
        got = _read(client, staff[name][1], own.id)
        if got != want:
            wrong.append(f"own report, {name}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)

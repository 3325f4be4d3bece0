"""Several municipalities in one deployment (docs/security.md, "Municipalities").

One world per module: Copenhagen (the default municipality) with the permission matrix's
world in it (tests/integration/test_permissions.py: a routed report with a photo, a dead
letter, an in-app notification, a saved view), and Frederiksberg (demo data,
meldecentral/data/frederiksberg.yaml) with its own staff, reached at the path prefix /k/frb.

The isolation matrix walks ``app.url_map``: every route is either one that names an object
(``OBJECT``: the other municipality's is not found, 404, wherever the role would reach its
own) or one that names none (``OWN``: lists, forms and the deployment's pages, whose answers
must name nothing of the other municipality). A new route without a decision fails the test.
Access rules do not depend on the database: SQLite only, for speed.
"""

from __future__ import annotations

from unittest import mock
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import AccessLog, Attachment, Municipality, Note, Report, Unit, User
from meldecentral.services import setup
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, NotFound, ValidationFailed
from meldecentral.services.privacy import audit
from meldecentral.services.reports import submit
from meldecentral.services.staff import admin, platform, signin, users
from tests.conftest import _password_hash, auth
from tests.database import reset
from tests.integration import test_permissions as perm
from tests.webutil import (
    PASSWORD,
    PageClient,
    csrf,
    fresh_totp,
    page_client,
    sign_in,
    with_totp,
)

PREFIX = "/k/frb"
FRB_POINT = {"lat": 55.6790, "lon": 12.5300}  # Frederiksberg, inside the enclave
# Frederiksberg's roles, and the Copenhagen role (column of the permission matrix) whose
# answer at home each is compared with: the most that role reaches of its own municipality.
FRB_ROLES = {
    "anonymous": (None, None, "anonymous"),
    "street_worker": ("street_worker", None, "other_street_worker"),
    "coordinator": ("coordinator", None, "coordinator"),
    "unit_member": ("unit_member", "SSP", "unit_member"),
    "admin": ("admin", None, "admin"),
}
# Routes that name no object of a municipality: lists, forms, the deployment's own pages.
OWN = {
    ("GET", "/api/v1/categories"),
    ("GET", "/api/v1/districts"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/reports"),
    ("GET", "/api/v1/reports/export.csv"),
    ("GET", "/api/v1/reports/export.xlsx"),
    ("GET", "/api/v1/routing/rules"),
    ("PUT", "/api/v1/routing/rules"),
    ("GET", "/api/v1/deliveries/dead"),
    ("GET", "/api/v1/deliveries/waiting"),
    ("GET", "/api/v1/access-log"),  # ?reference= of the other's report: an empty list
    ("POST", "/api/v1/reports/bulk"),  # the other's report ids: each refused, none touched
    ("GET", "/api/v1/triage"),
    ("GET", "/api/v1/inbox"),
    ("GET", "/api/v1/stats/districts"),
    ("GET", "/api/v1/tokens"),
    ("GET", "/api/v1/views"),
    ("POST", "/api/v1/views"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/static/<path:filename>"),
    ("GET", "/"),
    ("GET", "/emergency"),
    ("GET", "/favicon.ico"),
    ("GET", "/lang/<code>"),
    ("GET", "/place"),
    ("GET", "/report"),
    ("GET", "/report/receipt"),  # shows what the visitor's own session holds, nothing more
    ("POST", "/report"),
    ("GET", "/track"),
    ("GET", "/vendor/<package>/<path:filename>"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/code"),
    ("POST", "/login/code"),
    ("GET", "/login/enrol"),
    ("POST", "/login/enrol"),
    ("POST", "/logout"),
    ("GET", "/staff/"),
    ("GET", "/staff/api/csrf"),
    ("POST", "/staff/api/reports"),
    ("GET", "/staff/report"),
    ("POST", "/staff/report"),
    ("GET", "/staff/mine"),
    ("GET", "/staff/queue"),
    ("GET", "/staff/queue/export.<any(csv, xlsx):fmt>"),
    ("POST", "/staff/queue/bulk"),
    ("GET", "/staff/inbox"),
    ("GET", "/staff/inbox/export.<any(csv, xlsx):fmt>"),
    ("POST", "/staff/views"),
    ("GET", "/staff/deliveries"),
    ("GET", "/staff/notifications"),
    ("POST", "/staff/notifications/read"),
    ("GET", "/admin/"),
    ("POST", "/admin/"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/units"),
    ("POST", "/admin/units"),
    ("GET", "/admin/categories"),
    ("GET", "/admin/categories/new"),
    ("POST", "/admin/categories/new"),
    ("GET", "/admin/rules"),
    ("POST", "/admin/rules"),
    ("GET", "/admin/access-log"),
    ("GET", "/admin/municipalities"),
    ("GET", "/admin/districts"),
    ("POST", "/admin/districts"),
    ("GET", "/admin/open311"),
    ("POST", "/admin/open311"),
    ("GET", "/api/v1/stats/satisfaction"),
    ("GET", "/api/v1/stats/periods"),
    # the dashboard and the staff map: the municipality's figures and reports only
    ("GET", "/api/v1/dashboard"),
    ("GET", "/staff/dashboard"),
    ("GET", "/staff/statistics"),
    ("GET", "/staff/map"),
    ("GET", "/staff/map/points"),
    # hotspots and detections: the municipality's own (a hotspot or detection id is an object)
    ("GET", "/staff/hotspots"),
    ("GET", "/staff/hotspots/detections"),
    ("GET", "/staff/hotspots/new"),
    ("POST", "/staff/hotspots/new"),
    # the municipality's resident languages
    ("GET", "/admin/languages"),
    ("POST", "/admin/languages"),
    # the offline app's files, and the signed-in user's own push subscriptions
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
    ("POST", "/staff/push/subscribe"),
    ("POST", "/staff/push/unsubscribe"),
    # the public facts and open data: the request's municipality's figures only
    ("GET", "/api/v1/public/facts"),
    ("GET", "/facts"),
    ("GET", "/open-data/"),
    ("GET", "/open-data/weekly-counts.csv"),
    ("GET", "/open-data/weekly-counts.json"),
    ("GET", "/admin/facts"),
    ("POST", "/admin/facts/population"),
    ("POST", "/admin/facts/publish"),
    ("POST", "/admin/facts/survey"),
    # Open311: the lists and discovery name the request's municipality's only; a POST with
    # another municipality's api_key is refused (403)
    ("GET", "/open311/v2/discovery.<any(xml, json):fmt>"),
    ("GET", "/open311/v2/services.<any(xml, json):fmt>"),
    ("GET", "/open311/v2/requests.<any(xml, json):fmt>"),
    ("POST", "/open311/v2/requests.<any(xml, json):fmt>"),
    ("GET", "/open311/v2/servicerequestupdates.<any(xml, json):fmt>"),
    ("POST", "/admin/municipalities"),
    ("GET", "/dev/mailbox"),
    ("GET", "/dev/webhooks"),
    ("GET", "/dev/sms"),
    ("POST", "/dev/webhooks/<code>"),
    ("POST", "/dev/sms"),
}
# What of Copenhagen's world an answer in Frederiksberg must never name (besides the report's
# reference and its staff's addresses): a unit, a district and a category Frederiksberg has not.
KBH_MARKERS = ("Boligsocial", "Nørrebro", "Nabokonflikt", "VINK")


class FrbClient(PageClient):
    """Every request under Frederiksberg's path prefix."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str) and args[0].startswith("/"):
            args = (PREFIX + args[0], *args[1:])
        return super().open(*args, **kwargs)


def frb_client(app) -> FrbClient:
    app.test_client_class = FrbClient
    try:
        return app.test_client()
    finally:
        app.test_client_class = PageClient


_frb_counter = iter(range(1, 1_000_000))


def frb_staff(role: str, unit: str | None = None):
    municipality = users.municipality_by_code("frb")
    n = next(_frb_counter)
    with mock.patch.object(users, "hash_password", _password_hash):
        user = users.create_user(
            municipality=municipality,
            email=f"{role}{n}@frb.test",
            name=f"frb {role}",
            role=role,
            password=PASSWORD,
            unit_code=unit,
        )
    if signin.totp_required(user):
        with_totp(user)
    return user, users.create_token(user, "test")


def frb_sign_in(client, user):
    res = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    if res.status_code == 302 and res.headers["Location"].endswith("/login/code"):
        last = db.session.scalar(sa.select(User.totp_last_step).where(User.id == user.id))
        res = client.post(
            "/login/code",
            data={
                "code": fresh_totp(user.totp_secret, last),
                "csrf_token": csrf(client, "/login/code"),
            },
        )
    return res


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    app = request.getfixturevalue("_sqlite_app")
    reset(app)
    with app.app_context():
        old = app.config["UPLOAD_FOLDER"]
        app.config["UPLOAD_FOLDER"] = str(tmp_path_factory.mktemp("uploads"))
        setup.load_reference_data(setup.demo_config("frederiksberg.yaml"))
        # Frederiksberg's staff first: the matrix's saved view is the newest police member's.
        frb = {role: frb_staff(kind, unit) for role, (kind, unit, _) in FRB_ROLES.items() if kind}
        kbh_users = {role: perm.staff_user(kind, unit) for role, (kind, unit) in perm.USERS.items()}
        kbh_world = perm.build_world(kbh_users)
        yield app, kbh_world, frb, kbh_users
        app.config["UPLOAD_FOLDER"] = old
        db.session.remove()


def _success(status) -> bool:
    return isinstance(status, int) and 200 <= status < 400


def _outcome(res) -> int | str:
    location = urlsplit(res.headers.get("Location", "")).path
    signing_in = location.startswith((f"{PREFIX}/login", "/login"))
    return perm.LOGIN if res.status_code == 302 and signing_in else res.status_code


class FrbSessions:
    """Each Frederiksberg role signed in once through /k/frb/login; a case that ended the
    session (sign-out) gives the role a new user."""

    def __init__(self, app, frb):
        self.app, self.frb, self.cookies = app, frb, {}

    def client(self, role: str):
        client = frb_client(self.app)
        user = self.frb.get(role, (None,))[0]
        if user is None:
            return client, csrf(client, "/login")
        if role in self.cookies and self.cookies[role][2] != user.session_version:
            kind, unit, _ = FRB_ROLES[role]
            self.frb[role] = frb_staff(kind, unit)
            del self.cookies[role]
            user = self.frb[role][0]
        if role not in self.cookies:
            fresh = frb_client(self.app)
            res = frb_sign_in(fresh, user)
            assert res.headers["Location"] == f"{PREFIX}/staff/", res.status_code
            token = fresh.get("/staff/api/csrf").json["token"]
            self.cookies[role] = (fresh.get_cookie("session").value, token, user.session_version)
        cookie, token, _ = self.cookies[role]
        client.set_cookie("session", cookie)
        return client, token


def test_every_route_is_decided(world):
    app = world[0]
    have = perm.routes(app)
    objects = {r for r in have if r not in OWN}
    undecided = sorted(r for r in objects if "<" not in r[1])
    assert not undecided, f"add these to OWN (or give them an object): {undecided}"
    assert OWN <= have, f"no such routes any more: {sorted(OWN - have)}"


@pytest.mark.slow
def test_isolation_matrix(world):
    """Frederiksberg's staff (and residents) ask for Copenhagen's objects: 404 wherever their
    role reaches its own at home; lists and forms name nothing of Copenhagen's."""
    app, kbh, frb, kbh_users = world
    sessions = FrbSessions(app, frb)
    markers = (*KBH_MARKERS, *(u.email for u in kbh_users.values()))
    wrong, cases = [], 0
    for (method, rule), (make, expected) in perm.MATRIX.items():
        home = dict(zip(perm.ROLES, expected, strict=True))
        for role, (_kind, _unit, column) in FRB_ROLES.items():
            if role == "anonymous" and home[column] in (perm.LOGIN, 401):
                continue  # signed out at home too: nothing of any municipality (the permissions')
            if isinstance(make, perm.Page):
                client, token = sessions.client(role)
                path, kwargs = make.request(kbh, token)
                if make.session is not None:
                    with client.session_transaction() as session:
                        session.update(make.session(kbh))
            else:
                client = frb_client(app)
                path, kwargs = make(kbh)
                kwargs = {**kwargs, "headers": auth(frb[role][1] if role in frb else None)}
            before = _state(kbh.report_id)  # after the row's own set-up, if it has one
            res = client.open(path, method=method, **kwargs)
            got = _outcome(res)
            body = "" if res.mimetype.endswith(".sheet") else res.get_data(as_text=True)
            res.close()  # an unread export's stream, closed here, not by a later GC
            if (method, rule) in OWN:
                # (a reference the request itself put in the visitor's session may be shown)
                own_ref = () if getattr(make, "session", None) else (kbh.reference,)
                # (nor what the request sent, which a refused form shows again to be fixed)
                sent = f"{kwargs.get('data')} {kwargs.get('json')}"
                named = [m for m in (*own_ref, *markers) if m in body and m not in sent]
                if got == 500 or named:
                    wrong.append(f"{method} {rule} as frb {role}: {got}, names {named}")
            else:
                # Not found wherever the role reaches its own; where its role may not act at
                # home (403), not found is as good (the object is looked up first).
                want = 404 if _success(home[column]) else home[column]
                if got != want and not (want == 403 and got == 404):
                    wrong.append(f"{method} {rule} as frb {role}: {got}, expected {want}")
            db.session.rollback()
            if _state(kbh.report_id) != before:
                wrong.append(f"{method} {rule} as frb {role}: changed Copenhagen's report")
            cases += 1
    assert not wrong, "\n".join(wrong)
    assert cases >= len(perm.MATRIX) * (len(FRB_ROLES) - 1)


def _state(report_id: int) -> tuple:
    report = db.session.get(Report, report_id)
    db.session.refresh(report)
    return (
        report.status,
        report.category_id,
        sorted((a.unit.code, a.status, a.contact_shared) for a in report.assignments),
        db.session.scalar(sa.select(sa.func.count(Note.id)).filter_by(report_id=report_id)),
        db.session.scalar(sa.select(sa.func.count(Attachment.id)).filter_by(report_id=report_id)),
    )


def test_copenhagen_staff_are_not_signed_in_at_frederiksberg(world):
    app, kbh, _, kbh_users = world
    coordinator = kbh_users["coordinator"]
    token = users.create_token(coordinator, "elsewhere")
    client = frb_client(app)
    # A token works at home only; elsewhere it is no token (401, as a wrong one).
    assert client.get("/api/v1/triage", headers=auth(token)).status_code == 401
    assert app.test_client().get("/api/v1/triage", headers=auth(token)).status_code == 200
    # The session cookie of a sign-in at home is ignored here: the page asks for a sign-in.
    kbh_client = page_client(app)
    assert sign_in(kbh_client, coordinator).status_code == 302
    client.set_cookie("session", kbh_client.get_cookie("session").value)
    assert _outcome(client.get("/staff/queue")) == perm.LOGIN
    assert kbh_client.get("/staff/queue").status_code == 200  # and still signed in at home
    # Signing in with a Copenhagen account at Frederiksberg is refused as a wrong password.
    fresh = frb_client(app)
    res = fresh.post(
        "/login",
        data={
            "email": coordinator.email,
            "password": PASSWORD,
            "csrf_token": csrf(fresh, "/login"),
        },
    )
    assert res.status_code == 401


def test_a_reference_is_found_only_in_its_municipality(world):
    app, kbh, frb, _ = world
    frb_actor = Actor.for_user(frb["street_worker"][0])
    own = submit.submit_report(
        frb_actor, {"category": "HAERVAERK", "text": "Graffiti.", **FRB_POINT}
    ).report
    client = frb_client(app)
    assert client.get(f"/api/v1/track/{own.reference}").status_code == 200
    assert client.get(f"/track/{own.reference}").status_code == 200
    assert client.get(f"/api/v1/track/{kbh.reference}").status_code == 404
    assert client.get(f"/track/{kbh.reference}").status_code == 404
    home = app.test_client()
    assert home.get(f"/api/v1/track/{own.reference}").status_code == 404
    assert home.get(f"/api/v1/track/{kbh.reference}").status_code == 200


def test_host_and_prefix_resolve_the_municipality(world):
    app = world[0]
    client = app.test_client()
    frb_codes = {"VOLD", "HAERVAERK", "GRUPPE", "UNG", "UTRYG"}

    def categories(**kwargs) -> set[str]:
        res = client.get("/api/v1/categories", **kwargs)
        assert res.status_code == 200, res.status_code
        return {c["code"] for c in res.json["items"]}

    assert categories(base_url="http://meld.frederiksberg.dk") == frb_codes
    assert categories(base_url="http://MELD.Frederiksberg.dk:443") == frb_codes
    assert {c["code"] for c in client.get("/k/frb/api/v1/categories").json["items"]} == frb_codes
    # The default municipality: an unknown host, its own host, its own prefix.
    kbh = categories(base_url="http://unknown.example")
    assert "NABO" in kbh and kbh == categories(base_url="http://meld.kk.dk")
    assert {c["code"] for c in client.get("/k/kbh/api/v1/categories").json["items"]} == kbh
    # An unknown prefix is not a page at all.
    assert client.get("/k/nowhere/api/v1/categories").status_code == 404
    assert client.get("/k/nowhere/").status_code == 404
    # The prefix stays in every link the page makes, and the page says whose it is.
    html = client.get("/k/frb/").get_data(as_text=True)
    assert 'href="/k/frb/static/css/app.css' in html and "Frederiksberg Kommune" in html
    res = client.post(
        "/k/frb/api/v1/reports", json={"category": "UTRYG", "text": "Mørkt."} | FRB_POINT
    )
    assert res.status_code == 201, res.json
    assert res.json["links"]["track"].startswith("/k/frb/api/v1/track/")
    report = db.session.get(Report, res.json["id"])
    assert report.municipality_id == users.municipality_by_code("frb").id
    # A point in Copenhagen is outside Frederiksberg, and the reverse.
    res = client.post(
        "/k/frb/api/v1/reports", json={"category": "UTRYG", "text": "x"} | perm.NORREBRO
    )
    assert res.status_code == 422
    res = client.post("/api/v1/reports", json={"category": "UTRYG", "text": "x"} | FRB_POINT)
    assert res.status_code == 422


def test_lists_are_filtered_by_the_municipality(world):
    app, kbh, frb, kbh_users = world
    frb_coord = Actor.for_user(frb["coordinator"][0])
    frb_admin = Actor.for_user(frb["admin"][0])
    from meldecentral.services.delivery import send

    assert kbh.delivery_id in {
        d.id for d in send.dead_letters(Actor.for_user(kbh_users["coordinator"]))
    }
    assert kbh.delivery_id not in {d.id for d in send.dead_letters(frb_coord)}
    kbh_units = {u.code for u in admin.list_units(Actor.for_user(kbh_users["admin"]))}
    frb_units = {u.code for u in admin.list_units(frb_admin)}
    assert {"POLICE", "SSP", "COORD"} <= frb_units and "HOUSING" not in frb_units
    assert "HOUSING" in kbh_units
    listed = {u.email for u in admin.list_users(frb_admin)}
    assert frb["admin"][0].email in listed
    assert not listed & {u.email for u in kbh_users.values()}
    db.session.add(
        AccessLog(
            report_id=kbh.report_id,
            report_reference=kbh.reference,
            role="resident",
            action="track",
            channel="web",
        )
    )
    db.session.commit()
    assert not audit.access_log(frb_admin, reference=kbh.reference)
    assert audit.access_log(Actor.for_user(kbh_users["admin"]), reference=kbh.reference)


def test_an_administrator_creates_and_deactivates_units(world):
    app, kbh, frb, _ = world
    frb_admin = Actor.for_user(frb["admin"][0])
    unit = admin.create_unit(frb_admin, {"code": "boligfrb", "name": "Boligsocial FRB"})
    assert unit.code == "BOLIGFRB" and unit.municipality_id == frb_admin.municipality_id
    with pytest.raises(ValidationFailed) as exc:
        admin.create_unit(frb_admin, {"code": "BOLIGFRB", "name": "again"})
    assert "code" in exc.value.fields
    # Copenhagen may use the same code: units are per municipality.
    with pytest.raises(NotFound):
        admin.update_unit(Actor(role="admin", municipality_id=kbh.municipality_id), unit.id, {})
    admin.update_unit(frb_admin, unit.id, {"active": False})
    assert db.session.get(Unit, unit.id).active is False
    # The rules may now route to it.
    rules = [{"id": 1, "order": 1, "name": "x", "categories": ["UTRYG"], "units": ["BOLIGFRB"]}]
    with pytest.raises(ValidationFailed):
        admin.save_rules_text(
            Actor(role="admin", municipality_id=kbh.municipality_id), str(rules).replace("'", '"')
        )
    assert admin.save_rules_text(frb_admin, str(rules).replace("'", '"')) == 1


def test_the_platform_administrator_creates_municipalities(world):
    app, _, frb, kbh_users = world
    boss = kbh_users["admin"]
    boss.platform_admin = True
    db.session.commit()
    try:
        client = page_client(app)
        assert sign_in(client, boss).status_code == 302
        token = csrf(client, "/admin/municipalities")
        form = {
            "csrf_token": token,
            "code": "gen",
            "name": "Gentofte Kommune",
            "hosts": "meld.gentofte.dk\nMELD.gentofte.dk",
            "path_prefix": "gen",
            "admin_email": "chef@gen.test",
            "admin_name": "Chef",
            "admin_password": PASSWORD,
        }
        assert client.post("/admin/municipalities", data=form).status_code == 302
        gen = db.session.scalar(sa.select(Municipality).filter_by(code="gen"))
        assert gen.hosts == ["meld.gentofte.dk"] and gen.path_prefix == "gen"
        chef = users.user_by_email("chef@gen.test")
        assert chef.role == "admin" and chef.municipality_id == gen.id
        # A host another municipality has is refused, naming the field.
        again = {
            **form,
            "code": "gen2",
            "hosts": "meld.frederiksberg.dk",
            "path_prefix": "",
            "admin_email": "",
        }
        res = client.post("/admin/municipalities", data=again)
        assert res.status_code == 422 and "meld.frederiksberg.dk" in res.get_data(as_text=True)
        page = client.get(f"/admin/municipalities/{gen.id}").get_data(as_text=True)
        assert "meld.gentofte.dk</textarea>" in page and "[" not in page.split("<textarea")[1]
        res = client.post(
            f"/admin/municipalities/{gen.id}",
            data={"csrf_token": token, "name": "Gentofte", "hosts": "", "path_prefix": "gentofte"},
        )
        assert res.status_code == 302
        assert app.test_client().get("/k/gentofte/api/v1/categories").json == {"items": []}
        # The municipality's administrator is not a platform administrator.
        with pytest.raises(Forbidden):
            platform.list_all(Actor.for_user(frb["admin"][0]))
        frb_admin = frb_client(app)
        frb_sign_in(frb_admin, frb["admin"][0])
        assert frb_admin.get("/admin/municipalities").status_code == 403
    finally:
        boss.platform_admin = False
        db.session.commit()


def test_the_command_line_creates_and_moves_a_municipality(world):
    app = world[0]
    runner = app.test_cli_runner()
    res = runner.invoke(
        args=["municipality", "create", "hvi", "Hvidovre Kommune", "--host", "meld.hvidovre.dk"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["municipality", "set", "hvi", "--prefix", "hvi"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["units", "create", "COORD", "Koordinatorer", "--municipality", "hvi"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["users", "platform-admin", "admin@frb.nowhere"])
    assert res.exit_code != 0 and "no such user" in res.output
    someone, _ = frb_staff("street_worker")
    assert runner.invoke(args=["users", "platform-admin", someone.email]).exit_code == 0
    db.session.refresh(someone)
    assert someone.platform_admin
    assert runner.invoke(args=["users", "platform-admin", someone.email, "--off"]).exit_code == 0
    db.session.refresh(someone)
    assert not someone.platform_admin
    listed = runner.invoke(args=["municipality", "list"]).output
    assert "hvi\tHvidovre Kommune\tmeld.hvidovre.dk\t/k/hvi/" in listed
    # The prefix of another municipality is refused.
    res = runner.invoke(args=["municipality", "set", "hvi", "--prefix", "frb"])
    assert res.exit_code != 0 and "path_prefix" in res.output


def test_links_in_notifications_reach_the_reports_municipality(world):
    from meldecentral.services.delivery import plan
    from meldecentral.services.reference import municipalities

    app, kbh, frb, _ = world
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    frb_id = users.municipality_by_code("frb").id
    stored = submit.submit_report(
        Actor.for_user(frb["street_worker"][0]),
        {"category": "UTRYG", "text": "Mørk sti.", **FRB_POINT},
    ).report
    report = db.session.get(Report, stored.id)
    old = app.config["MUNICIPALITY_LINKS"]
    try:
        app.config["MUNICIPALITY_LINKS"] = "host"
        assert municipalities.base_url(kbh.municipality_id) == base
        scheme = base.partition("://")[0]
        assert municipalities.base_url(frb_id) == f"{scheme}://meld.frederiksberg.dk"
        app.config["MUNICIPALITY_LINKS"] = "prefix"
        assert municipalities.base_url(frb_id) == f"{base}/k/frb"
        link = plan.thin_payload(report, "report.created")["link"]
        assert link == f"{base}/k/frb/staff/reports/{report.id}"
    finally:
        app.config["MUNICIPALITY_LINKS"] = old

"""The demo: its reference data (services.setup), demo staff, and a year of realistic reports
with their routing and follow-up, for ``flask demo load`` and ``make run``."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import sqlalchemy as sa
from shapely.geometry import Point, shape

from meldecentral import clock
from meldecentral.db import outbox, tx
from meldecentral.domain import roles, workflow
from meldecentral.extensions import db
from meldecentral.models import District, Hotspot, OutboxEvent, Report, RoutingDecision, User
from meldecentral.services import setup
from meldecentral.services.actor import Actor
from meldecentral.services.facts import publish
from meldecentral.services.hotspots import areas
from meldecentral.services.reference import lookups
from meldecentral.services.reports import submit, transitions
from meldecentral.services.routing import route
from meldecentral.services.staff import users
from meldecentral.services.worklists import stats

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only; documented in the README
DEMO_USERS = [
    ("koordinator@demo.meldecentral.dk", "Kim Koordinator", roles.COORDINATOR, None),
    ("gadeplan@demo.meldecentral.dk", "Sara Gadeplan", roles.STREET_WORKER, None),
    ("politi@demo.meldecentral.dk", "Poul Politi", roles.UNIT_MEMBER, "POLICE"),
    ("ssp@demo.meldecentral.dk", "Sofie SSP", roles.UNIT_MEMBER, "SSP"),
    ("bolig@demo.meldecentral.dk", "Bo Boligsocial", roles.UNIT_MEMBER, "HOUSING"),
    ("bbu@demo.meldecentral.dk", "Bente BBU", roles.UNIT_MEMBER, "BBU"),
    ("vink@demo.meldecentral.dk", "Vera VINK", roles.UNIT_MEMBER, "VINK"),
    ("admin@demo.meldecentral.dk", "Anders Admin", roles.ADMIN, None),
]
# The second municipality's staff (services.setup.OTHER_DEMO_MUNICIPALITIES), by its code.
OTHER_DEMO_USERS = {
    "frb": [
        ("koordinator@frb.demo.meldecentral.dk", "Frida Koordinator", roles.COORDINATOR, None),
        ("gadeplan@frb.demo.meldecentral.dk", "Frank Gadeplan", roles.STREET_WORKER, None),
        ("ssp@frb.demo.meldecentral.dk", "Freja SSP", roles.UNIT_MEMBER, "SSP"),
        ("admin@frb.demo.meldecentral.dk", "Finn Admin", roles.ADMIN, None),
    ]
}
# Copenhagen's demo administrator also administers the platform (creates municipalities).
PLATFORM_ADMIN = "admin@demo.meldecentral.dk"

TEXTS = {
    "VOLD": [
        "To unge blev slået ned ved stationen i aftes; de gik derfra selv.",
        "Trusler mod en dørmand efter lukketid, gerningsmanden er gået.",
    ],
    "VAABEN": ["Hørte skud i går nat ved boldbanen, ingen ses nu. Hylstre på jorden."],
    "ILD": ["Containerbrand i gården i nat, slukket. Tredje gang denne måned."],
    "HAERVAERK": ["Graffiti og knuste ruder i opgangen.", "Cykler smadret ved skolen."],
    "TYVERI": ["Indbrud i kælderrum, tyven er væk.", "Cykeltyverier ved indgangen hver uge."],
    "NARKO": [
        "Handel med hash fra en bil ved legepladsen om aftenen.",
        "Brugte sprøjter i trappeopgangen.",
    ],
    "GRUPPE": ["En gruppe på 10-15 unge samles hver aften ved kiosken og råber efter folk."],
    "HAD": ["Racistisk tilråb mod en kvinde med tørklæde ved busstoppet."],
    "UNG": [
        "En dreng på ca. 13 år hænger ud med ældre kendte kriminelle sent om aftenen.",
        "En pige på 15 virker påvirket og siger hun ikke tør gå hjem.",
    ],
    "UNG_PLUS": ["En ung mand på 20 er droppet ud og sælger tilsyneladende for andre."],
    "RADIK": ["En ung deler ekstremistisk materiale i klubben og taler om vold."],
    "FAMILIE": ["Børnene i lejligheden over os er alene hjemme sent flere dage i træk."],
    "MISBRUG": ["En voksen mand sover i opgangen og er tydeligt påvirket."],
    "UTRYG": [
        "Gadelyset har været slukket i stien i to uger; folk undgår den.",
        "Buskadset ved stationen gør stedet utrygt om aftenen.",
    ],
    "DISKRIM": ["Nægtet adgang til diskotek på grund af hudfarve."],
    "NABO": ["Gentagen larm og trusler mellem to naboer i blokken."],
}
OUTCOMES = [
    "Vi har talt med de unge og deres forældre.",
    "Politiet har øget patruljeringen.",
    "Sagen er overdraget til den boligsociale indsats.",
    "Gadelyset er repareret.",
    "Familien har fået tilbudt støtte.",
]


def _random_point(rng: random.Random, district: District) -> tuple[float, float]:
    geom = shape(json.loads(district.geometry))
    while True:
        lon = rng.uniform(district.min_lon, district.max_lon)
        lat = rng.uniform(district.min_lat, district.max_lat)
        if geom.contains(Point(lon, lat)):
            return lat, lon


def _ensure_users(municipality, demo_users) -> None:
    for email, name, role, unit in demo_users:
        if db.session.scalar(sa.select(User.id).filter_by(email=email)) is None:
            users.create_user(
                municipality=municipality,
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                unit_code=unit,
                platform_admin=email == PLATFORM_ADMIN,
            )


def load_demo(count: int, seed: int = 2026) -> int:
    """Load the demo; its past is written as handled, so the workers start with an empty queue
    (the few reports still unrouted are handed to the relay at the end), and the district
    statistics are counted from it."""
    with outbox.held():
        municipality = _load(count, seed)
        _mark_history_handled()
    _hand_over_the_rest()
    _demo_hotspot(municipality)
    stats.rebuild(municipality.id, years=2)
    publish.publish(municipality)  # the public facts at once, not at the beat's first hour
    return count


def _load(count: int, seed: int):
    municipality = setup.load_reference_data()
    setup.give_demo_addresses(municipality)
    _ensure_users(municipality, DEMO_USERS)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    _reports(municipality, count, rng)
    for name in setup.OTHER_DEMO_MUNICIPALITIES:
        config = setup.demo_config(name)
        other = setup.load_reference_data(config)
        setup.give_demo_addresses(other, config)
        _ensure_users(other, OTHER_DEMO_USERS.get(other.code, []))
        _reports(other, max(1, count // 20), rng)
        stats.rebuild(other.id, years=2)
        publish.publish(other)
    return municipality


def _reports(municipality, count: int, rng: random.Random) -> None:
    """``count`` reports of the past year in ``municipality``, in its own categories."""
    districts = db.session.scalars(
        sa.select(District).filter_by(municipality_id=municipality.id)
    ).all()
    mine = {"municipality_id": municipality.id}
    worker = db.session.scalar(sa.select(User).filter_by(role=roles.STREET_WORKER, **mine))
    staff = Actor.for_user(worker)
    resident = Actor(role=roles.RESIDENT, municipality_id=municipality.id)
    now = clock.now()
    coordinator = db.session.scalar(sa.select(User).filter_by(role=roles.COORDINATOR, **mine))
    own = {c.code for c in lookups.active_categories(municipality.id)}
    codes = [code for code in TEXTS if code in own]
    for i in range(count):
        code = rng.choice(codes)
        district = rng.choice(districts)
        lat, lon = _random_point(rng, district)
        created = now - timedelta(days=rng.uniform(0, 365) ** 1.0, minutes=rng.randint(0, 600))
        actor = staff if rng.random() < 0.5 else resident
        data = {
            "category": code,
            "text": rng.choice(TEXTS[code]),
            "lat": lat,
            "lon": lon,
            "minor_involved": code in ("UNG", "GRUPPE") and rng.random() < 0.7,
            "housing_estate": rng.random() < 0.3,
            "occurred_at": created - timedelta(hours=rng.randint(1, 24)),
            # Past events: the reporter has answered the 112 guard's question (nobody in danger
            # now), as the form would have asked about a text that names violence or fire.
            "confirm_not_emergency": True,
        }
        if actor is resident and rng.random() < 0.4:
            data["contact"] = {
                "name": "Demo Borger",
                "email": f"borger{i}@example.org",
                "wants_updates": True,
            }
        with clock.at(created):
            report = submit.submit_report(actor, data).report
        age = (now - created).days
        if age > 2:
            # Routed as a worker routes it; the past sends no alerts.
            with clock.at(created + timedelta(minutes=rng.randint(1, 30))), tx.worker_transaction():
                route.route_reports([report.id], alerts=False)
        if age > 14:
            c = Actor.for_user(coordinator)
            for a in list(db.session.get(Report, report.id).assignments):
                with clock.at(created + timedelta(hours=rng.randint(1, 48))):
                    transitions.transition_assignment(c, a.id, workflow.ACKNOWLEDGED)
                if rng.random() < 0.8:
                    with clock.at(created + timedelta(days=rng.randint(3, 14))):
                        transitions.transition_assignment(
                            c, a.id, workflow.CLOSED, outcome=rng.choice(OUTCOMES)
                        )


# A temporary hotspot for the demo: Mjølnerparken for two weeks from today, the police's demo
# member its chief (the reports made there from now on go to Poul Politi as well).
DEMO_HOTSPOT_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[12.540, 55.700], [12.548, 55.700], [12.548, 55.704], [12.540, 55.704], [12.540, 55.700]]
    ],
}


def _demo_hotspot(municipality) -> None:
    if db.session.scalar(sa.select(Hotspot.id).filter_by(municipality_id=municipality.id)):
        return
    coordinator = db.session.scalar(sa.select(User).filter_by(email=DEMO_USERS[0][0]))
    chief = db.session.scalar(sa.select(User).filter_by(email=DEMO_USERS[2][0]))
    if coordinator is None or chief is None:
        return
    today = areas.today()
    areas.create_hotspot(
        Actor.for_user(coordinator),
        areas.NewHotspot(
            "Mjølnerparken", DEMO_HOTSPOT_AREA, today, today + timedelta(days=13), chief.id
        ),
    )


def _mark_history_handled() -> None:
    """The demo's past is history: only reports still unrouted are left for the workers, so
    starting the stack does not send a year of alerts."""
    routed = set(db.session.scalars(sa.select(RoutingDecision.report_id)))
    now = clock.now()
    for event in db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.handled_at.is_(None))):
        if event.payload.get("report_id") in routed:
            event.published_at = event.published_at or now
            event.handled_at = now
    db.session.commit()


def _hand_over_the_rest() -> None:
    rows = db.session.execute(
        sa.select(OutboxEvent.id, OutboxEvent.urgent, OutboxEvent.request_id).where(
            OutboxEvent.handled_at.is_(None), OutboxEvent.published_at.is_(None)
        )
    ).all()
    outbox.hand_over([outbox.Committed(r.id, bool(r.urgent), r.request_id) for r in rows])


def has_reports() -> bool:
    return db.session.scalar(sa.select(Report.id).limit(1)) is not None

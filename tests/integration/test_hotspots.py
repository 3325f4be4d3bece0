"""Temporary hotspots and the scan, through the services and the API: reports inside an active
hotspot go to its chief as well (starting and stopping with its dates, in the municipality's
time zone, whatever the closing job has done), needs are the staff's, the job closes expired
hotspots, and the scan over the database finds a planted hotspot and tells the coordinators."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import h3
import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import hotspots
from meldecentral.extensions import db
from meldecentral.models import (
    Category,
    Delivery,
    DetectedHotspot,
    Hotspot,
    HotspotReport,
    InAppNotification,
    PushSubscription,
    Report,
    RoutingDecision,
)
from meldecentral.services.actor import Actor
from meldecentral.services.delivery import in_app
from meldecentral.services.hotspots import areas, detect
from tests.conftest import NORREBRO, auth
from tests.factories import drain, submit_report

CPH = ZoneInfo("Europe/Copenhagen")
FIRST, LAST = date(2026, 3, 10), date(2026, 3, 12)
# A square of about 600 m around the Nørrebro point.
AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [12.540, 55.693],
            [12.550, 55.693],
            [12.550, 55.699],
            [12.540, 55.699],
            [12.540, 55.693],
        ]
    ],
}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CPH).astimezone(UTC)


@pytest.fixture
def hotspot(app, make_user):
    coordinator, _ = make_user("coordinator")
    chief, chief_token = make_user("unit_member", "POLICE")
    with clock.at(local(FIRST, 9) - timedelta(days=5)):
        hid = areas.create_hotspot(
            Actor.for_user(coordinator),
            areas.NewHotspot("Nørrebro station", AREA, FIRST, LAST, chief.id),
        )
    return db.session.get(Hotspot, hid), chief, chief_token


def _report_at(client, when: datetime, **fields) -> int:
    with clock.at(when):
        rid = submit_report(client, **fields)
        drain()
    return rid


def _linked(rid: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(HotspotReport.report_id == rid)) == 1


@pytest.mark.parametrize(
    "when, inside",
    [
        (local(FIRST, 0, 0) - timedelta(minutes=5), False),  # the evening before
        (local(FIRST, 0, 5), True),  # the first day, just after local midnight
        (local(LAST, 23, 55), True),  # the last day, late
        (local(LAST, 0, 0) + timedelta(days=1, minutes=5), False),  # the day after
    ],
)
def test_reports_go_to_the_chief_only_while_the_hotspot_is_active(client, hotspot, when, inside):
    row, chief, _ = hotspot
    rid = _report_at(client, when)
    assert _linked(rid) is inside
    decision = db.session.scalars(
        sa.select(RoutingDecision).where(RoutingDecision.report_id == rid)
    ).one()
    assert ("inside hotspot" in decision.explanation) is inside
    assert (f"chief {chief.name}" in decision.explanation) is inside
    # The rules still route it (the chief comes on top).
    assert decision.units == ["POLICE"]
    told = db.session.scalar(
        sa.select(sa.func.count()).where(
            InAppNotification.user_id == chief.id, InAppNotification.report_id == rid
        )
    )
    assert told == (1 if inside else 0)


def test_a_report_outside_the_area_does_not_go_to_the_chief(client, hotspot):
    rid = _report_at(client, local(FIRST, 12), lat=55.676, lon=12.568)  # Indre By
    assert not _linked(rid)


def test_the_chief_is_told_and_sees_the_report(client, hotspot):
    row, chief, chief_token = hotspot
    rid = _report_at(client, local(FIRST, 12), category="UTRYG", text="Mørk sti ved stationen.")
    actor = Actor.for_user(chief)
    items = in_app.notifications(actor)
    assert {i.kind for i in items} >= {areas.KIND_CHIEF, "hotspot.report"}
    assert in_app.unread(actor).count >= 2
    # UTRYG goes to the coordinators, not the police: the chief sees it as the hotspot's chief.
    assert client.get(f"/api/v1/reports/{rid}", headers=auth(chief_token)).status_code == 200


def test_the_job_closes_expired_hotspots(app, hotspot):
    from workers.schedule import beat_schedule
    from workers.tasks import close_hotspots

    row, _, _ = hotspot
    schedule = beat_schedule(app.config)
    assert schedule["close-hotspots"]["task"] == "workers.tasks.close_hotspots"
    assert schedule["detect-hotspots"]["task"] == "workers.tasks.detect_hotspots"
    assert schedule["detect-hotspots"]["schedule"] == 86400  # daily: alpha per day
    with clock.at(local(LAST, 23, 59)):
        assert close_hotspots.run() == 0
    with clock.at(local(LAST, 0, 0) + timedelta(days=1)):
        assert close_hotspots.run() == 1
    db.session.expire_all()
    assert db.session.get(Hotspot, row.id).status == hotspots.CLOSED


def test_a_hotspot_needs_an_area_dates_in_order_and_a_chief(app, make_user):
    coordinator, _ = make_user("coordinator")
    street, _ = make_user("street_worker")
    with clock.at(local(FIRST, 9)), pytest.raises(areas.ValidationFailed) as refused:
        areas.create_hotspot(
            Actor.for_user(coordinator),
            areas.NewHotspot("", {"type": "Point", "coordinates": [1, 2]}, LAST, FIRST, street.id),
        )
    assert set(refused.value.fields) == {"name", "area", "ends_on", "chief"}
    with pytest.raises(areas.Forbidden):
        areas.create_hotspot(
            Actor.for_user(street), areas.NewHotspot("x", AREA, FIRST, LAST, coordinator.id)
        )


def test_needs_are_filed_by_staff_and_go_to_the_chief(client, hotspot, make_user):
    _, _, _ = hotspot
    _, street_token = make_user("street_worker")
    body = {"category": "BEHOV", "text": "Mere lys på stien og en gadeplansmedarbejder om aftenen."}
    rid = _report_at(client, local(FIRST, 20), token=street_token, **body)
    report = db.session.get(Report, rid)
    assert report.kind == hotspots.NEED
    assert _linked(rid)
    resident = client.post("/api/v1/reports", json={**body, **NORREBRO})
    assert resident.status_code == 422, resident.json
    assert "category" in resident.json["error"]["fields"]
    unknown = client.post(
        "/api/v1/reports", json={**body, **NORREBRO, "kind": "other"}, headers=auth(street_token)
    )
    assert unknown.status_code == 422 and "kind" in unknown.json["error"]["fields"]


def _units_of(rid: int) -> set[str]:
    return {a.unit.code for a in db.session.get(Report, rid).assignments}


def _deliveries(rid: int) -> list[Delivery]:
    return db.session.scalars(sa.select(Delivery).where(Delivery.report_id == rid)).all()


NEED = {"category": "BEHOV", "text": "Mere lys på stien og en gadeplansmedarbejder om aftenen."}


def test_a_need_inside_goes_to_the_chief_not_to_the_coordinators(client, hotspot, make_user):
    _, chief, _ = hotspot
    _, street_token = make_user("street_worker")
    inside = _report_at(client, local(FIRST, 20), token=street_token, **NEED)
    # To the chief's unit, where the chief acknowledges and closes it; the coordinators, to
    # whom the rules send needs elsewhere, do not get it, and the unit is not alerted: the
    # chief is told personally.
    assert _units_of(inside) == {"POLICE"}
    decision = db.session.scalars(
        sa.select(RoutingDecision).where(RoutingDecision.report_id == inside)
    ).one()
    assert decision.units == ["COORD"]  # what the rules say, kept in the trace
    assert decision.added_units == ["POLICE"]
    assert "a need inside a hotspot: to its chief's unit POLICE" in decision.explanation
    sent = _deliveries(inside)
    assert {(d.audience, d.channel, d.recipient) for d in sent} == {("staff", "email", chief.email)}
    # Outside the hotspot's dates the rules decide: the coordinators, alerted as usual.
    after = _report_at(client, local(LAST, 0, 0) + timedelta(days=2), token=street_token, **NEED)
    assert _units_of(after) == {"COORD"}
    assert {d.audience for d in _deliveries(after)} <= {"unit"}
    assert not _linked(after)


def test_a_need_goes_to_the_coordinators_when_the_chief_is_one(client, app, make_user):
    coordinator, _ = make_user("coordinator")
    _, street_token = make_user("street_worker")
    with clock.at(local(FIRST, 9)):
        areas.create_hotspot(
            Actor.for_user(coordinator),
            areas.NewHotspot("Stationen", AREA, FIRST, LAST, coordinator.id),
        )
    rid = _report_at(client, local(FIRST, 20), token=street_token, **NEED)
    assert _linked(rid)
    assert _units_of(rid) == {"COORD"}


def test_the_chief_is_told_on_their_own_channels(app, client, hotspot):
    _, chief, _ = hotspot
    first = _report_at(client, local(FIRST, 12))
    chief_rows = [d for d in _deliveries(first) if d.audience == "staff"]
    # No browser of theirs takes push alerts: an e-mail to their sign-in address only.
    assert [(d.channel, d.recipient) for d in chief_rows] == [("email", chief.email)]
    assert chief_rows[0].subject.startswith("Hotspot Nørrebro station: ")
    assert chief_rows[0].payload["type"] == "hotspot.report"
    assert "Overfald" not in chief_rows[0].body  # thin: no report text
    db.session.add(
        PushSubscription(
            user_id=chief.id, endpoint="https://push.example/chief", p256dh="k", auth="a"
        )
    )
    db.session.commit()
    second = _report_at(client, local(FIRST, 13))
    assert {(d.channel, d.recipient) for d in _deliveries(second) if d.audience == "staff"} == {
        ("email", chief.email),
        ("webpush", f"user:{chief.id}"),
    }
    # The channels are the deployment's choice: none but the app when it names none.
    app.config["CHIEF_CHANNELS"] = ()
    third = _report_at(client, local(FIRST, 14))
    assert not [d for d in _deliveries(third) if d.audience == "staff"]
    assert _linked(third)


def _plant(municipality_id: int, now: datetime, centre: str, hot: set[str]) -> None:
    """Reports with cells only (what the scan reads): a steady year in every cell, a tripled
    last eight weeks in ``hot``."""
    category_id = db.session.scalar(sa.select(Category.id).where(Category.code == "UTRYG"))
    cells = sorted(h3.grid_disk(centre, 2))
    rows, n = [], 0
    for cell in cells:
        for week in range(60):
            per_week = 3 if (week < hotspots.WINDOW_WEEKS and cell in hot) else 1
            for k in range(per_week):
                n += 1
                at = now - timedelta(weeks=week, days=1, hours=k)
                rows.append(
                    {
                        "municipality_id": municipality_id,
                        "reference": f"T-{n:07d}",
                        "kind": "concern",
                        "category_id": category_id,
                        "text": "x",
                        "urgency": "low",
                        "status": "resolved",
                        "source": "staff",
                        "h3_cell": cell,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
    db.session.execute(sa.insert(Report), rows)
    db.session.commit()


def test_the_scan_finds_a_planted_hotspot_and_tells_the_coordinators(app, make_user):
    coordinator, _ = make_user("coordinator")
    m = coordinator.municipality_id
    now = datetime(2027, 6, 1, 12, tzinfo=UTC)
    centre = h3.latlng_to_cell(NORREBRO["lat"], NORREBRO["lon"], hotspots.RESOLUTION)
    hot = set(h3.grid_disk(centre, 1))
    _plant(m, now, centre, hot)
    from workers.tasks import detect_hotspots

    with clock.at(now):
        # The beat's task, as it runs daily (999 replicas; the planted rise is far beyond
        # chance: about 150 reports where some 60 are expected).
        assert detect_hotspots.run()[str(m)] >= 1
        first = db.session.scalars(sa.select(DetectedHotspot).order_by(DetectedHotspot.id)).first()
        assert set(first.cells) & hot and first.p_value <= first.alpha
        assert first.observed > first.expected and first.status == hotspots.NEW
        told = in_app.notifications(Actor.for_user(coordinator))
        assert any(i.kind == detect.KIND for i in told)
        # The next day's run does not announce the same area again.
        assert detect.detect(m, replicas=99, seed=4) == []


def test_the_pages_show_the_trace_the_hotspot_and_log_the_reports_seen(app, client, hotspot):
    from meldecentral.models import AccessLog
    from tests.factories import signed_in

    row, chief, _ = hotspot
    rid = _report_at(client, local(FIRST, 12), category="UTRYG", text="Mørk sti ved stationen.")
    coordinator, _user = signed_in(app, "coordinator")
    report_page = coordinator.get(f"/staff/reports/{rid}").get_data(as_text=True)
    assert "Nørrebro station" in report_page and chief.name in report_page  # the trace
    with clock.at(local(FIRST, 13)):
        res = coordinator.get(f"/staff/hotspots/{row.id}")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and db.session.get(Report, rid).reference in html
    assert chief.name in html and "data-trend" in html
    logged = db.session.scalar(
        sa.select(sa.func.count()).where(AccessLog.report_id == rid, AccessLog.action == "list")
    )
    assert logged == 1
    # A form without an area or a chief says what to fix.
    from tests.webutil import csrf

    token = csrf(coordinator, "/staff/hotspots/new")
    bad = coordinator.post(
        "/staff/hotspots/new",
        data={
            "csrf_token": token,
            "name": "X",
            "area": "{}",
            "starts_on": "2030-01-02",
            "ends_on": "2030-01-01",
            "chief": str(chief.id),
        },
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "polygon" in text and "before the first" in text.replace(
        "før den første", "before the first"
    )


def test_a_detection_made_into_a_hotspot_brings_its_hexagons(app, make_user):
    from tests.factories import signed_in

    coordinator, _ = make_user("coordinator")
    chief, _ = make_user("unit_member", "SSP")
    centre = h3.latlng_to_cell(NORREBRO["lat"], NORREBRO["lon"], hotspots.RESOLUTION)
    cells = sorted(h3.grid_disk(centre, 1))
    now = clock.now()
    detection = DetectedHotspot(
        municipality_id=coordinator.municipality_id,
        centre_cell=centre,
        radius=1,
        cells=cells,
        resolution=hotspots.RESOLUTION,
        window_start=now - timedelta(weeks=8),
        window_end=now,
        baseline_weeks=52,
        observed=30,
        expected=9.5,
        statistic=14.2,
        p_value=0.001,
        alpha=0.01,
        replicas=999,
    )
    db.session.add(detection)
    db.session.commit()
    page, _user = signed_in(app, "coordinator")
    form = page.get(f"/staff/hotspots/new?detection={detection.id}").get_data(as_text=True)
    assert "MultiPolygon" in form or "Polygon" in form  # the hexagons, as the area
    area = hotspots.cells_geojson(cells)
    today = areas.today()
    hid = areas.create_hotspot(
        Actor.for_user(coordinator),
        areas.NewHotspot("Fra fund", area, today, today, chief.id, detection.id),
    )
    db.session.expire_all()
    got = db.session.get(DetectedHotspot, detection.id)
    assert got.status == hotspots.ACCEPTED and got.hotspot_id == hid
    # The hexagons' union holds the centre cell's middle.
    lat, lon = h3.cell_to_latlng(centre)
    from meldecentral.services.hotspots import chiefs

    found = chiefs.OpenHotspots({coordinator.municipality_id}).containing(
        coordinator.municipality_id, lat, lon, clock.now()
    )
    assert [h.id for h in found] == [hid]

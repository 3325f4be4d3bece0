"""The pages in a phone-sized Chromium: the street worker with and without network, the
resident, the coordinator, the unit, and the resident again seeing the outcome. Each step
saves a screenshot under test-artifacts/screenshots/."""

from __future__ import annotations

import json

import sqlalchemy as sa

from meldecentral.models import Assignment, Report, ReporterContact
from tests.e2e.conftest import SHOTS, count, shot, sign_in


def first_load_bytes(context, url: str) -> dict:
    """Bytes transferred (headers and bodies, as sent) for a first load of ``url``."""
    page = context.new_page()
    done = []
    page.on("requestfinished", lambda r: done.append(r))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    sizes = {}
    for request in done:
        s = request.sizes()
        sizes[request.url] = s["responseBodySize"] + s["responseHeadersSize"]
    page.close()
    return {"total": sum(sizes.values()), "resources": sizes}


def choose_category(page, code: str) -> None:
    page.check(f"input[name=category][value={code}]", force=True)


def test_street_worker_files_a_report_with_a_position(phone, live):
    page = phone.new_page()
    sign_in(page, live, "street_worker")
    page.goto(live.url + "/staff/report")
    shot(page, "10-worker-form")
    before = count(live, Report)
    choose_category(page, "GRUPPE")
    page.fill("#text", "Gruppe på 10 unge ved kiosken, råber efter folk.")
    page.check("#minor_involved", force=True)
    page.click("[data-locate]")
    page.wait_for_selector("[data-place-status]:has-text('Nørrebro')")
    page.wait_for_selector(".leaflet-marker-icon")  # the map came, without any tiles
    assert page.input_value("#district") == "3"
    shot(page, "11-worker-form-position")
    page.click("main form[data-report-form] button[type=submit]")
    link = page.wait_for_selector("[data-sent-reference]")
    reference = link.get_attribute("data-sent-reference")
    shot(page, "12-worker-sent")
    assert count(live, Report) == before + 1
    report = live.scalar(sa.select(Report).where(Report.reference == reference))
    assert report.source == "staff" and report.minor_involved
    assert abs(report.lat - 55.696) < 1e-4 and report.district_id is not None
    page.goto(live.url + "/staff/mine")
    assert page.is_visible(f"[data-reference='{reference}']")
    shot(page, "13-worker-my-reports")


def test_without_network_the_report_waits_and_is_sent_once(phone, live):
    page = phone.new_page()
    sign_in(page, live, "street_worker")
    page.goto(live.url + "/staff/report")
    before = count(live, Report)
    phone.set_offline(True)
    choose_category(page, "HAERVAERK")
    page.fill("#text", "Knuste ruder i cykelkælderen, skrevet uden signal.")
    page.select_option("#district", "4")
    page.click("main form[data-report-form] button[type=submit]")
    page.wait_for_selector("[data-outbox]:not([hidden]) [data-outbox-list] li")
    assert page.text_content("[data-outbox-count]") == "1"
    shot(page, "14-worker-offline-waiting")
    assert count(live, Report) == before
    phone.set_offline(False)
    page.wait_for_selector("[data-sent-reference]", timeout=15_000)
    page.wait_for_selector("[data-outbox]", state="hidden")
    shot(page, "15-worker-back-online-sent")
    # Reloading (which sends whatever waits) sends nothing more.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert count(live, Report) == before + 1
    user = str(live.users["street_worker"].id)
    assert page.evaluate(f"MCOutbox.waiting('{user}').then(items => items.length)") == 0


def test_resident_reports_anonymously_and_follows_it(phone, live):
    page = phone.new_page()
    page.goto(live.url + "/")
    shot(page, "01-home")
    page.click("text=Lav en melding")
    page.wait_for_url("**/report")
    shot(page, "02-resident-form")
    choose_category(page, "NABO")
    page.fill("#text", "Larm og trusler i opgangen hver nat.")
    page.select_option("#district", "3")
    page.click("main button[type=submit]")
    page.wait_for_url("**/report/receipt")
    reference = page.text_content("[data-reference]").strip()
    shot(page, "03-resident-receipt")
    page.click("text=Følg meldingen")
    page.wait_for_url(f"**/track/{reference}")
    assert page.get_attribute("[data-status]", "data-status") == "received"
    shot(page, "04-resident-track")
    page.click("a[hreflang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.is_visible("text=Updates")
    shot(page, "05-resident-track-en")
    report = live.scalar(sa.select(Report).where(Report.reference == reference))
    assert report.source == "resident"
    assert (
        live.scalar(sa.select(ReporterContact.id).where(ReporterContact.report_id == report.id))
        is None
    )


def test_resident_form_problems_and_the_112_page(phone, live):
    page = phone.new_page()
    page.goto(live.url + "/report")
    page.fill("#address_text", "Nørrebrogade 1")
    page.click("main button[type=submit]")
    page.wait_for_selector("#text-err")
    assert page.input_value("#address_text") == "Nørrebrogade 1"
    shot(page, "06-resident-form-errors")
    choose_category(page, "VOLD")
    page.fill("#text", "Der er slagsmål lige nu foran mig.")
    page.check("#happening_now", force=True)
    page.select_option("#district", "3")
    page.click("main button[type=submit]")
    page.wait_for_selector("a[href='tel:112']")
    shot(page, "07-emergency-112")


def test_coordinator_routes_an_unrouted_report_by_hand(phone, live):
    resident = phone.new_page()
    resident.goto(live.url + "/report")
    choose_category(resident, "UTRYG")
    resident.fill("#text", "Stien ved søen er helt mørk om aftenen.")
    resident.select_option("#district", "2")
    resident.click("main button[type=submit]")
    resident.wait_for_url("**/report/receipt")
    reference = resident.text_content("[data-reference]").strip()
    # No worker has routed it yet: it is in the coordinators' unrouted queue.
    page = phone.new_page()
    sign_in(page, live, "coordinator")
    page.goto(live.url + "/staff/queue?unrouted=y")
    shot(page, "20-coordinator-queue")
    # The queue as its filters show it, as a file: the browser downloads it.
    with page.expect_download() as download:
        page.click("a[href^='/staff/queue/export.csv?unrouted=y']")
    assert download.value.suggested_filename.startswith("meldecentral-queue-")
    data = open(download.value.path(), "rb").read()  # noqa: PTH123
    assert data.startswith(b"\xef\xbb\xbf") and reference.encode() in data
    page.click(f"[data-reference='{reference}'] h2 a")
    page.wait_for_selector("#route")
    shot(page, "21-coordinator-report")
    page.check("#route input[value=COORD]")
    page.check("#route input[value=HOUSING]")
    page.fill("#route-reason", "Belysning på stien, boligområde.")
    page.click("#route button[type=submit]")
    page.wait_for_selector("[data-assignment=HOUSING]")
    shot(page, "22-coordinator-routed")
    report_id = live.scalar(sa.select(Report.id).where(Report.reference == reference))
    units = live.scalar(
        sa.select(sa.func.count(Assignment.id)).where(Assignment.report_id == report_id)
    )
    assert units == 2


def test_unit_acknowledges_and_closes_then_the_resident_sees_the_outcome(phone, live):
    resident = phone.new_page()
    resident.goto(live.url + "/report")
    choose_category(resident, "VOLD")
    resident.fill("#text", "En mand blev truet med en kniv ved stationen i går aftes.")
    resident.select_option("#district", "3")
    resident.click("main button[type=submit]")
    resident.wait_for_url("**/report/receipt")
    reference = resident.text_content("[data-reference]").strip()
    live.drain()  # the rules route VOLD to the police
    page = phone.new_page()
    sign_in(page, live, "POLICE")
    page.goto(live.url + "/staff/inbox")
    card = f"[data-reference='{reference}']"
    page.wait_for_selector(f"{card} .deadline")
    shot(page, "30-unit-inbox")
    page.click(f"{card} button[type=submit]")  # acknowledge
    page.click(f"{card} h2 a")
    page.wait_for_selector("[data-assignment=POLICE][data-status=acknowledged]")
    page.fill("#note-body", "Vi har talt med stationens vagter.")
    page.check("input[name=note-visibility][value=public]")
    page.click("form[action$='/notes'] button[type=submit]")
    page.fill("textarea[name=a-outcome]", "Sagen er overdraget til efterforskning.")
    page.click("form:has(textarea[name=a-outcome]) button[type=submit]")
    page.wait_for_selector("[data-assignment=POLICE][data-status=closed]")
    shot(page, "31-unit-report-closed")
    resident.goto(live.url + f"/track/{reference}")
    assert resident.get_attribute("[data-status]", "data-status") == "resolved"
    assert "Sagen er overdraget til efterforskning." in resident.text_content("[data-outcomes]")
    assert resident.is_visible("text=Vi har talt med stationens vagter.")
    shot(page=resident, name="32-resident-sees-outcome")


def test_admin_pages(phone, live):
    page = phone.new_page()
    sign_in(page, live, "admin")
    for path, name in [
        ("/admin/users", "40-admin-users"),
        ("/admin/units", "41-admin-units"),
        ("/admin/categories", "42-admin-categories"),
        ("/admin/rules", "43-admin-rules"),
    ]:
        page.goto(live.url + path)
        assert page.is_visible("main h1")
        shot(page, name)
    assert page.goto(live.url + "/logout").status == 405  # a GET does not sign out
    page.goto(live.url + "/admin/users")
    page.click("nav.staffnav button[type=submit]")
    page.wait_for_url("**/login")
    shot(page, "44-signed-out")


def test_report_form_first_load_is_small(phone, live):
    """The form's first load, map tiles and the lazily loaded map aside."""
    resident = first_load_bytes(phone, live.url + "/report")
    page = phone.new_page()
    sign_in(page, live, "street_worker")
    worker = first_load_bytes(phone, live.url + "/staff/report")
    SHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "form-first-load.json").write_text(
        json.dumps({"resident": resident, "street_worker": worker}, indent=2)
    )
    assert resident["total"] < 150_000 and worker["total"] < 150_000
    assert not any("leaflet" in url for url in worker["resources"])

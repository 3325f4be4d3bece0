"""Issue 19 on a phone (360x740): the street worker's form as an offline app. After one visit
that installed the service worker, the network is cut BEFORE the form is loaded: the form
opens from the worker's cache, is filled with a photo and queued (IndexedDB), the page is
closed and opened again, the network returns, and exactly one report (with its photo) is made.
The bytes the page takes over the network are recorded for docs/offline.md (first load, and a
load with the worker's cache), and the cached load must take less: the cache is what serves
it."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from PIL import Image

from meldecentral.models import Attachment, Report
from tests.e2e.conftest import SHOTS, count, shot, sign_in

PHONE_360 = {"width": 360, "height": 740}
TEXT = "Knust rude i opgangen, meldt uden net."


def poll(page, script: str, timeout: float = 15.0):
    """Evaluate ``script`` until it is truthy (polled from here: the CSP refuses the page-side
    wait_for_function)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script}")
        time.sleep(0.1)


def transferred(context, page, url: str) -> int:
    """Bytes the page took over the network (headers and bodies, as encoded) to load ``url``."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on(
        "Network.loadingFinished", lambda e: sizes.update({e["requestId"]: e["encodedDataLength"]})
    )
    page.goto(url)
    page.wait_for_load_state("load")
    cdp.detach()
    return sum(sizes.values())


def test_the_form_opens_offline_and_its_report_is_sent_once(browser, live, tmp_path):
    photo = tmp_path / "rude.png"
    Image.new("RGB", (80, 60), "blue").save(photo)
    context = browser.new_context(
        viewport=PHONE_360,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
        service_workers="allow",
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, live, "street_worker")
        first = transferred(context, page, live.url + "/staff/report")
        # The one earlier visit: the worker installs and keeps the form and its files.
        poll(page, "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
        poll(page, "caches.match('/staff/report').then(r => !!r)")
        cached = transferred(context, page, live.url + "/staff/report")
        page.close()
        before = count(live, Report)

        context.set_offline(True)  # before the form is loaded
        page = context.new_page()
        page.goto(live.url + "/staff/report")
        page.check("input[name=category][value=HAERVAERK]", force=True)
        page.fill("#text", TEXT)
        page.select_option("#district", "3")
        page.set_input_files("#photo", str(photo))
        page.click("main form[data-report-form] button[type=submit]")
        page.wait_for_selector("[data-outbox]:not([hidden]) [data-outbox-list] li")
        assert page.input_value("#text") == ""  # queued: the form is ready for the next one
        shot(page, "90-offline-form-queued")
        page.close()  # the browser tab closed, the report only on the phone

        page = context.new_page()
        page.goto(live.url + "/staff/report")  # still offline: from the cache, queue shown
        item = page.wait_for_selector("[data-outbox-list] li")
        assert "foto" in item.text_content()
        assert count(live, Report) == before
        context.set_offline(False)
        page.wait_for_selector("[data-sent-reference]", timeout=15_000)
        # Another round (the page's timer, the worker's Background Sync) finds nothing left.
        again = page.evaluate(
            "MCOutbox.flush({endpoint: '/staff/api/reports', csrfUrl: '/staff/api/csrf'})"
        )
        assert again["sent"] == [] and not again["offline"]
        poll(page, "document.querySelector('[data-outbox]').hidden")
        assert page.locator("[data-sent-reference]").count() == 1
        shot(page, "91-offline-report-sent")
        assert count(live, Report) == before + 1
        report_id = live.scalar(sa.select(sa.func.max(Report.id)))
        assert live.scalar(sa.select(Report.text).where(Report.id == report_id)) == TEXT
        photos = sa.select(sa.func.count(Attachment.id)).where(Attachment.report_id == report_id)
        assert live.scalar(photos) == 1
    finally:
        context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "page-weights.json").write_text(
        json.dumps({"staff_form_first_load": first, "staff_form_cached_load": cached})
    )
    assert cached < first

"""Issue 19 on a phone (360x740): the street worker's form as an offline app. After one visit
that installed the service worker, the network is cut BEFORE the form is loaded: the form
opens from the worker's cache, is filled with a photo and queued (IndexedDB), the page is
closed and opened again, the network returns, and exactly one report (with its photo) is made.
A form closed half way, before Send, is there again, photo included, when the form reopens.
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


class Weights:
    """Bytes taken over the network (response headers and bodies, as sent: compressed) by the
    page and its service worker, per phase; a response from the worker's cache counts 0."""

    def __init__(self, context) -> None:
        self.phase, self.bytes = "sign-in", {}
        context.on("requestfinished", self._done)

    def _done(self, request) -> None:
        sizes = request.sizes()
        got = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        self.bytes[self.phase] = self.bytes.get(self.phase, 0) + max(got, 0)


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
        weights = Weights(context)
        page = context.new_page()
        sign_in(page, live, "street_worker")
        # The one earlier visit (the sign-in lands on the form, the HTTP cache already holds
        # the style sheet): the worker installs and keeps the form and its files.
        weights.phase = "first"
        page.goto(live.url + "/staff/report")
        poll(page, "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
        poll(page, "caches.match('/staff/report').then(r => !!r)")
        page.wait_for_load_state("networkidle")
        weights.phase = "cached"
        page.goto(live.url + "/staff/report")
        page.wait_for_load_state("networkidle")
        page.close()
        before = count(live, Report)

        context.set_offline(True)  # before the form is loaded
        weights.phase = "offline"
        page = context.new_page()
        page.goto(live.url + "/staff/report")
        page.wait_for_load_state("load")
        weights.phase = "after"
        page.check("input[name=category][value=HAERVAERK]", force=True)
        page.fill("#text", TEXT)
        page.select_option("#district", "3")
        page.set_input_files("#photo", str(photo))
        # Closed before sending: the form as filled, photo included, is there when it reopens.
        poll(
            page,
            "MCOutbox.draft(document.querySelector('form[data-report-form]').dataset.user)"
            ".then(d => !!(d && d.photo && d.body.district === 3))",
        )
        page.close()
        page = context.new_page()
        page.goto(live.url + "/staff/report")
        poll(page, "document.querySelector('#photo').files.length === 1")
        assert page.input_value("#text") == TEXT
        assert page.input_value("#district") == "3"
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
    (SHOTS.parent / "page-weights.json").write_text(json.dumps(weights.bytes, indent=1))
    assert weights.bytes["cached"] < weights.bytes["first"]

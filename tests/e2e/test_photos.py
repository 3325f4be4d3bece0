"""Photos on the report page in a phone-sized Chromium (390x844): thumbnails, the full photo
on a tap, a street worker adding a photo to their own report, a refused file said next to the
field. Screenshots under test-artifacts/screenshots/ (70-75)."""

from __future__ import annotations

import io
import time

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from meldecentral.extensions import db
from meldecentral.models import AccessLog, Attachment, User
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.reports import attachments, submit
from meldecentral.services.routing import assign
from tests.conftest import NORREBRO
from tests.e2e.conftest import SHOTS, capture, shot, sign_in
from tests.e2e.test_csp import _watch
from tests.e2e.test_notifications import in_live, sign_out


def picture(width: int, height: int, colour: str, label: str) -> bytes:
    """A photo-like JPEG: a coloured wall with a darker band and a label, to tell them apart."""
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 2 // 3, width, height), fill="#333")
    draw.ellipse(
        (width // 4, height // 6, width * 3 // 4, height * 2 // 3), outline="white", width=12
    )
    draw.text((width // 10, height // 10), label, fill="white", font_size=max(24, height // 8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


@pytest.fixture
def report_with_photos(live, tmp_path):
    """The street worker's report, routed to the police, with two photos; uploads in tmp."""
    old = live.app.config["UPLOAD_FOLDER"]
    live.app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")

    def make():
        author = Actor.for_user(db.session.get(User, live.users["street_worker"].id))
        report = submit.submit_report(
            author,
            {"category": "HAERVAERK", "text": "Graffiti og knust glas ved indgangen.", **NORREBRO},
        ).report
        assign.assign_units(SYSTEM, report.id, ["POLICE"], reason="e2e")
        for colour, label, size in (("#2a6f97", "1", (1600, 1200)), ("#a4452c", "2", (900, 1600))):
            data = picture(*size, colour, label)
            attachments.store_attachment(
                author, report.id, FileStorage(io.BytesIO(data), f"{label}.jpg")
            )
        return report.id

    yield in_live(live, make)
    live.app.config["UPLOAD_FOLDER"] = old


def natural_width(page, selector: str, timeout: float = 10.0) -> int:
    """The image's own width once it has loaded (0 if it does not within ``timeout``). Polled
    from here: the lightbox sets its source after opening, which "networkidle" may precede,
    and the site's CSP refuses wait_for_function's evaluation in the page."""
    deadline = time.monotonic() + timeout
    while True:
        width = page.eval_on_selector(selector, "img => img.complete ? img.naturalWidth : 0")
        if width or time.monotonic() > deadline:
            return width
        time.sleep(0.05)


def test_thumbnails_open_full_size_and_the_worker_adds_a_photo(phone, live, report_with_photos):
    rid = report_with_photos
    page = phone.new_page()
    violations = _watch(page)
    sign_in(page, live, "street_worker")
    page.goto(f"{live.url}/staff/reports/{rid}")
    thumbs = page.locator("#photos ul.photos img")
    assert thumbs.count() == 2
    page.wait_for_load_state("networkidle")
    widths = [natural_width(page, f"#photos li:nth-child({i}) img") for i in (1, 2)]
    assert widths == [320, 180]  # 1600x1200 and 900x1600 on a 320 px long side
    page.locator("#photos").scroll_into_view_if_needed()
    shot(page, "70-photos-thumbnails")

    # A tap opens the full photo over the page; a tap on it closes it.
    page.locator("#photos li:nth-child(1) a").tap()
    page.wait_for_selector("dialog[data-lightbox][open]")
    page.wait_for_load_state("networkidle")
    assert natural_width(page, "[data-lightbox-image]") == 1600
    box = page.locator("[data-lightbox-image]").bounding_box()
    assert box["width"] <= 390 and box["height"] > 100  # fits the phone's width
    capture(page, shot_path("71-photo-full-size"))
    page.locator("[data-lightbox-image]").tap()
    page.wait_for_selector("dialog[data-lightbox]:not([open])", state="attached")
    assert page.url.endswith(f"/staff/reports/{rid}")

    # Adding a photo from the phone: chosen, sent, back on the page with three thumbnails.
    page.set_input_files(
        "#photo-file",
        files=[
            {
                "name": "IMG_2041.jpg",
                "mimeType": "image/jpeg",
                "buffer": picture(1200, 900, "#3c7d3c", "3"),
            }
        ],
    )
    page.click("[data-photo-form] button[type=submit]")
    page.wait_for_url(f"**/staff/reports/{rid}#photos")
    assert page.locator("#photos ul.photos img").count() == 3
    assert page.is_visible(".flash.ok")
    page.wait_for_load_state("networkidle")
    shot(page, "72-photo-added")

    # A file that is no photo: named, with the reason, next to the field; nothing else lost.
    page.set_input_files(
        "#photo-file",
        files=[{"name": "noter.txt", "mimeType": "text/plain", "buffer": b"ikke et billede"}],
    )
    page.click("[data-photo-form] button[type=submit]")
    page.wait_for_selector("#photo-file-err")
    error = page.text_content("#photo-file-err")
    assert "noter.txt" in error and "JPEG" in error
    assert page.locator("#photos ul.photos img").count() == 3
    page.locator("#photo-file").scroll_into_view_if_needed()
    shot(page, "73-photo-refused")

    def photos_and_log():
        n = db.session.scalar(
            sa.select(sa.func.count(Attachment.id)).where(Attachment.report_id == rid)
        )
        actions = db.session.scalars(
            sa.select(AccessLog.action).where(
                AccessLog.report_id == rid, AccessLog.action.like("photo%")
            )
        ).all()
        return n, actions

    assert not violations, violations  # the lightbox and the form's check keep to the CSP
    n, actions = in_live(live, photos_and_log)
    assert n == 3
    assert actions.count("photo_full") == 1 and actions.count("photo_thumbnail") >= 5

    # Without the lightbox (a new tab, no script): the photo itself, shown by the browser.
    page.goto(f"{live.url}/staff/photos/{attachment_ids(live, rid)[0]}")
    assert page.evaluate("document.contentType") == "image/jpeg"
    assert page.eval_on_selector("img", "img => img.naturalWidth") == 1600


def attachment_ids(live, rid: int) -> list[int]:
    return in_live(
        live,
        lambda: db.session.scalars(
            sa.select(Attachment.id).where(Attachment.report_id == rid).order_by(Attachment.id)
        ).all(),
    )


def shot_path(name: str):
    """Where a screenshot of the viewport only goes (``shot`` takes the full page)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def test_the_access_log_says_which_photos_were_seen(phone, live, report_with_photos):
    rid = report_with_photos
    page = phone.new_page()
    sign_in(page, live, "POLICE")
    page.goto(f"{live.url}/staff/reports/{rid}")
    page.wait_for_load_state("networkidle")
    sign_out(page)
    sign_in(page, live, "admin")
    reference = in_live(
        live,
        lambda: db.session.scalar(
            sa.select(AccessLog.report_reference).where(AccessLog.report_id == rid)
        ),
    )
    page.goto(f"{live.url}/admin/access-log?reference={reference}")
    line = page.locator("[data-count='2']").first
    assert "Foto set som miniature (2 fotos)" in line.text_content()
    shot(page, "74-access-log-photos")
    sign_out(page)

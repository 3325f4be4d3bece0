"""Photos on the staff report page: thumbnails and the full photo for those who may see the
report (404 for the others), each image served in the access log, and a street worker adding a
photo to their own report afterwards (web/photos.py, services/reports/thumbnails.py)."""

from __future__ import annotations

import io

import flask_babel
import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from meldecentral import clock
from meldecentral.auth import SEEN_AT, SIGNED_IN_AT
from meldecentral.extensions import db
from meldecentral.models import AccessLog, Attachment, ReportEvent
from meldecentral.services.actor import SYSTEM, Actor
from meldecentral.services.reports import attachments, thumbnails
from meldecentral.services.routing import assign
from tests.conftest import create_staff
from tests.factories import file_report
from tests.webutil import page_client, text_of


def signed_in(app, role: str, unit: str | None = None):
    """A page client with a new staff member's session, as the sign-in pages leave it (user id
    and session version, the session's clock). Signing in for real checks an argon2 hash, about
    half a second each on this machine; the sign-in is tested in test_web_signin.py, and the
    permission matrix signs every role in through /login."""
    user, _ = create_staff(role, unit)
    client = page_client(app)
    now = int(clock.now().timestamp())
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
        session[SIGNED_IN_AT] = session[SEEN_AT] = now
    return client, user


def jpeg(width: int = 1200, height: int = 800) -> bytes:
    """A landscape JPEG with some detail (a gradient), as a phone photo, scaled down."""
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def world(app, upload_dir):
    """A street worker's report, routed to the police, with one photo."""
    worker, worker_user = signed_in(app, "street_worker")
    report = file_report(worker)
    assign.assign_units(SYSTEM, report.id, ["POLICE"], reason="test")
    photo = attachments.store_attachment(
        Actor.for_user(worker_user), report.id, FileStorage(io.BytesIO(jpeg()), "a.jpg")
    )
    return {
        "worker": worker,
        "author": Actor.for_user(worker_user),
        "report": report.id,
        "photo": photo.id,
        "ref": report.reference,
    }


def photo_log(action: str | None = None) -> list[AccessLog]:
    query = sa.select(AccessLog).where(AccessLog.action.like("photo%")).order_by(AccessLog.id)
    if action:
        query = query.where(AccessLog.action == action)
    return list(db.session.scalars(query))


def add_photo(client, report_id: int, data: bytes | None, name: str = "photo.jpg", token=True):
    form = {}
    if data is not None:
        form["photo-file"] = (io.BytesIO(data), name, "image/jpeg")
    if token:
        form["photo-csrf_token"] = client.get("/staff/api/csrf").json["token"]
    return client.post(
        f"/staff/reports/{report_id}/photos", data=form, content_type="multipart/form-data"
    )


def test_thumbnails_on_the_report_page_and_full_size_on_tap(app, world, upload_dir):
    police, _ = signed_in(app, "unit_member", "POLICE")
    rid, pid = world["report"], world["photo"]
    page = text_of(police.get(f"/staff/reports/{rid}"))
    thumb_url, full_url = f"/staff/photos/{pid}/thumbnail", f"/staff/photos/{pid}"
    assert f'src="{thumb_url}"' in page and f'href="{full_url}"' in page
    assert 'width="320" height="213"' in page  # the thumbnail's size, so nothing jumps

    thumb = police.get(thumb_url)
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.headers["Cache-Control"] == "no-store"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert thumb.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in thumb.headers["Content-Security-Policy"]
    img = Image.open(io.BytesIO(thumb.data))
    img.load()  # a whole, valid image
    assert (img.format, img.size) == ("JPEG", (320, 213))
    assert dict(img.getexif()) == {} and not {"exif", "icc_profile", "comment"} & set(img.info)

    full = police.get(full_url)
    stored = db.session.get(Attachment, pid)
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert full.data == (upload_dir / stored.storage_name).read_bytes()
    assert len(thumb.data) < len(full.data) / 3
    # made once, then kept beside the photo (and served again from there)
    cached = thumbnails.thumbnail_path(upload_dir / stored.storage_name)
    assert cached.read_bytes() == thumb.data
    assert police.get(thumb_url).data == thumb.data


def test_a_small_photo_is_its_own_thumbnail_never_upscaled(app, world, upload_dir):
    small = attachments.store_attachment(
        world["author"], world["report"], FileStorage(io.BytesIO(jpeg(200, 100)), "s.jpg")
    )
    res = world["worker"].get(f"/staff/photos/{small.id}/thumbnail")
    assert res.status_code == 200 and Image.open(io.BytesIO(res.data)).size == (200, 100)
    assert res.data == (upload_dir / small.storage_name).read_bytes()
    assert thumbnails.size_for(200, 100) == (200, 100)
    assert thumbnails.size_for(100, 4000) == (8, 320)


def test_photos_are_not_found_for_those_who_may_not_see_the_report(app, world):
    pid = world["photo"]
    urls = (f"/staff/photos/{pid}/thumbnail", f"/staff/photos/{pid}")
    for role, unit in (("street_worker", None), ("unit_member", "SSP")):
        client, _ = signed_in(app, role, unit)
        assert client.get(f"/staff/reports/{world['report']}").status_code == 404
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
    admin, _ = signed_in(app, "admin")
    assert [admin.get(url).status_code for url in urls] == [403, 403]
    anonymous = app.test_client()
    for url in urls:
        res = anonymous.get(url)
        assert res.status_code == 302 and "/login" in res.headers["Location"]
    assert world["worker"].get("/staff/photos/999999/thumbnail").status_code == 404
    assert photo_log() == []  # nothing was shown, nothing logged


def test_each_photo_shown_is_in_the_access_log_and_the_admin_page_says_so(app, world):
    coordinator, user = signed_in(app, "coordinator")
    pid = world["photo"]
    second = attachments.store_attachment(
        world["author"], world["report"], FileStorage(io.BytesIO(jpeg()), "b.jpg")
    ).id
    coordinator.get(f"/staff/reports/{world['report']}")
    for p in (pid, second):
        coordinator.get(f"/staff/photos/{p}/thumbnail", headers={"X-Request-ID": f"thumb-{p}-req"})
    coordinator.get(f"/staff/photos/{pid}")
    rows = photo_log()
    assert [(r.action, r.user_id, r.role, r.channel, r.report_id) for r in rows] == [
        ("photo_thumbnail", user.id, "coordinator", "web", world["report"]),
        ("photo_thumbnail", user.id, "coordinator", "web", world["report"]),
        ("photo_full", user.id, "coordinator", "web", world["report"]),
    ]
    assert rows[0].request_id == f"thumb-{pid}-req" and rows[0].report_reference == world["ref"]

    admin, _ = signed_in(app, "admin")
    page = text_of(admin.get(f"/admin/access-log?reference={world['ref']}"))
    thumbs = page.split(f'data-access="{rows[1].id}" data-count="2"')[1].split("</li>")[0]
    assert "Foto set som miniature (2 fotos)" in thumbs
    full = page.split(f'data-access="{rows[2].id}" data-count="1"')[1].split("</li>")[0]
    assert "Foto åbnet i fuld størrelse" in full and "Webside" in full
    admin.get("/lang/en")
    flask_babel.refresh()  # the test shares one app context; a real request would not
    page = text_of(admin.get(f"/admin/access-log?reference={world['ref']}"))
    assert "Photo seen as a thumbnail (2 photos)" in page and "Photo opened in full size" in page


def test_the_street_worker_adds_a_photo_to_their_own_report(app, world, upload_dir):
    worker, rid = world["worker"], world["report"]
    page = text_of(worker.get(f"/staff/reports/{rid}"))
    form = page.split("data-photo-form")[1].split("</form>")[0]
    assert 'enctype="multipart/form-data"' in page and 'accept="image/*"' in form
    assert 'name="photo-csrf_token"' in form and 'type="file"' in form

    res = add_photo(worker, rid, jpeg(600, 900), "IMG_0001.jpg")
    assert res.status_code == 302 and res.headers["Location"].endswith(
        f"/staff/reports/{rid}#photos"
    )
    added = db.session.scalars(
        sa.select(Attachment).where(Attachment.report_id == rid).order_by(Attachment.id)
    ).all()
    assert len(added) == 2 and (added[1].width, added[1].height) == (600, 900)
    event = db.session.scalars(
        sa.select(ReportEvent)
        .where(ReportEvent.report_id == rid, ReportEvent.action == "attachment_added")
        .order_by(ReportEvent.id)
    ).all()[-1]
    assert event.data == {"attachment_id": added[1].id} and event.actor_role == "street_worker"
    page = text_of(worker.get(f"/staff/reports/{rid}"))
    assert "Foto tilføjet." in page  # the flash
    assert page.count("Foto tilføjet") == 3  # and the history: the first photo, this one
    assert f"/staff/photos/{added[1].id}/thumbnail" in page


def test_nobody_adds_a_photo_to_someone_elses_report_on_the_page(app, world):
    rid = world["report"]
    other, _ = signed_in(app, "street_worker")
    assert add_photo(other, rid, jpeg()).status_code == 404
    for role, unit in (("coordinator", None), ("unit_member", "POLICE")):
        client, _ = signed_in(app, role, unit)
        assert add_photo(client, rid, jpeg()).status_code == 403, role
        assert "data-photo-form" not in text_of(client.get(f"/staff/reports/{rid}"))
    count = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    assert count == 1


def test_a_bad_file_is_named_with_its_reason_and_nothing_else_is_lost(app, world, monkeypatch):
    worker, rid = world["worker"], world["report"]
    res = add_photo(worker, rid, b"%PDF-1.4 not a photo", "kvittering.pdf")
    assert res.status_code == 422
    page = text_of(res)
    assert "kvittering.pdf blev ikke tilføjet" in page
    assert "ikke et JPEG-, PNG- eller WebP-foto" in page
    assert f"/staff/photos/{world['photo']}/thumbnail" in page  # the page, photos and all
    assert 'aria-invalid="true"' in page

    res = add_photo(worker, rid, None)
    assert res.status_code == 422 and "Vælg et foto" in text_of(res)

    mb = 1024 * 1024
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", mb)
    res = add_photo(worker, rid, b"\xff" * (mb + 1000), "stor.jpg")  # within the body's limit
    assert res.status_code == 422 and "stor.jpg blev ikke tilføjet: højst 1 MB" in text_of(res)
    res = add_photo(worker, rid, b"\xff" * (mb + 200_000), "kæmpe.jpg")  # refused unread
    assert res.status_code == 303
    assert res.headers["Location"].endswith(f"/staff/reports/{rid}#photos")
    page = text_of(worker.get(res.headers["Location"]))
    assert "Fotoet blev ikke tilføjet: det er for stort (højst 1 MB)." in page
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_a_photo_without_the_csrf_token_is_refused(app, world, upload_dir):
    res = add_photo(world["worker"], world["report"], jpeg(), token=False)
    assert res.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_retention_deletes_the_thumbnail_with_its_photo(app, world, upload_dir):
    stored = db.session.get(Attachment, world["photo"])
    assert world["worker"].get(f"/staff/photos/{stored.id}/thumbnail").status_code == 200
    original = upload_dir / stored.storage_name
    thumb = thumbnails.thumbnail_path(original)
    assert thumb.is_file()
    attachments.delete_files([stored.storage_name])
    assert not original.exists() and not thumb.exists()
    # the original gone: no thumbnail is made from nothing, and nothing logged for it
    before = len(photo_log())
    assert world["worker"].get(f"/staff/photos/{stored.id}/thumbnail").status_code == 404
    assert not thumb.exists() and len(photo_log()) == before


def test_a_transparent_photo_keeps_a_transparent_png_thumbnail(tmp_path):
    """(No database: the thumbnail of a stored PNG, as sanitise_image writes one.)"""
    original = tmp_path / ("a" * 32 + ".png")
    Image.new("RGBA", (900, 600), (0, 0, 0, 0)).save(original, "PNG")
    thumb = thumbnails.ensure_thumbnail(original)
    assert thumb.name == "a" * 32 + ".t320.png" and thumb.stat().st_mode & 0o777 == 0o600
    with Image.open(thumb) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGBA", (320, 213))
        assert img.getpixel((5, 5))[3] == 0
    assert not list(tmp_path.glob(".*.part"))  # written whole, under its own name

"""Attachments: type from the content, metadata stripped, bombs refused, files outside the web
root, served only to those who may see the report, and every download in the access log."""

import io
import os
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from meldecentral.extensions import db
from meldecentral.models import AccessLog, Attachment, ReportEvent
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.reports import attachments
from tests.conftest import auth
from tests.factories import route, submit_report

SECRET_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP-55.6869N</x:xmpmeta>'


def gps_photo(orientation: int = 6) -> bytes:
    """A 40x20 JPEG, red left half and blue right half, carrying what a phone camera adds:
    GPS position, camera make, orientation, an ICC profile, XMP and a comment."""
    img = Image.new("RGB", (40, 20), (200, 30, 30))
    img.paste((30, 30, 200), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (55.0, 41.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (12.0, 33.0, 5.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, icc_profile=icc, comment=b"SECRET-COMMENT", xmp=SECRET_XMP)
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it is there
    return data


def png_bomb(width: int, height: int, real: bool) -> bytes:
    """A greyscale PNG of ``width`` x ``height``: real (all zeros, compresses to almost
    nothing) or just a header that claims the size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"\x00" * ((width + 1) * height) if real else b"\x00" * 64
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


ROLES = {
    "coordinator": ("coordinator", None),
    "worker": ("street_worker", None),
    "other_worker": ("street_worker", None),
    "police": ("unit_member", "POLICE"),
    "ssp": ("unit_member", "SSP"),
    "admin": ("admin", None),
}


class World(dict):
    """Tokens made on first use (hashing a password is the slow part of a user)."""

    def __init__(self, make_user):
        super().__init__()
        self.make_user = make_user

    def __missing__(self, who):
        self[who] = self.make_user(*ROLES[who])[1]
        return self[who]


@pytest.fixture
def world(client, make_user, upload_dir):
    """A street worker's report routed to the police; tokens for everyone."""
    w = World(make_user)
    w["report"] = submit_report(
        client, w["worker"], category="HAERVAERK", text="Graffiti på skolen."
    )
    route(client, w["coordinator"], w["report"], ["POLICE"], reason=None)
    return w


def upload(client, token, report_id, data, name="photo.jpg", mimetype="image/jpeg"):
    return client.post(
        f"/api/v1/reports/{report_id}/attachments",
        data={"file": (io.BytesIO(data), name, mimetype)},
        headers=auth(token),
        content_type="multipart/form-data",
    )


def test_a_gps_tagged_photo_is_stored_without_any_metadata_and_upright(client, world, upload_dir):
    res = upload(client, world["police"], world["report"], gps_photo())
    assert res.status_code == 201, res.json
    body = res.json
    assert body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (20, 40)  # orientation 6 applied: now portrait
    assert res.headers["Location"] == body["link"] == f"/api/v1/attachments/{body['id']}"

    download = client.get(body["link"], headers=auth(world["coordinator"]))
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/jpeg"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    data = download.data
    for secret in (b"Exif", b"SpyCam", b"SECRET", b"xmpmeta", b"ICC_PROFILE", b"55.6869"):
        assert secret not in data
    img = Image.open(io.BytesIO(data))
    assert dict(img.getexif()) == {}
    assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(img.info)
    # upright: what was the red left half is now the top
    red, blue = img.getpixel((10, 5)), img.getpixel((10, 35))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]


def test_stored_files_have_random_names_outside_the_web_root(app, client, world, upload_dir):
    res = upload(client, world["worker"], world["report"], gps_photo(), name="../../evil.php")
    assert res.status_code == 201, res.json
    row = db.session.get(Attachment, res.json["id"])
    path = upload_dir / row.storage_name
    assert path.is_file() and row.storage_name.endswith(".jpg")
    assert "evil" not in row.storage_name and len(row.storage_name) == 36
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert not path.resolve().is_relative_to(os.path.realpath(app.static_folder))
    assert row.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert client.get(f"/static/{row.storage_name}").status_code == 404
    history = db.session.scalars(
        sa.select(ReportEvent.action).where(ReportEvent.report_id == world["report"])
    ).all()
    assert "attachment_added" in history
    detail = client.get(f"/api/v1/reports/{world['report']}", headers=auth(world["police"]))
    assert [a["id"] for a in detail.json["attachments"]] == [row.id]


def test_png_with_transparency_stays_png_without_text_chunks(client, world):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRET-PNG-TEXT")
    img = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    res = upload(client, world["police"], world["report"], buf.getvalue(), "a.png", "image/png")
    assert res.status_code == 201 and res.json["content_type"] == "image/png"
    data = client.get(res.json["link"], headers=auth(world["police"])).data
    assert b"SECRET" not in data and b"tEXt" not in data
    assert Image.open(io.BytesIO(data)).mode == "RGBA"


def test_webp_is_accepted_and_re_encoded(client, world):
    buf = io.BytesIO()
    Image.new("RGB", (12, 12), (0, 128, 0)).save(buf, "WEBP")
    res = upload(client, world["police"], world["report"], buf.getvalue(), "x.webp", "image/webp")
    assert res.status_code == 201 and res.json["content_type"] == "image/jpeg"


@pytest.mark.parametrize(
    "data, name, mimetype",
    [
        (b"<?php system($_GET['c']); ?>", "photo.jpg", "image/jpeg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.svg", ""),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "scan.pdf", "application/pdf"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.gif", "image/gif"),
        (b"", "empty.jpg", "image/jpeg"),
    ],
)
def test_anything_but_an_accepted_image_is_refused_naming_the_field(
    client, world, data, name, mimetype
):
    res = upload(client, world["police"], world["report"], data, name, mimetype)
    assert res.status_code == 422, res.json
    assert res.json["error"]["code"] == "validation_error"
    assert list(res.json["error"]["fields"]) == ["file"]
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_a_truncated_photo_is_refused(client, world):
    res = upload(client, world["police"], world["report"], gps_photo()[:300])
    assert res.status_code == 422 and "file" in res.json["error"]["fields"]


# As in production, where services.reports.attachments installs this filter (pytest resets
# filters per test).
@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs_are_refused_before_decoding(client, world, upload_dir):
    # 49 megapixels of zeros in ~50 KB: between the limit and twice it (Pillow's warning,
    # made an error) ...
    res = upload(client, world["police"], world["report"], png_bomb(7000, 7000, True), "b.png")
    assert res.status_code == 422
    assert "megapixels" in res.json["error"]["fields"]["file"][0]
    # ... and a header claiming 400 megapixels (Pillow's own error).
    res = upload(client, world["police"], world["report"], png_bomb(20000, 20000, False), "c.png")
    assert res.status_code == 422 and "megapixels" in res.json["error"]["fields"]["file"][0]
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_the_pixel_limit_holds_in_the_service_too():
    with pytest.raises(ValidationFailed) as exc:
        attachments.sanitise_image(png_bomb(101, 100, True), max_pixels=10_000)
    assert "file" in exc.value.fields
    assert attachments.sanitise_image(png_bomb(100, 100, True), max_pixels=10_000).width == 100


def test_too_large_is_413_naming_the_field(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    res = upload(client, world["police"], world["report"], b"\xff" * 1500)
    assert res.status_code == 413 and "file" in res.json["error"]["fields"]
    # far over the limit: refused by the request body limit before it is parsed
    res = upload(client, world["police"], world["report"], b"\xff" * 200_000)
    assert res.status_code == 413 and "file" in res.json["error"]["fields"]


def test_wrong_body_or_missing_field(client, world):
    url = f"/api/v1/reports/{world['report']}/attachments"
    res = client.post(url, json={"file": "x"}, headers=auth(world["police"]))
    assert res.status_code == 415 and "file" in res.json["error"]["fields"]
    res = client.post(
        url,
        data={"other": (io.BytesIO(gps_photo()), "a.jpg")},
        headers=auth(world["police"]),
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "file" in res.json["error"]["fields"]


def test_only_those_who_may_see_the_report_upload_or_download(client, world):
    rid = world["report"]
    photo = gps_photo()
    assert upload(client, None, rid, photo).status_code == 401
    for who in ("other_worker", "ssp", "admin"):
        assert upload(client, world[who], rid, photo).status_code == 404, who
    link = upload(client, world["coordinator"], rid, photo).json["link"]
    assert client.get(link).status_code == 401
    for who in ("other_worker", "ssp", "admin"):
        assert client.get(link, headers=auth(world[who])).status_code == 404, who
    for who in ("worker", "coordinator", "police"):
        assert client.get(link, headers=auth(world[who])).status_code == 200, who
    assert (
        client.get("/api/v1/attachments/999999", headers=auth(world["coordinator"])).status_code
        == 404
    )


def test_every_download_is_in_the_access_log(client, world, make_user):
    user, token = make_user("coordinator")
    link = upload(client, world["police"], world["report"], gps_photo()).json["link"]
    client.get(link, headers={**auth(token), "X-Request-ID": "dl-req-0001"})
    client.get(link, headers=auth(token))
    client.get(link, headers=auth(world["ssp"]))  # refused: not logged as a download
    rows = db.session.scalars(
        sa.select(AccessLog).where(AccessLog.action == "download").order_by(AccessLog.id)
    ).all()
    assert [(r.report_id, r.user_id, r.channel) for r in rows] == [
        (world["report"], user.id, "api")
    ] * 2
    assert rows[0].request_id == "dl-req-0001" and rows[0].report_reference


def test_a_report_holds_a_limited_number_of_attachments(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_PER_REPORT", 2)
    photo = gps_photo()
    assert upload(client, world["police"], world["report"], photo).status_code == 201
    assert upload(client, world["police"], world["report"], photo).status_code == 201
    res = upload(client, world["police"], world["report"], photo)
    assert res.status_code == 422 and "file" in res.json["error"]["fields"]

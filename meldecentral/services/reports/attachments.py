"""Attachments: photos a staff member adds to a report.

An upload is untrusted. Its declared type and file name are ignored: Pillow identifies it from
the content (JPEG, PNG or WebP, nothing else), and it is decoded and re-encoded, so what is kept
is pixels only, with the EXIF orientation applied and no EXIF (GPS position, camera, time), XMP,
ICC profile or comment left. An image over UPLOAD_MAX_PIXELS is refused before it is decoded
(a decompression bomb). Files live under UPLOAD_FOLDER, outside the web root, under random
names; ``open_attachment`` serves them only to those who may see the report and records each
download in the access log. The report page shows them through ``photos_of`` and ``open_photo``
(a thumbnail or the full photo, each one served recorded in the access log).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import Attachment, Report
from meldecentral.services.actor import RESIDENT, Actor
from meldecentral.services.errors import Forbidden, NotFound, TooLarge, ValidationFailed
from meldecentral.services.privacy import access, audit
from meldecentral.services.reports import history, thumbnails

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def _refuse(reason: str) -> ValidationFailed:
    return ValidationFailed("the file was refused", {"file": [reason]})


_pillow_hardened = False


def _harden_pillow(max_pixels: int) -> None:
    """Pillow only warns between MAX_IMAGE_PIXELS and twice that; make the warning an error.
    (Process-wide, installed once; ``sanitise_image`` also checks the size itself.)"""
    global _pillow_hardened
    Image.MAX_IMAGE_PIXELS = max_pixels
    if not _pillow_hardened:
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
        _pillow_hardened = True


def _read_capped(stream, max_bytes: int) -> bytes:
    buf = io.BytesIO()
    while chunk := stream.read(_CHUNK):
        buf.write(chunk)
        if buf.tell() > max_bytes:
            raise TooLarge(
                "the file is too large",
                {"file": [Reason("at most %(n)d MB", n=max_bytes // (1024 * 1024))]},
            )
    return buf.getvalue()


def _to_srgb(img: Image.Image, mode: str) -> Image.Image:
    """Convert to ``mode``; with an embedded ICC profile, through it to sRGB first, so that
    dropping the profile does not shift the colours."""
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(
                img, source, ImageCms.createProfile("sRGB"), outputMode=mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            log.info("ignoring an unusable ICC profile in an upload")
    return img.convert(mode)


def sanitise_image(data: bytes, max_pixels: int) -> CleanImage:
    """Decode ``data`` (first frame only) and re-encode it without any metadata: JPEG, or PNG
    when the image has transparency. Raises ValidationFailed naming the field ``file``."""
    _harden_pillow(max_pixels)
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as img:
            width, height = img.size
            if width * height > max_pixels:
                raise Image.DecompressionBombError("too many pixels")
            img.seek(0)
            img.load()
            upright = ImageOps.exif_transpose(img)
            alpha = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            clean = _to_srgb(upright, "RGBA" if alpha else "RGB")
    except UnidentifiedImageError:
        raise _refuse(N_("not a JPEG, PNG or WebP photo")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            Reason("the image is too large: at most %(n)d megapixels", n=max_pixels // 1_000_000)
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise _refuse(
            N_("a damaged or unsupported image; send a JPEG, PNG or WebP photo")
        ) from None
    clean.info = {}  # nothing from the original travels on: no EXIF, XMP, ICC, comments
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG")
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=85)
        content_type = "image/jpeg"
    return CleanImage(out.getvalue(), content_type, clean.width, clean.height)


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(storage_name: str) -> Path:
    # Names are ours, but never build a path from a value that does not look like one.
    if not _STORAGE_NAME.match(storage_name):
        raise ValueError(f"not a storage name: {storage_name!r}")
    return _folder() / storage_name


def _write(data: bytes, extension: str) -> str:
    name = f"{secrets.token_hex(16)}.{extension}"
    final = _path(name)
    partial = final.with_name(f".{name}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, final)
    return name


def delete_files(storage_names: list[str]) -> None:
    """Remove stored files and their thumbnails (after their rows are gone). A file already
    missing is fine."""
    for name in storage_names:
        try:
            path = _path(name)
            thumbnails.thumbnail_path(path).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        except (OSError, ValueError):
            log.warning("could not delete attachment file %s", name, exc_info=True)


def store_attachment(
    actor: Actor, report_id: int, file_storage, *, first_only: bool = False
) -> Attachment | None:
    """Staff who may see the report add a photo to it; returns the stored attachment.

    ``first_only``: the photo of a queued report, which the phone may send more than once (a
    lost answer, two rounds at once): stored only if the report has none yet, checked with
    the report's row locked (PostgreSQL), so two sends store one photo. None if it had one."""
    report = access.get_visible_report(actor, report_id)
    if not actor.is_staff:
        raise Forbidden("only staff add attachments")
    if first_only:
        db.session.execute(
            sa.select(Report.id).where(Report.id == report.id).with_for_update(of=Report)
        )
        has_one = db.session.scalar(
            sa.select(sa.func.count(Attachment.id)).where(Attachment.report_id == report.id)
        )
        if has_one:
            db.session.rollback()
            return None
    attachment = _store(report.id, actor, file_storage)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        delete_files([attachment.storage_name])
        raise
    return attachment


def store_reporter_photo(report_id: int, file_storage) -> Attachment:
    """The reporter's photo with an answer or added information (they hold the reference; the
    caller checked it). The same checks as staff's; the caller commits, and deletes the file
    (``delete_files``) should its transaction fail."""
    return _store(report_id, RESIDENT, file_storage)


def _store(report_id: int, actor: Actor, file_storage) -> Attachment:
    """Check and write the photo, add its row and history entry (flushed, not committed)."""
    cfg = current_app.config
    count = db.session.scalar(
        sa.select(sa.func.count(Attachment.id)).where(Attachment.report_id == report_id)
    )
    if count >= cfg["UPLOAD_MAX_PER_REPORT"]:
        raise _refuse(
            Reason("at most %(n)d attachments per report", n=cfg["UPLOAD_MAX_PER_REPORT"])
        )
    data = _read_capped(file_storage.stream, cfg["UPLOAD_MAX_BYTES"])
    if not data:
        raise _refuse(N_("empty; send a JPEG, PNG or WebP photo"))
    image = sanitise_image(data, cfg["UPLOAD_MAX_PIXELS"])
    name = _write(image.data, _EXTENSIONS[image.content_type])
    try:
        attachment = Attachment(
            report_id=report_id,
            storage_name=name,
            content_type=image.content_type,
            size=len(image.data),
            sha256=hashlib.sha256(image.data).hexdigest(),
            width=image.width,
            height=image.height,
            uploaded_by=actor.user_id,
        )
        db.session.add(attachment)
        db.session.flush()
        history.append(report_id, actor, "attachment_added", data={"attachment_id": attachment.id})
    except BaseException:
        db.session.rollback()
        delete_files([name])
        raise
    return attachment


def list_attachments(report_id: int) -> list[Attachment]:
    """For a report the caller has already loaded through ``access``."""
    return list(
        db.session.scalars(
            sa.select(Attachment).where(Attachment.report_id == report_id).order_by(Attachment.id)
        )
    )


@dataclass(frozen=True)
class Photo:
    """What the report page needs to show a photo: ids and sizes, nothing of its content."""

    id: int
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int


def photos_of(report_id: int) -> list[Photo]:
    """The photos of a report the caller has already loaded through ``access``, oldest first."""
    out = []
    for a in list_attachments(report_id):
        tw, th = thumbnails.size_for(a.width, a.height)
        out.append(Photo(a.id, a.width, a.height, tw, th))
    return out


def _visible_file(actor: Actor, attachment_id: int):
    """The attachment, its report and its file, for those who may see the report. An
    attachment one may not see does not exist for them."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("no such attachment")
    try:
        report = access.get_visible_report(actor, attachment.report_id)
    except NotFound:
        raise NotFound("no such attachment") from None
    path = _path(attachment.storage_name)
    if not path.is_file():
        log.error("attachment %s: its file is missing", attachment.id)
        raise NotFound("no such attachment")
    return attachment, report, path


def open_attachment(
    actor: Actor, attachment_id: int, channel: str = "api"
) -> tuple[Attachment, Path]:
    """The attachment and its file, for those who may see its report; the download is written
    to the access log. An attachment one may not see does not exist for them."""
    attachment, report, path = _visible_file(actor, attachment_id)
    audit.record_access(actor, report, "download", channel)
    return attachment, path


# Access-log actions of the report page's photos: each image served is one entry.
PHOTO_THUMBNAIL = "photo_thumbnail"
PHOTO_FULL = "photo_full"


def open_photo(
    actor: Actor, attachment_id: int, *, thumbnail: bool, channel: str = "web"
) -> tuple[Attachment, Path]:
    """A photo for the report page: its thumbnail (made on first use) or the full photo, for
    those who may see the report. Each one served is written to the access log, after the file
    is there to serve."""
    attachment, report, path = _visible_file(actor, attachment_id)
    if thumbnail:
        try:
            path = thumbnails.ensure_thumbnail(path)
        except FileNotFoundError:
            raise NotFound("no such attachment") from None
        except (OSError, Image.DecompressionBombError):
            log.error("attachment %s: no thumbnail could be made", attachment.id, exc_info=True)
            raise NotFound("no such attachment") from None
    audit.record_access(actor, report, PHOTO_THUMBNAIL if thumbnail else PHOTO_FULL, channel)
    return attachment, path

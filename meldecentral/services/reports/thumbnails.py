"""Thumbnails of stored photos, for the report page.

A thumbnail is made from the stored, already sanitised photo (re-encoded pixels, no metadata)
the first time it is asked for, and kept beside it as ``<name>.t<edge>.<ext>`` (same format:
JPEG, or PNG for a photo with transparency), mode 0600, written under a temporary name and
renamed into place, so a reader never sees half a file and two first requests at once both
end with a whole one. A photo no larger than the edge is its own thumbnail: never upscaled.
Retention deletes a thumbnail with its photo (``attachments.delete_files``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from PIL import Image

THUMBNAIL_EDGE = 320  # pixels on the long side
_STORED_FORMATS = ("JPEG", "PNG")  # what sanitise_image writes


def size_for(width: int, height: int, edge: int = THUMBNAIL_EDGE) -> tuple[int, int]:
    """The thumbnail's size: the long side ``edge``, the aspect kept; never larger than the
    photo itself."""
    longest = max(width, height)
    if longest <= edge:
        return width, height
    scale = edge / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail_path(original: Path, edge: int = THUMBNAIL_EDGE) -> Path:
    stem, _, extension = original.name.partition(".")
    return original.with_name(f"{stem}.t{edge}.{extension}")


def ensure_thumbnail(original: Path, edge: int = THUMBNAIL_EDGE) -> Path:
    """The thumbnail's file, made now if it is not there yet; the original itself when it is
    no larger than ``edge``. Raises FileNotFoundError when the original is gone (deleted by
    retention meanwhile: no thumbnail outlives its photo) and OSError when it cannot be read."""
    target = thumbnail_path(original, edge)
    if target.is_file():
        return target
    with Image.open(original, formats=_STORED_FORMATS) as img:
        size = size_for(*img.size, edge)
        if size == img.size:
            return original
        fmt = img.format
        img.draft(img.mode, size)  # JPEG: decode at 1/2 to 1/8 scale, enough for the resize
        small = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    small.info = {}
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            if fmt == "PNG":
                small.save(fh, format="PNG", optimize=True)
            else:
                small.save(fh, format="JPEG", quality=80, optimize=True)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if not original.is_file():  # deleted while we were resizing it
        target.unlink(missing_ok=True)
        raise FileNotFoundError(original.name)
    return target

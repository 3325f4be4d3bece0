"""How pages reach a phone (issue 16, item 18): compressed, with an icon (no 404 on every
page), and the current language readable on the header bar."""

from __future__ import annotations

import re
from pathlib import Path

from tests.webutil import text_of

CSS = Path(__file__).resolve().parents[2] / "meldecentral" / "static" / "css" / "app.css"


def test_pages_are_compressed_and_api_json_is_not(client):
    raw = client.get("/report")
    packed = client.get("/report", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.get_data()) < len(raw.get_data()) / 2
    assert "Accept-Encoding" in packed.headers["Vary"]
    api = client.get("/api/v1/categories", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in api.headers


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client):
    html = text_of(client.get("/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon, "no icon link"
    assert client.get(icon.group(1)).status_code == 200
    res = client.get("/favicon.ico")
    assert res.status_code == 301 and res.headers["Location"] == icon.group(1)


def _rgb(value: str) -> tuple[float, ...]:
    value = value.strip()
    if value.startswith("#"):
        return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5)) + (1.0,)
    r, g, b, a = re.match(r"rgba\(([\d.]+),\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)\)", value).groups()
    return float(r), float(g), float(b), float(a)


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_current_language_is_readable_on_the_bar():
    """White text on the pill, whose translucent background lies over the brand colour of the
    header: WCAG AA needs 4.5:1 for text this size (it was 4.32:1)."""
    css = CSS.read_text(encoding="utf-8")
    brand = _rgb(re.search(r"--brand:\s*(#[0-9a-fA-F]{6})", css).group(1))
    pill = _rgb(re.search(r"\.lang\.current\s*\{[^}]*background:\s*(rgba\([^)]*\))", css).group(1))
    alpha = pill[3]
    shown = [alpha * p + (1 - alpha) * b for p, b in zip(pill[:3], brand[:3], strict=True)]
    white = _luminance((255, 255, 255))
    ratio = (white + 0.05) / (_luminance(shown) + 0.05)
    assert ratio >= 4.5, f"{ratio:.2f}:1"

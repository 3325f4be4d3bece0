"""What the resident pages weigh on the wire, per resident language (issue 19).

    .venv/bin/python -m bench.page_weight            # a table in Markdown on stdout

Starts the app on a loopback port with a scratch SQLite database and the demo's reference data,
and opens each page in Debian's Chromium (Playwright) with a phone's viewport and an empty
cache: the report form, then (after sending it) the receipt and the tracking page, and the 112
page. Counted: every response's body as sent (compressed, as the browser asked) and its headers.
The form is counted cold (styles, script and icon included); the pages after it are counted as
a resident reaches them, with what the form brought already cached. The map (Leaflet and its
tiles) is not counted: it loads only when the resident asks for their position.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from meldecentral import create_app

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


def _start(folder: Path):
    from flask_migrate import upgrade

    from meldecentral.extensions import db
    from meldecentral.services import setup

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'w.sqlite'}"})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        setup.load_reference_data()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


class Meter:
    def __init__(self, page):
        self.document = self.total = 0
        page.on("requestfinished", self._add)

    def _add(self, request) -> None:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.total += size
        if request.resource_type == "document":
            self.document += size

    def take(self) -> tuple[int, int]:
        out = (self.document, self.total)
        self.document = self.total = 0
        return out


def measure(url: str, languages: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
    results: dict[str, dict[str, tuple[int, int]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for code in languages:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            context.request.get(f"{url}/lang/{code}?next=/favicon.ico", max_redirects=0)
            page = context.new_page()
            meter = Meter(page)
            row = results[code] = {}
            page.goto(url + "/report", wait_until="networkidle")
            row["/report (cold)"] = meter.take()
            page.check("input[name=category][value=NABO]", force=True)
            page.fill("#text", "Noise every night.")
            page.select_option("#district", "3")
            page.click("main button[type=submit]")
            page.wait_for_url("**/report/receipt", wait_until="networkidle")
            row["/report/receipt"] = meter.take()
            reference = page.text_content("[data-reference]").strip()
            page.goto(f"{url}/track/{reference}", wait_until="networkidle")
            row["/track/<reference>"] = meter.take()
            page.goto(url + "/emergency", wait_until="networkidle")
            row["/emergency"] = meter.take()
            context.close()
        browser.close()
    return results


def table(results: dict[str, dict[str, tuple[int, int]]]) -> str:
    pages = list(next(iter(results.values())))
    head = "| language | " + " | ".join(pages) + " |"
    lines = [head, "|---" * (len(pages) + 1) + "|"]
    for code, row in results.items():
        cells = [f"{row[p][1] / 1000:.1f} kB ({row[p][0] / 1000:.1f})" for p in pages]
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, server, url = _start(Path(folder))
        try:
            results = measure(url, list(app.config["LANGUAGES"]))
        finally:
            server.shutdown()
    print("Transferred: all responses (the HTML document alone in brackets), compressed.")
    print(table(results))


if __name__ == "__main__":
    main()

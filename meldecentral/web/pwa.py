"""The staff pages as an installable web app: the manifest, and the service worker served from
the site's root (its scope is then the whole site) that keeps the street worker's form, its
styles and scripts and Leaflet, so the form opens with no network at all. The worker's cache
name carries the app's version and a hash of the files it keeps: a deploy that changes them
installs a new worker, which deletes the old caches."""

from __future__ import annotations

import functools
import hashlib
import tomllib

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from config import ROOT
from meldecentral.services.delivery import push
from meldecentral.services.errors import Forbidden, ValidationFailed
from meldecentral.web import public_bp as bp
from meldecentral.web import staff_bp
from meldecentral.web.common import actor

HERE = ROOT / "meldecentral"


@functools.cache
def app_version() -> str:
    """The project's version (pyproject.toml) and a short hash of the static files, the
    templates and the npm lock file (Leaflet's version): what the worker keeps changes only
    with these."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    digest = hashlib.sha256()
    for folder in (HERE / "static", HERE / "templates"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(HERE).as_posix().encode())
            digest.update(path.read_bytes())
    lock = ROOT / "package-lock.json"
    if lock.is_file():
        digest.update(lock.read_bytes())
    return f"{version}-{digest.hexdigest()[:10]}"


def shell_urls() -> list[str]:
    """What the worker keeps at install: the form's page is added as it is loaded (it needs the
    session), these are plain files."""
    vendor = functools.partial(url_for, "public.vendor", package="leaflet")
    return [
        url_for("static", filename="css/app.css"),
        url_for("static", filename="js/report.js"),
        url_for("static", filename="js/outbox.js"),
        url_for("static", filename="js/pwa.js"),
        url_for("static", filename="img/favicon.svg"),
        url_for("static", filename="img/icon-192.png"),
        vendor(filename="leaflet.js"),
        vendor(filename="leaflet.css"),
        url_for("public.manifest"),
    ]


@bp.get("/sw.js")
def service_worker():
    """The service worker (a script file: the CSP's script-src 'self' allows it). Not cached by
    the browser's HTTP cache, so a new version is found on the next visit."""
    body = render_template(
        "pwa/sw.js",
        version=app_version(),
        kept=shell_urls(),
        form_url=url_for("staff.new_report"),
        queue_endpoint=url_for("staff.api_submit"),
        csrf_url=url_for("staff.csrf_token"),
        outbox_js=url_for("static", filename="js/outbox.js"),
        texts=_notification_texts(),
        icon=url_for("static", filename="img/icon-192.png"),
    )
    headers = {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": "/",
    }
    return body, 200, headers


def _notification_texts() -> dict[str, str]:
    """A push carries a kind and a reference only; the words are the worker's, in the language
    of the page that installed it."""
    return {
        "title": _("Meldecentral"),
        "assignment.routed": _("New report %(ref)s", ref="__REF__"),
        "assignment.overdue": _("Report %(ref)s is overdue", ref="__REF__"),
        "alert.undelivered": _("An alert for %(ref)s was not delivered", ref="__REF__"),
        "report.routed": _("Your report %(ref)s has been routed", ref="__REF__"),
        "report.resolved": _("Your report %(ref)s has been closed", ref="__REF__"),
        "other": _("News about report %(ref)s", ref="__REF__"),
    }


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "name": _("Meldecentral"),
        "short_name": _("Meldecentral"),
        "start_url": url_for("staff.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {
                "src": url_for("static", filename="img/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="img/favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
        ],
    }
    return current_app.json.response(data), 200, {"Content-Type": "application/manifest+json"}


@bp.app_context_processor
def _push_button():
    """The staff pages' "alerts on this phone" button: for those push alerts are for, where a
    VAPID key is configured."""
    key = current_app.config.get("WEBPUSH_VAPID_PUBLIC_KEY")
    shown = bool(key) and current_user.is_authenticated and push.may_subscribe(actor())
    return {"push_key": key if shown else None}


# --- Web Push: a staff user turns alerts on this browser on or off ---------------------------


@staff_bp.post("/push/subscribe")
@login_required
def push_subscribe():
    """The browser's subscription (PushSubscription.toJSON()); JSON with the X-CSRFToken
    header, as the page's own script sends it."""
    try:
        push.subscribe(actor(), request.get_json(silent=True))
    except Forbidden:
        return _error(403, "forbidden", _("Your role does not give access to this page."))
    except ValidationFailed as exc:
        return _error(422, "validation_error", exc.message, exc.fields)
    return jsonify({"subscribed": True}), 201


@staff_bp.post("/push/unsubscribe")
@login_required
def push_unsubscribe():
    try:
        removed = push.unsubscribe(actor(), request.get_json(silent=True))
    except ValidationFailed as exc:
        return _error(422, "validation_error", exc.message, exc.fields)
    return jsonify({"unsubscribed": removed})


def _error(status: int, code: str, message: str, fields=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status

"""The development inbox's pages (services/devbox.py): what the alerts of `make run` would
have sent, for signed-in staff, and the stand-in receivers the demo units' webhooks and the
SMS channel post to. Registered only outside production (``register``): in production these
routes do not exist. Without DEV_INBOX_DIR (the tests' default) nothing is kept."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from meldecentral.services import devbox

bp = Blueprint("dev", __name__, url_prefix="/dev")
receivers_bp = Blueprint("dev_receivers", __name__, url_prefix="/dev")

TITLES = {
    "mail": _l("Development mailbox (e-mail)"),
    "webhooks": _l("Development webhook log"),
    "sms": _l("Development SMS log"),
}


def register(app: Flask) -> None:
    from meldecentral.extensions import csrf

    if app.config.get("ENV_NAME") == "production":
        return
    # Machines post here (the webhook and SMS channels), with no session and no form.
    csrf.exempt(receivers_bp)
    app.register_blueprint(bp)
    app.register_blueprint(receivers_bp)
    app.jinja_env.globals["dev_inbox"] = bool(app.config.get("DEV_INBOX_DIR"))


def _page(kind: str):
    return render_template(
        "dev/inbox.html", kind=kind, title=TITLES[kind], entries=devbox.entries(kind)
    )


@bp.get("/mailbox")
@login_required
def mailbox():
    return _page("mail")


@bp.get("/webhooks")
@login_required
def webhooks():
    return _page("webhooks")


@bp.get("/sms")
@login_required
def sms():
    return _page("sms")


def _body() -> bytes | None:
    if (request.content_length or 0) > current_app.config["MAX_JSON_BODY"]:
        return None
    return request.get_data(cache=False)


@receivers_bp.post("/webhooks/<code>")
def receive_webhook(code: str):
    body = _body()
    if body is None:
        return "", 413
    headers = {key.lower(): value for key, value in request.headers.items()}
    devbox.record_webhook(code[:20], headers, body)
    return "", 204


@receivers_bp.post("/sms")
def receive_sms():
    body = _body()
    if body is None:
        return "", 413
    devbox.record_sms(body)
    return "", 204

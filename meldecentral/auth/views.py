"""Sign-in pages: password, then (for the roles that need it) a TOTP code or enrolment of an
authenticator app; sign-out. The decisions are in ``services.staff.signin``.

A half-finished sign-in keeps only "<user id>:<session version>" and a time in the session;
the user is signed in (Flask-Login) only when every step has passed, in a new session.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from meldecentral.auth import start_session_clock
from meldecentral.auth.forms import CodeForm, LoginForm
from meldecentral.pages import ActionForm, install_error_handlers, safe_next
from meldecentral.security import configured_limit
from meldecentral.services.staff import signin

bp = Blueprint("auth", __name__)
install_error_handlers(bp)

PENDING, PENDING_AT, PENDING_NEXT, ENROL_SECRET = (
    "mc_pending",
    "mc_pending_at",
    "mc_next",
    "mc_enrol",
)
PENDING_SECONDS = 300


def refused_message() -> str:
    # Never says which part was wrong, nor whether the address exists or is locked.
    return _(
        "Sign-in failed: the e-mail address, password or code is not right. After 5 failed "
        "attempts, sign-in is locked for 15 minutes."
    )


@bp.route("/login", methods=["GET", "POST"])
@configured_limit("RATELIMIT_SIGNIN", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        attempt = signin.check_password(form.email.data, form.password.data)
        if attempt.outcome == signin.OK:
            return _finish(attempt.user, request.args.get("next"))
        if attempt.outcome in (signin.NEEDS_CODE, signin.NEEDS_ENROLMENT):
            _start_pending(attempt.user, request.args.get("next"))
            step = "auth.code" if attempt.outcome == signin.NEEDS_CODE else "auth.enrol"
            return redirect(url_for(step))
        form.form_errors.append(refused_message())
        form.password.data = ""
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


def _new_session() -> None:
    """Forget everything in the session except the chosen language, including the CSRF
    token cached for this request (its secret was in the old session)."""
    lang = session.get("lang")
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if lang:
        session["lang"] = lang


def _start_pending(user, next_url: str | None) -> None:
    _new_session()
    session[PENDING] = f"{user.id}:{user.session_version}"
    session[PENDING_AT] = int(time.time())
    session[PENDING_NEXT] = safe_next(next_url, "")


def _pending():
    started = session.get(PENDING_AT, 0)
    if time.time() - started > PENDING_SECONDS:
        return None
    return signin.pending_user(session.get(PENDING))


def _finish(user, next_url: str | None):
    """A new session for the signed-in user: nothing from before sign-in carries over except
    the chosen language. "Remember me" is off: the session ends with the browser."""
    _new_session()
    login_user(user, remember=False)
    start_session_clock()
    return redirect(safe_next(next_url, url_for("staff.home")))


def _back_to_login():
    _new_session()
    flash(refused_message(), "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@configured_limit("RATELIMIT_SIGNIN", methods=["POST"])
def code():
    user = _pending()
    if user is None or not user.totp_secret:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if signin.check_code(user, form.code.data):
            return _finish(user, session.get(PENDING_NEXT))
        if signin.is_locked(user):
            return _back_to_login()
        form.code.errors = [_("The code is not right. Use the newest code in the app.")]
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/code.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@configured_limit("RATELIMIT_SIGNIN", methods=["POST"])
def enrol():
    """First sign-in of a role that needs two-factor: show the secret, confirm with a code."""
    user = _pending()
    if user is None or user.totp_secret:
        return redirect(url_for("auth.login"))
    secret = session.get(ENROL_SECRET) or signin.new_secret()
    session[ENROL_SECRET] = secret
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if signin.enrol(user, secret, form.code.data):
            flash(_("Two-factor sign-in is set up."), "ok")
            return _finish(user, session.get(PENDING_NEXT))
        if signin.is_locked(user):
            return _back_to_login()
        form.code.errors = [_("The code is not right. Check the app has the key, then try again.")]
        status = 401
    elif request.method == "POST":
        status = 422
    uri = signin.provisioning_uri(user, secret)
    return (
        render_template(
            "auth/enrol.html",
            form=form,
            secret=secret,
            uri=uri,
            qr=signin.provisioning_qr_svg(uri),
        ),
        status,
    )


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.home"))
    if current_user.is_authenticated:
        # Bumping the version makes every copy of this session's cookie worthless.
        signin.end_sessions(current_user._get_current_object())
    logout_user()
    _new_session()
    flash(_("You are signed out."), "ok")
    return redirect(url_for("auth.login"))

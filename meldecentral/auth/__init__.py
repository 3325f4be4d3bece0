"""Staff sign-in with Flask-Login. The session carries "<user id>:<session version>", so that
bumping the version (logout, password change, lock) ends every older session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, session

from meldecentral import clock
from meldecentral.extensions import login_manager
from meldecentral.services.reference import municipalities
from meldecentral.services.staff import users

if TYPE_CHECKING:
    from meldecentral.models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def start_session_clock() -> None:
    """Called at sign-in: the absolute and idle timeouts count from here."""
    now = int(clock.now().timestamp())
    session[SIGNED_IN_AT] = session[SEEN_AT] = now


def _session_expired() -> bool:
    """Absolute (SESSION_ABSOLUTE_SECONDS since sign-in) and idle (SESSION_IDLE_SECONDS since
    the last request) timeouts. Refreshes the idle clock at most once a minute."""
    now = int(clock.now().timestamp())
    started, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    cfg = current_app.config
    if started is None or seen is None:
        return True
    if now - started > cfg["SESSION_ABSOLUTE_SECONDS"] or now - seen > cfg["SESSION_IDLE_SECONDS"]:
        return True
    if now - seen >= 60:
        session[SEEN_AT] = now
    return False


@login_manager.user_loader
def load_user(value: str) -> User | None:
    user_id, _, version = value.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = users.user_for_session(int(user_id), int(version))
    # Signed in elsewhere is not signed in here: on another municipality's host or prefix the
    # session is ignored (kept, for the user's own municipality), so the pages ask for a
    # sign-in, which refuses an account of another municipality (docs/security.md).
    if user is None or not municipalities.belongs_here(user):
        return None
    if _session_expired():
        session.clear()
        return None
    return user


def register(app) -> None:
    """The sign-in pages; unauthenticated visitors of staff pages are sent there."""
    from flask_babel import lazy_gettext

    from meldecentral.auth.views import bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    app.register_blueprint(bp)

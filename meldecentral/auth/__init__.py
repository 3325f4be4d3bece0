"""Staff sign-in with Flask-Login. The session carries "<user id>:<session version>", so that
bumping the version (logout, password change, lock) ends every older session."""

from __future__ import annotations

from meldecentral.extensions import db, login_manager
from meldecentral.models import User


@login_manager.user_loader
def load_user(value: str) -> User | None:
    user_id, _, version = value.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
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

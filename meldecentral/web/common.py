"""What every page view shares: who is acting, role checks, and putting service errors next to
the form fields they concern."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, current_app
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from wtforms import Form

from meldecentral.domain.reasons import Reason
from meldecentral.services.actor import Actor
from meldecentral.services.reference import municipalities


def actor() -> Actor:
    """The signed-in staff user, or an anonymous resident of the request's municipality."""
    if current_user.is_authenticated:
        return Actor.for_user(current_user)
    return resident()


def resident() -> Actor:
    """The public forms always file as an anonymous resident, even for a signed-in user."""
    return Actor(role="resident", municipality_id=municipalities.current_id())


def roles_required(*roles: str) -> Callable:
    """Signed in (else to the sign-in page) and in one of ``roles`` (else 403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def platform_admin_required(view: Callable) -> Callable:
    """Signed in (else to the sign-in page) as a platform administrator (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def ui_language() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def category_label(category) -> str:
    """Categories carry their labels as data (Danish and English)."""
    return category.label(ui_language())


def apply_errors(form: Form, fields: dict, aliases: dict[str, str] | None = None) -> None:
    """Put a service's or schema's ``{field: [reasons]}`` next to the form's fields. Nested
    dicts (``{"contact": {"email": [...]}}``) become ``contact_email``; a field the form does not
    have is shown at the top of the form."""
    aliases = aliases or {}
    for name, reasons in _flatten(fields):
        target = aliases.get(name, name)
        field = getattr(form, target, None) if target else None
        messages = [say(r) for r in reasons]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def say(reason) -> str:
    """A service's reason (``domain.reasons``) in the page's language; words without an entry
    in the catalogues are shown as they are."""
    if isinstance(reason, Reason):
        params = {k: say(v) if isinstance(v, Reason) else v for k, v in reason.params.items()}
        text = gettext(reason.msgid)
        return text % params if params else text
    return gettext(str(reason))


def _flatten(fields: dict, prefix: str = "") -> Iterable[tuple[str, list]]:
    for name, value in fields.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{key}_")
        elif isinstance(value, list | tuple):
            yield key, list(value)
        else:
            yield key, [value]

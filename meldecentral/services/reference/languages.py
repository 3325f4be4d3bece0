"""Which languages a page may speak: the resident pages the configured languages
(``LANGUAGES``) less those the municipality switched off, the staff pages only
``STAFF_LANGUAGES``. The municipality's default language (``BABEL_DEFAULT_LOCALE``) is never
off: it is the language every page falls back on."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from meldecentral.domain import roles
from meldecentral.domain.reasons import Reason
from meldecentral.extensions import db
from meldecentral.models import Municipality
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Forbidden, ValidationFailed


def configured() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def staff_languages() -> tuple[str, ...]:
    return tuple(current_app.config["STAFF_LANGUAGES"])


def switchable() -> tuple[str, ...]:
    """The languages an administrator may switch off: all but the default."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return tuple(code for code in configured() if code != default)


def labelled_elsewhere() -> tuple[str, ...]:
    """The configured languages whose category labels are in ``category.labels`` (Danish and
    English have columns of their own)."""
    return tuple(code for code in configured() if code not in ("da", "en"))


def resident_languages(municipality_code: str) -> tuple[str, ...]:
    """The languages the municipality's resident pages offer, in the configured order."""
    off = db.session.scalar(sa.select(Municipality.languages_off).filter_by(code=municipality_code))
    off_set = set(off or ()) & set(switchable())
    return tuple(code for code in configured() if code not in off_set)


def languages_off(actor: Actor) -> tuple[str, ...]:
    municipality = db.session.get(Municipality, actor.municipality_id)
    return tuple(municipality.languages_off or ()) if municipality else ()


def set_languages_off(actor: Actor, codes: list[str]) -> tuple[str, ...]:
    """Switch the resident languages ``codes`` off and every other one on (administrators)."""
    if actor.role != roles.ADMIN:
        raise Forbidden("only administrators")
    allowed = switchable()
    strays = [c for c in codes if c not in allowed]
    if strays:
        raise ValidationFailed(
            "invalid languages",
            {"languages_off": [Reason("%(code)r cannot be switched off", code=strays[0])]},
        )
    municipality = db.session.get(Municipality, actor.municipality_id)
    # In the configured order, each once: the stored list reads the same however it was sent.
    municipality.languages_off = [c for c in allowed if c in codes]
    db.session.commit()
    return tuple(municipality.languages_off)

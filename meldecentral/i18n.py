"""The interface language: chosen by the person (kept in the session), Danish by default.

Texts live in the catalogues under ``meldecentral/translations`` (English msgids, a full Danish
catalogue); ``make install`` compiles them.
"""

from __future__ import annotations

from babel import Locale
from flask import current_app, request, session

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction(locale: Locale | None) -> str:
    """ "rtl" for right-to-left scripts (Arabic, Farsi, Urdu...), else "ltr"."""
    if locale is not None and locale.character_order == "right-to-left":
        return "rtl"
    return "ltr"

"""The sign-in forms (Flask-WTF: each POST carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from meldecentral.pages import REQUIRED, PageForm


class LoginForm(PageForm):
    email = StringField(_l("E-mail"), validators=[InputRequired(message=REQUIRED)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=REQUIRED)])


class CodeForm(PageForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[InputRequired(message=REQUIRED), Length(max=10)],
    )

"""Staff sign-in: password, lock-out after repeated failures, and TOTP two-factor.

The web layer keeps the session; this module decides. A failed password and a failed code
count alike towards the lock-out, and every refusal looks the same to the person signing in,
so that the page never tells which part was wrong or whether an address exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.extensions import db
from meldecentral.models import User
from meldecentral.services.reference import municipalities
from meldecentral.services.staff import users

MAX_FAILED = 5
LOCK_FOR = timedelta(minutes=15)
ISSUER = "Meldecentral"
# Roles that see the most sensitive reports must use a second factor; for unit members, the
# police (crime reports with named persons).
TOTP_ROLES = (roles.COORDINATOR, roles.ADMIN)
TOTP_UNITS = ("POLICE",)

# A real argon2 hash to verify against when the address is unknown, so that an unknown
# address costs the same time as a wrong password.
_DUMMY_HASH: str | None = None

OK = "ok"  # signed in
NEEDS_CODE = "needs_code"  # password right; a TOTP code is the next step
NEEDS_ENROLMENT = "needs_enrolment"  # password right; the role needs 2FA, none set up yet
REFUSED = "refused"  # wrong address, wrong password, inactive or locked: all look alike


@dataclass(frozen=True)
class Attempt:
    outcome: str
    user: User | None = None


def totp_required(user: User) -> bool:
    if user.role in TOTP_ROLES:
        return True
    return (
        user.role == roles.UNIT_MEMBER and user.unit is not None and (user.unit.code in TOTP_UNITS)
    )


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > clock.now()


def _fail(user: User) -> None:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= MAX_FAILED:
        user.locked_until = clock.now() + LOCK_FOR
        user.failed_logins = 0
    db.session.commit()


def _dummy_verify(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = users.hash_password("not a real password, only for timing")
    users.verify_password(User(password_hash=_DUMMY_HASH), password)


def check_password(email: str, password: str) -> Attempt:
    """First step. On success the failure count is reset only when no second step follows."""
    user = db.session.scalar(sa.select(User).filter_by(email=(email or "").strip().lower()))
    # An account of another municipality is refused here as an unknown one is.
    if user is None or not municipalities.belongs_here(user):
        _dummy_verify(password)
        return Attempt(REFUSED)
    if not user.active or is_locked(user):
        _dummy_verify(password)
        return Attempt(REFUSED)
    if not users.verify_password(user, password):
        _fail(user)
        return Attempt(REFUSED)
    if user.totp_secret:
        db.session.commit()  # keep a rehashed password
        return Attempt(NEEDS_CODE, user)
    if totp_required(user):
        db.session.commit()
        return Attempt(NEEDS_ENROLMENT, user)
    succeeded(user)
    return Attempt(OK, user)


def succeeded(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()


def pending_user(value: str | None) -> User | None:
    """The user of a half-finished sign-in ("<id>:<session_version>"), if still valid."""
    user_id, _, version = (value or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    if not municipalities.belongs_here(user):
        return None
    if is_locked(user):
        return None
    return user


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step whose code ``code`` is, if it is one that may be used now: one step either
    side of now allows for a phone clock a little off, and a step at or before the last one used
    is refused, so that each code signs in once (RFC 6238, section 5.2)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(clock.now())
    for step in (now - 1, now, now + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(user: User, code: str) -> bool:
    """Second step for a user with 2FA set up."""
    if not user.totp_secret or is_locked(user):
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        _fail(user)
        return False
    user.totp_last_step = step
    succeeded(user)
    return True


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def provisioning_qr_svg(uri: str) -> str:
    """The setup address as a QR code (inline SVG) for the authenticator app to scan."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR")


def enrol(user: User, secret: str, code: str) -> bool:
    """Store ``secret`` once the user proves their app has it (a valid code)."""
    if user.totp_secret or is_locked(user):
        return False
    step = _matching_step(secret, code, None)
    if step is None:
        _fail(user)
        return False
    user.totp_secret, user.totp_last_step = secret, step
    succeeded(user)
    return True


def end_sessions(user: User) -> None:
    """Sign out everywhere: every session carrying the old version is refused from now on."""
    user.session_version = (user.session_version or 1) + 1
    db.session.commit()

"""services.staff.signin: password, lock-out, TOTP and enrolment, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.services.staff import signin
from tests.conftest import create_staff
from tests.webutil import PASSWORD, with_totp


@pytest.mark.parametrize(
    ("role", "unit", "needs"),
    [
        ("street_worker", None, False),
        ("coordinator", None, True),
        ("admin", None, True),
        ("unit_member", "POLICE", True),
        ("unit_member", "SSP", False),
    ],
)
def test_who_needs_a_second_factor(app, role, unit, needs):
    user, _ = create_staff(role, unit)
    assert signin.totp_required(user) is needs
    expected = signin.NEEDS_ENROLMENT if needs else signin.OK
    assert signin.check_password(user.email, PASSWORD).outcome == expected


def test_unknown_address_and_wrong_password_look_alike(app):
    user, _ = create_staff("street_worker")
    assert signin.check_password("nobody@example.org", PASSWORD) == signin.Attempt(signin.REFUSED)
    assert signin.check_password(user.email, "wrong") == signin.Attempt(signin.REFUSED)
    assert user.failed_logins == 1


@pytest.mark.slow
def test_five_failures_lock_for_fifteen_minutes(app):
    user, _ = create_staff("street_worker")
    for _ in range(signin.MAX_FAILED):
        assert signin.check_password(user.email, "wrong").outcome == signin.REFUSED
    assert signin.is_locked(user)
    # Locked: even the right password is refused, and looks the same.
    assert signin.check_password(user.email, PASSWORD).outcome == signin.REFUSED
    with clock.at(clock.now() + timedelta(minutes=16)):
        assert signin.check_password(user.email, PASSWORD).outcome == signin.OK
    assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.slow
def test_a_success_resets_the_count(app):
    user, _ = create_staff("street_worker")
    for _ in range(signin.MAX_FAILED - 1):
        signin.check_password(user.email, "wrong")
    assert signin.check_password(user.email, PASSWORD).outcome == signin.OK
    signin.check_password(user.email, "wrong")
    assert not signin.is_locked(user)


def test_wrong_codes_count_towards_the_lock(app):
    user, _ = create_staff("coordinator")
    secret = with_totp(user)
    assert signin.check_password(user.email, PASSWORD).outcome == signin.NEEDS_CODE
    for _ in range(signin.MAX_FAILED):
        assert not signin.check_code(user, "000000")
    assert signin.is_locked(user)
    assert not signin.check_code(user, pyotp.TOTP(secret).now())


def test_the_right_code_signs_in(app):
    user, _ = create_staff("unit_member", "POLICE")
    secret = with_totp(user)
    assert signin.check_code(user, pyotp.TOTP(secret).now())
    assert not signin.check_code(user, "12345")  # malformed


def test_enrolment_keeps_the_secret_only_after_a_valid_code(app):
    user, _ = create_staff("coordinator")
    secret = signin.new_secret()
    uri = signin.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert not signin.enrol(user, secret, "000000")
    assert user.totp_secret is None
    assert signin.enrol(user, secret, pyotp.TOTP(secret).now())
    assert user.totp_secret == secret
    assert not signin.enrol(user, signin.new_secret(), "000000")  # never replaced this way


def test_pending_user_needs_the_current_session_version(app):
    user, _ = create_staff("coordinator")
    value = f"{user.id}:{user.session_version}"
    assert signin.pending_user(value) == user
    signin.end_sessions(user)
    assert signin.pending_user(value) is None
    assert signin.pending_user("garbage") is None
    user.active = False
    db.session.commit()
    assert signin.pending_user(f"{user.id}:{user.session_version}") is None


def test_each_code_signs_in_once_and_an_earlier_one_never(app):
    """Issue 16, item 15: a code worked for three sign-ins in a row, and the previous code was
    taken after the current one."""
    user, _ = create_staff("coordinator")
    secret = with_totp(user)
    totp = pyotp.TOTP(secret)
    t = datetime(2026, 12, 6, 12, 0, 10, tzinfo=UTC)
    with clock.at(t):
        assert signin.check_code(user, totp.at(t))
        assert not signin.check_code(user, totp.at(t))  # the same code again
        assert not signin.check_code(user, totp.at(t - timedelta(seconds=30)))  # the one before
    with clock.at(t + timedelta(seconds=30)):
        assert signin.check_code(user, totp.at(t + timedelta(seconds=30)))  # the next one, once
        assert not signin.check_code(user, totp.at(t + timedelta(seconds=30)))


def test_the_enrolment_code_is_used_up_too(app):
    user, _ = create_staff("coordinator")
    secret = signin.new_secret()
    t = datetime(2026, 12, 6, 12, 0, 10, tzinfo=UTC)
    with clock.at(t):
        code = pyotp.TOTP(secret).at(t)
        assert signin.enrol(user, secret, code)
        assert not signin.check_code(user, code)


def test_the_setup_address_is_a_qr_code():
    svg = signin.provisioning_qr_svg("otpauth://totp/Meldecentral:a%40b.dk?secret=JBSWY3DPEHPK3PXP")
    assert svg.startswith("<svg") and "<path" in svg

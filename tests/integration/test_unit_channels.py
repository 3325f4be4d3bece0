"""A unit's channels as the channels declare them: the admin page's fields, the checks on
saving, the command line, and a channel added by its declaration alone (its address in the
unit's ``addresses``), alerted like the others."""

from __future__ import annotations

from types import MappingProxyType

import pytest
import sqlalchemy as sa

import notifications
from meldecentral.extensions import db
from meldecentral.models import Delivery, Unit
from meldecentral.services.delivery import channels, send
from notifications.base import Address, Description
from tests.integration.test_routing_flow import drain, submit
from tests.integration.test_web_staff import signed_in
from tests.webutil import csrf, text_of


def unit_named(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).filter_by(code=code))


def test_the_page_asks_for_each_declared_address(app):
    admin, _ = signed_in(app, "admin")
    html = text_of(admin.get(f"/admin/units/{unit_named('SSP').id}"))
    for name, kind in (("email", "email"), ("sms_number", "tel"), ("webhook_url", "url")):
        assert f'name="{name}" type="{kind}"' in html or f'type="{kind}" name="{name}"' in html
    assert 'name="webhook_secret"' in html and 'type="password"' in html
    assert "SMS-nummer" in html and "Webhook-URL" in html  # labels through the catalogue
    assert 'value="in_app"' in html and "I appen" in html  # a channel's label, translated


def test_an_address_the_channel_could_never_use_is_refused(app):
    admin, _ = signed_in(app, "admin")
    unit = unit_named("SSP")
    page = f"/admin/units/{unit.id}"
    res = admin.post(
        page,
        data={
            "csrf_token": csrf(admin, page),
            "name": unit.name,
            "active": "y",
            "sms_number": "ring til mig",
            "email": "ssp@",
            "channels_high": ["sms"],
            "channels_normal": ["email"],
            "channels_low": ["email"],
        },
    )
    html = text_of(res)
    assert res.status_code == 422
    assert 'id="sms_number-err"' in html and "ikke et gyldigt telefonnummer" in html  # Danish page
    assert 'id="email-err"' in html
    db.session.refresh(unit)
    assert unit.sms_number is None


class Pager:
    """A channel that is not in notifications/: declared here, kept in the unit's JSON."""

    name = "pager"

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return "paged"


def _digits(value: str) -> str:
    if not value.isdigit():
        raise ValueError("digits only")
    return value


@pytest.fixture
def pager(app, monkeypatch):
    description = Description(
        name="pager",
        label="Pager",
        settings=(),
        address=Address(field="pager_number", label="Pager number", check=_digits),
        factory=Pager,
    )
    described = MappingProxyType({**app.extensions[channels.DESCRIBED], "pager": description})
    monkeypatch.setitem(app.extensions, channels.DESCRIBED, described)
    channel = Pager()
    monkeypatch.setitem(notifications.base._registry, "pager", channel)
    return channel


def test_a_channel_declared_alone_is_offered_checked_kept_and_alerted(app, client, pager):
    admin, _ = signed_in(app, "admin")
    police = unit_named("POLICE")
    page = f"/admin/units/{police.id}"
    assert 'name="pager_number"' in text_of(admin.get(page))
    form = {
        "csrf_token": csrf(admin, page),
        "name": police.name,
        "active": "y",
        "channels_high": ["pager"],
    }
    res = admin.post(page, data=form | {"pager_number": "12ab"})
    assert res.status_code == 422 and 'id="pager_number-err"' in text_of(res)
    assert admin.post(page, data=form | {"pager_number": "4711"}).status_code == 302
    db.session.refresh(police)
    assert police.addresses == {"pager_number": "4711"}
    assert police.channels == {"high": ["pager"], "normal": [], "low": []}
    assert 'value="4711"' in text_of(admin.get(page))  # shown again from the JSON

    submit(client)  # violence in Nørrebro: the police, high urgency
    (delivery_id,) = drain()
    assert send.attempt(delivery_id, claimed=True).status == "sent"
    assert [m.recipient for m in pager.sent] == ["4711"]
    assert db.session.get(Delivery, delivery_id).recipient == "4711"


def test_units_set_goes_through_the_admin_checks(app):
    runner = app.test_cli_runner()
    base = ["units", "set", "POLICE", "--email", "politi@kk.example"]
    result = runner.invoke(args=[*base, "--sms", "ring", "--channels", "high=sms"])
    assert result.exit_code != 0 and "not a valid phone number" in result.output
    result = runner.invoke(args=[*base, "--channels", "high=fax"])
    assert result.exit_code != 0 and "unknown channel 'fax'" in result.output
    result = runner.invoke(
        args=[
            *base,
            "--sms",
            "+45 12 34 56 78",
            "--webhook-url",
            "https://hooks.kk.example/in",
            "--webhook-secret",
            "new",
            "--channels",
            "high=webhook,sms",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "webhook secret: whsec_" in result.output
    police = unit_named("POLICE")
    db.session.refresh(police)
    assert (police.email, police.sms_number) == ("politi@kk.example", "+45 12 34 56 78")
    assert police.webhook_secret.startswith("whsec_")
    assert police.channels["high"] == ["webhook", "sms"]
    assert police.channels["normal"] == ["email"]  # untouched urgencies keep theirs
    # An option left out keeps what the unit has.
    assert runner.invoke(args=["units", "set", "POLICE", "--channels", "low=sms"]).exit_code == 0
    db.session.refresh(police)
    assert police.webhook_url == "https://hooks.kk.example/in"
    assert police.channels["low"] == ["sms"]

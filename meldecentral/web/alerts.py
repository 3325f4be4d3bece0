"""Undelivered alerts as a coordinator reads them: what went wrong in their language, with the
other system's own words kept as a technical detail."""

from __future__ import annotations

from flask_babel import gettext as _

from meldecentral.services.delivery import channels, send


def channel_label(code: str) -> str:
    declared = channels.described().get(code)
    return _(declared.label) if declared is not None else code


def delivery_problem(delivery) -> str:
    channel = channel_label(delivery.channel)
    if send.missing_address(delivery):
        if delivery.audience == "reporter":
            return _("The reporter's contact details have no %(channel)s address.", channel=channel)
        return _("The unit has no %(channel)s address.", channel=channel)
    if delivery.attempts > 1:
        return _("Not delivered after %(n)d attempts.", n=delivery.attempts)
    return _("The receiver refused it.")

"""The worker side's bridge from the delivery service to the channels.

services.delivery.send never imports ``notifications``: it calls ``send_message``, which
``create_app`` hands over (``app.extensions``), and gets the channel's failure as the service's
own ``SendFailed``. The channel is looked up at each call, so a channel registered later (a
test's stand-in) is the one used.
"""

from __future__ import annotations

import notifications
from meldecentral.services.delivery.channels import SendFailed
from notifications import DeliveryError, Message


def send_message(**fields) -> str:
    """Send one message (``notifications.Message``'s fields) through its channel."""
    message = Message(**fields)
    try:
        channel = notifications.get(message.channel)
    except KeyError as exc:  # a delivery for a channel this deployment does not have
        raise SendFailed(str(exc), permanent=True) from None
    try:
        return channel.send(message)
    except DeliveryError as exc:
        raise SendFailed(exc.reason, permanent=exc.permanent, retry_after=exc.retry_after) from None

"""The notification channels as the services see them, without importing them.

Services never import ``notifications`` (the channels) or ``workers``. ``create_app`` puts
into ``app.extensions``:

- ``DESCRIBED``: the channels' declarations by name, read-only (``notifications.Description``:
  ``name``, ``label``, ``settings``, ``address``; an address has ``field``, ``label``,
  ``check``, ``kind``, ``max_length``, ``column``, ``option`` and ``secret``, a secret
  ``field``, ``label``, ``generate`` and ``column``);
- ``SENDER``: the worker side's function that sends one message (``Sender``).

A unit keeps a channel's address (and secret) in the column the channel names, or, for a
channel without a column of its own, under that name in its ``addresses`` JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from flask import current_app

from meldecentral.models import Unit

DESCRIBED = "channels"
SENDER = "send_message"


class SendFailed(Exception):
    """A channel could not deliver; ``permanent``: retrying cannot help; ``retry_after``: the
    receiver's hint, in seconds. The sender raises it for the channel's own error."""

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    """Sends one message through the named channel; returns a short receipt, or raises
    ``SendFailed``."""

    def __call__(
        self,
        *,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        payload: dict,
        message_id: str,
        secret: str | None,
    ) -> str: ...


def described() -> Mapping[str, Any]:
    """The channels' declarations by name (see the module's docstring for their shape)."""
    return current_app.extensions[DESCRIBED]


def sender() -> Sender:
    return current_app.extensions[SENDER]


def read(unit: Unit, field: str, column: bool) -> str | None:
    """A unit's address or secret: from its column, or from its ``addresses`` JSON."""
    if column:
        return getattr(unit, field)
    return (unit.addresses or {}).get(field)


def write(unit: Unit, field: str, column: bool, value: str | None) -> None:
    if column:
        setattr(unit, field, value)
        return
    addresses = dict(unit.addresses or {})  # a new dict: the JSON column sees no edit in place
    if value is None:
        addresses.pop(field, None)
    else:
        addresses[field] = value
    unit.addresses = addresses or None


def unit_address(unit: Unit, channel: str) -> str | None:
    """Where ``channel`` reaches ``unit``: its address (None if it has none, or the channel is
    unknown), or the unit's id for a channel without addresses (in-app)."""
    description = described().get(channel)
    if description is None:
        return None
    address = description.address
    if address is None:
        return str(unit.id)
    return read(unit, address.field, address.column)


def secret_of(channel: str) -> Any | None:
    """The secret ``channel`` signs with (its declaration: field, column), or None."""
    description = described().get(channel)
    return description.address.secret if description and description.address else None

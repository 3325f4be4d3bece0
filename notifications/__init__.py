"""Delivery channels (e-mail, webhook, SMS, in-app) behind one small interface.

Only the standard library and ``requests`` are used here, never Flask, SQLAlchemy or
``meldecentral``: the workers and tests can use channels without an app, and the app plugs
in by calling ``configure(settings)`` and ``register(InAppChannel(store))`` at startup.
"""

from .base import Channel, DeliveryError, Message, configure, get, register

__all__ = ["Channel", "DeliveryError", "Message", "configure", "get", "register"]

"""Delivery channels (e-mail, webhook, SMS, in-app) behind one small interface.

Only the standard library and an HTTP client are used here, never Flask, SQLAlchemy or
``meldecentral``: the workers and tests can use channels without an app. Each channel is one
module that declares itself (``base.declare``); the app plugs in by calling
``configure(settings)`` at startup and reads the declarations with ``discover()``.
"""

from .base import (
    Channel,
    DeliveryError,
    Description,
    Message,
    configure,
    discover,
    get,
    register,
    setting_keys,
)

__all__ = [
    "Channel",
    "DeliveryError",
    "Description",
    "Message",
    "configure",
    "discover",
    "get",
    "register",
    "setting_keys",
]

"""In-app notifications: the app's own database is the "provider".

This package must not know Flask or SQLAlchemy, so the channel only calls a store function
the app hands over as the setting ``IN_APP_STORE``; storing is then one more delivery the outbox
can retry like the others. The unit itself is the recipient: no address to keep.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import N_, DeliveryError, Message, Setting, declare


@declare(label=N_("In-app"), settings=(Setting("IN_APP_STORE", "store", env=False),))
class InAppChannel:
    """Hands each message to ``store`` (e.g. a function that inserts a notification row)."""

    name = "in_app"

    def __init__(self, store: Callable[[Message], None] | None = None) -> None:
        self.store = store

    def send(self, message: Message) -> str:
        """Store once; a missing store is permanent, a failing one (e.g. DB down) retryable."""
        if self.store is None:
            raise DeliveryError("in-app store is not configured", permanent=True)
        try:
            self.store(message)
        except DeliveryError:
            raise
        except Exception as exc:  # any store failure becomes a DeliveryError
            raise DeliveryError(
                f"in-app store failed: {type(exc).__name__}", permanent=False
            ) from exc
        return "stored"

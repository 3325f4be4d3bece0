"""Not an emergency service: decide when a submission must be sent to 112 instead."""

from __future__ import annotations


def is_emergency(
    *, happening_now: bool, category_is_emergency: bool, child_in_danger: bool
) -> bool:
    """Happening now together with violence, weapons, fire (categories flagged so) or a child
    in danger."""
    return bool(happening_now and (category_is_emergency or child_in_danger))

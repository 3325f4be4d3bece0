"""The one source of "now", so that tests (and the demo loader) can move time.

``now()`` is the real UTC time unless a ``travel`` block sets an offset or a fixed instant for
the current context (thread or task).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_fixed: ContextVar[datetime | None] = ContextVar("mc_clock_fixed", default=None)


def now() -> datetime:
    fixed = _fixed.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def at(instant: datetime) -> Iterator[None]:
    """Within the block, ``now()`` returns ``instant``."""
    if instant.tzinfo is None:
        raise ValueError("use an aware datetime")
    token = _fixed.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _fixed.reset(token)


def ago(delta: timedelta) -> datetime:
    return now() - delta

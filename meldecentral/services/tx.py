"""One transaction for a worker's whole unit of work.

A service commits its change with ``tx.commit()``. Normally that is ``db.session.commit()``.
Inside ``tx.one_transaction()`` (a worker handling an event) it only flushes: the event's
handler, the events it records and their handlers (an assignment -> its alert) all commit
together at the end, in one transaction, or not at all. Events recorded inside are marked
handled as they are written and handed to the caller, which runs their handlers before that
commit; they are never published to the broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from meldecentral.extensions import db

_collected: ContextVar[list | None] = ContextVar("mc_tx_collected", default=None)


@contextmanager
def one_transaction() -> Iterator[list]:
    """Yields the list that collects the OutboxEvents recorded meanwhile."""
    collected: list = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)


def collecting() -> list | None:
    return _collected.get()


def commit() -> None:
    if _collected.get() is not None:
        db.session.flush()
    else:
        db.session.commit()
